/**
 * Corruptions of true clips, each imitating one failure of generated videos; used to check that every metric
 * catches the failure it is meant for (tests, calibration).
 */
import { UsageError } from '../errors.js';
import { PALETTE, type Rgb } from './config.js';
import { clipScene, renderClip, renderScene, type Disc, type Scene } from './render.js';
import { NormalRng } from '../core/rng.js';
import { simulateClip, type ClipTruth } from './scenarios.js';

export const CORRUPTIONS = ['vanish', 'teleport', 'split', 'reverse-gravity', 'freeze', 'recolour', 'bg-drift', 'jitter'] as const;
export type CorruptionKind = (typeof CORRUPTIONS)[number];

export interface CorruptionOptions {
  /** First affected frame (default: the middle frame). */
  frame?: number;
  /** Affected ball (default 0). */
  ball?: number;
  /** Teleport distance (px, default 6). */
  distance?: number;
  /** Background drift reached at the last frame (RGB offset, default [48, 24, −16]). */
  drift?: Rgb;
  /** Jitter: standard deviation of the Gaussian offset added to every ball's centre in every frame (px, default 0.3). */
  jitter?: number;
  /** Jitter: seed of the offsets (default: the clip's seed). */
  seed?: number;
}

function inside(d: Disc, s: Scene): boolean {
  return d.x - d.r >= 0 && d.x + d.r <= s.width && d.y - d.r >= 0 && d.y + d.r <= s.height;
}

function separate(d: Disc, others: readonly Disc[]): boolean {
  return others.every((o) => Math.hypot(o.x - d.x, o.y - d.y) >= o.r + d.r + 0.5);
}

/** Render a corrupted version of a true clip ([3, F, H, W] uint8). */
export function corruptClip(truth: ClipTruth, kind: CorruptionKind, opts: CorruptionOptions = {}): Uint8Array {
  const F = truth.world.frames;
  const k = opts.frame ?? Math.floor(F / 2);
  const b = opts.ball ?? 0;
  if (!Number.isInteger(k) || k < 1 || k >= F) throw new UsageError(`corruption frame must be in [1, ${F - 1}]`);
  if (!Number.isInteger(b) || b < 0 || b >= truth.sim.balls) throw new UsageError(`corruption ball must be in [0, ${truth.sim.balls - 1}]`);
  const scene = clipScene(truth);
  switch (kind) {
    case 'vanish':
      scene.discs[k] = scene.discs[k].filter((_, i) => i !== b);
      break;
    case 'teleport': {
      const dist = opts.distance ?? 6;
      const dirs: [number, number][] = [[dist, 0], [-dist, 0], [0, dist], [0, -dist], [dist, dist], [-dist, -dist], [dist, -dist], [-dist, dist]];
      const ok = dirs.find(([dx, dy]) =>
        scene.discs.slice(k).every((row) => {
          const moved = { ...row[b], x: row[b].x + dx, y: row[b].y + dy };
          return inside(moved, scene) && separate(moved, row.filter((_, i) => i !== b));
        }),
      );
      if (ok === undefined) throw new UsageError('no teleport direction keeps the ball inside the box and clear of the others');
      for (let t = k; t < F; t++) scene.discs[t][b] = { ...scene.discs[t][b], x: scene.discs[t][b].x + ok[0], y: scene.discs[t][b].y + ok[1] };
      break;
    }
    case 'split': {
      for (let t = k; t < F; t++) {
        const d = scene.discs[t][b];
        const r2 = d.r / Math.SQRT2;
        const off = r2 + 1;
        const others = scene.discs[t].filter((_, i) => i !== b);
        const pairs: [Disc, Disc][] = [
          [{ ...d, r: r2, x: d.x - off }, { ...d, r: r2, x: d.x + off }],
          [{ ...d, r: r2, y: d.y - off }, { ...d, r: r2, y: d.y + off }],
        ];
        const pair = pairs.find((p) => p.every((q) => inside(q, scene) && separate(q, others))) ?? pairs[0];
        scene.discs[t] = [...others, ...pair];
      }
      break;
    }
    case 'reverse-gravity':
      return renderClip(simulateClip(truth.scenario, truth.seed, truth.world, { gravityScale: -1 }));
    case 'freeze':
      for (let t = k; t < F; t++) scene.discs[t] = scene.discs[k].map((d) => ({ ...d }));
      break;
    case 'recolour': {
      const used = new Set(truth.init.map((i) => i.colour));
      const own = truth.init[b].colour;
      const next = PALETTE.findIndex((_, i) => !used.has(i)) >= 0 ? PALETTE.findIndex((_, i) => !used.has(i)) : (own + 1) % PALETTE.length;
      for (let t = k; t < F; t++) scene.discs[t][b] = { ...scene.discs[t][b], rgb: PALETTE[next].rgb };
      break;
    }
    case 'jitter': {
      // Every ball in every frame, not from frame k on: jitter imitates a sampler's per-frame position noise.
      const sd = opts.jitter ?? 0.3;
      if (!(sd >= 0) || !Number.isFinite(sd)) throw new UsageError(`jitter must be a finite number of pixels ≥ 0, got ${sd}`);
      const rng = new NormalRng(opts.seed ?? truth.seed);
      for (const row of scene.discs) for (const d of row) {
        d.x += sd * rng.normal();
        d.y += sd * rng.normal();
      }
      break;
    }
    case 'bg-drift': {
      const drift = opts.drift ?? [48, 24, -16];
      const bg = truth.world.background;
      scene.background = Array.from({ length: F }, (_, t): Rgb => {
        const f = t / (F - 1);
        return [bg[0] + f * drift[0], bg[1] + f * drift[1], bg[2] + f * drift[2]];
      });
      break;
    }
  }
  return renderScene(scene);
}
