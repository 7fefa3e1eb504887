/**
 * Dataset format (export, generated sets, metrics):
 *
 *   DIR/clips.json   { format, world, count, shards: [{ file, clips }], clips: [entry, …] }   (a bare array of entries is accepted too)
 *   DIR/videos.npy   [N, 3, F, H, W]  uint8 0–255, or float32 in [−1, 1]   (or shards videos-00000.npy, … listed in clips.json)
 *
 * An entry has `scenario` (a name from the vocabulary); true clips add `states` ([F][B][x, y, vx, vy] in px and
 * px/frame, pixel centres at i + 0.5), `balls` ([{ colour, r }]) and `events`. A generated clip conditioned on the
 * first K frames of a true clip carries `givenFrames: K` and the true clip's `states`, so its frames K… can be
 * compared with the true continuation.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { encodeNpy, npyHeader, readNpy, NpyError } from '../io/npy.js';
import { PALETTE, colourIndex, makeWorld, type WorldConfig } from './config.js';
import { getScenario, SCENARIOS, simulateClip, type ClipTruth, type Scenario } from './scenarios.js';
import { renderClip } from './render.js';
import { hashSeed } from './rng.js';
import { WALL_NAMES } from './simulate.js';

export const DATASET_FORMAT = 'selfrefine-world/1';

/** Video batch in [N, 3, F, H, W] layout: uint8 0–255 or float32 in [−1, 1]. */
export interface VideoBatch {
  data: Uint8Array | Float32Array;
  count: number;
  frames: number;
  height: number;
  width: number;
}

export interface TruthEvent {
  time: number;
  kind: 'wall' | 'ball';
  ball: number;
  /** Wall name for 'wall', other ball index for 'ball'. */
  other: string | number;
}

export interface ClipTruthInfo {
  /** [F, B, 4]: x, y, vx, vy (vx, vy NaN when the entry gave positions only). */
  states: Float64Array;
  balls: number;
  radius: number[];
  colours: number[];
  events?: TruthEvent[];
}

export interface ClipInfo {
  scenario: string;
  prompt?: string;
  seed?: number;
  /** Number of leading frames that were given to the generator (0: none). */
  givenFrames: number;
  truth?: ClipTruthInfo;
}

export interface Dataset {
  world: WorldConfig;
  clips: ClipInfo[];
  videos: VideoBatch;
}

const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/** The clips.json entry of a simulated clip. */
export function clipEntry(truth: ClipTruth, extra: { givenFrames?: number } = {}): ClipEntryJson {
  const sc = getScenario(truth.scenario);
  const n = truth.sim.balls;
  const st = truth.sim.states;
  const states: number[][][] = [];
  for (let t = 0; t < truth.sim.frames; t++) {
    const row: number[][] = [];
    for (let b = 0; b < n; b++) {
      const o = (t * n + b) * 4;
      row.push([round4(st[o]), round4(st[o + 1]), round4(st[o + 2]), round4(st[o + 3])]);
    }
    states.push(row);
  }
  const entry: ClipEntryJson = {
    scenario: sc.name,
    prompt: sc.prompt,
    seed: truth.seed,
    gravity: round4(truth.gravity),
    wallRestitution: round4(truth.wallRestitution),
    balls: truth.init.map((b) => ({ colour: PALETTE[b.colour].name, r: round4(b.r) })),
    states,
    events: truth.sim.events.map((e) => ({
      t: round4(e.time),
      kind: e.kind,
      ball: e.ball,
      other: e.kind === 'wall' ? WALL_NAMES[e.other] : e.other,
    })),
  };
  if (extra.givenFrames !== undefined) entry.givenFrames = extra.givenFrames;
  return entry;
}

/** In-memory ClipInfo of a simulated clip (no JSON round trip). */
export function clipInfoFromTruth(truth: ClipTruth, givenFrames = 0): ClipInfo {
  return {
    scenario: truth.scenario,
    prompt: getScenario(truth.scenario).prompt,
    seed: truth.seed,
    givenFrames,
    truth: {
      states: truth.sim.states,
      balls: truth.sim.balls,
      radius: truth.init.map((b) => b.r),
      colours: truth.init.map((b) => b.colour),
      events: truth.sim.events.map((e) => ({ time: e.time, kind: e.kind, ball: e.ball, other: e.kind === 'wall' ? WALL_NAMES[e.other] : e.other })),
    },
  };
}

// ---------- schema ----------

const ballSchema = z.object({ colour: z.string(), r: z.number().positive() });
const eventSchema = z.object({ t: z.number(), kind: z.enum(['wall', 'ball']), ball: z.number().int().nonnegative(), other: z.union([z.string(), z.number()]) });
const entrySchema = z.object({
  scenario: z.string(),
  prompt: z.string().optional(),
  seed: z.number().optional(),
  givenFrames: z.number().int().nonnegative().optional(),
  gravity: z.number().optional(),
  wallRestitution: z.number().optional(),
  balls: z.array(ballSchema).optional(),
  states: z.array(z.array(z.array(z.number()))).optional(),
  events: z.array(eventSchema).optional(),
});
export type ClipEntryJson = z.infer<typeof entrySchema>;

const worldSchema = z.object({
  width: z.number().int(),
  height: z.number().int(),
  frames: z.number().int(),
  radiusRange: z.tuple([z.number(), z.number()]).optional(),
  background: z.tuple([z.number(), z.number(), z.number()]).optional(),
});
const manifestSchema = z.object({
  format: z.string().optional(),
  world: worldSchema.optional(),
  count: z.number().int().nonnegative().optional(),
  shards: z.array(z.object({ file: z.string(), clips: z.number().int().nonnegative() })).optional(),
  clips: z.array(entrySchema),
});
export type ClipsJson = z.infer<typeof manifestSchema>;

function zodMessage(err: z.ZodError): string {
  const first = err.issues[0];
  const path = first.path.length ? first.path.join('.') : '(root)';
  return `${path}: ${first.message}${err.issues.length > 1 ? ` (and ${err.issues.length - 1} more problems)` : ''}`;
}

// ---------- loading ----------

/** Turn a clips.json entry into ClipInfo, validating it against the world (UsageError on mismatch). */
export function parseClipEntry(e: ClipEntryJson, world: WorldConfig, where: string): ClipInfo {
  let sc: Scenario;
  try {
    sc = getScenario(e.scenario);
  } catch (err) {
    throw new UsageError(`${where}: ${(err as Error).message}`);
  }
  const given = e.givenFrames ?? 0;
  if (given > world.frames) throw new UsageError(`${where}: givenFrames ${given} exceeds the clip length ${world.frames}`);
  const info: ClipInfo = { scenario: sc.name, prompt: e.prompt, seed: e.seed, givenFrames: given };
  if (e.states !== undefined) {
    const B = sc.colours.length;
    if (e.states.length !== world.frames) throw new UsageError(`${where}: states has ${e.states.length} frames, the videos have ${world.frames}`);
    const states = new Float64Array(world.frames * B * 4);
    for (let t = 0; t < world.frames; t++) {
      const row: number[][] = e.states[t];
      if (row.length !== B) throw new UsageError(`${where}: states[${t}] has ${row.length} balls, scenario '${sc.name}' has ${B}`);
      for (let b = 0; b < B; b++) {
        const s = row[b];
        if (s.length !== 2 && s.length !== 4) throw new UsageError(`${where}: states[${t}][${b}] must be [x, y] or [x, y, vx, vy]`);
        const o = (t * B + b) * 4;
        states[o] = s[0];
        states[o + 1] = s[1];
        states[o + 2] = s.length === 4 ? s[2] : NaN;
        states[o + 3] = s.length === 4 ? s[3] : NaN;
      }
    }
    let radius: number[];
    let colours: number[];
    if (e.balls !== undefined) {
      if (e.balls.length !== B) throw new UsageError(`${where}: balls has ${e.balls.length} entries, scenario '${sc.name}' has ${B}`);
      radius = e.balls.map((b) => b.r);
      colours = e.balls.map((b) => {
        try {
          return colourIndex(b.colour);
        } catch (err) {
          throw new UsageError(`${where}: ${(err as Error).message}`);
        }
      });
    } else {
      radius = [];
      colours = [...sc.colours];
    }
    info.truth = {
      states,
      balls: B,
      radius,
      colours,
      events: e.events?.map((ev) => ({ time: ev.t, kind: ev.kind, ball: ev.ball, other: ev.other })),
    };
  } else if (given > 0) {
    throw new UsageError(`${where}: givenFrames is set but the entry has no true states to compare the continuation with`);
  }
  return info;
}

function readVideos(path: string): VideoBatch {
  if (!existsSync(path)) throw new UsageError(`missing ${path} (expected [N, 3, F, H, W] uint8 or float32 in [-1, 1])`);
  let arr;
  try {
    arr = readNpy(path);
  } catch (err) {
    if (err instanceof NpyError) throw new UsageError(err.message);
    throw err;
  }
  const s = arr.shape;
  if (s.length !== 5 || s[1] !== 3) {
    throw new UsageError(`${path}: shape [${s.join(', ')}] where [N, 3, F, H, W] was expected`);
  }
  let data: Uint8Array | Float32Array;
  if (arr.data instanceof Uint8Array) data = arr.data;
  else if (arr.data instanceof Float32Array) data = arr.data;
  else if (arr.data instanceof Float64Array) data = Float32Array.from(arr.data);
  else throw new UsageError(`${path}: dtype ${arr.dtype}; expected uint8 (0–255) or float32 in [-1, 1]`);
  if (s[2] < 3 || s[3] < 8 || s[4] < 8) throw new UsageError(`${path}: videos of ${s[2]} frames of ${s[4]}x${s[3]} are too small (need ≥ 3 frames of ≥ 8x8)`);
  return { data, count: s[0], frames: s[2], height: s[3], width: s[4] };
}

function concatBatches(parts: VideoBatch[], where: string): VideoBatch {
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  const uint8 = parts.every((p) => p.data instanceof Uint8Array);
  const total = parts.reduce((a, p) => a + p.count, 0);
  const per = 3 * first.frames * first.height * first.width;
  const data = uint8 ? new Uint8Array(total * per) : new Float32Array(total * per);
  let off = 0;
  for (const p of parts) {
    if (p.frames !== first.frames || p.height !== first.height || p.width !== first.width) {
      throw new UsageError(`${where}: shards disagree on the clip shape`);
    }
    if (uint8 || p.data instanceof Float32Array) data.set(p.data, off);
    else for (let i = 0; i < p.data.length; i++) data[off + i] = p.data[i] / 127.5 - 1;
    off += p.data.length;
  }
  return { data, count: total, frames: first.frames, height: first.height, width: first.width };
}

/** Load and validate a dataset directory. Every problem with the input is a UsageError. */
export function loadDataset(dir: string): Dataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir}: not a directory`);
  const clipsPath = join(dir, 'clips.json');
  if (!existsSync(clipsPath)) throw new UsageError(`missing ${clipsPath} (one entry per clip with at least 'scenario')`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(clipsPath, 'utf8'));
  } catch (err) {
    throw new UsageError(`${clipsPath}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(Array.isArray(raw) ? { clips: raw } : raw);
  if (!parsed.success) throw new UsageError(`${clipsPath}: ${zodMessage(parsed.error)}`);
  const manifest = parsed.data;
  const shards = manifest.shards ?? [{ file: 'videos.npy', clips: -1 }];
  const parts: VideoBatch[] = [];
  for (const sh of shards) {
    if (sh.file.includes('/') || sh.file.includes('\\') || sh.file.startsWith('..')) throw new UsageError(`${clipsPath}: bad shard file name '${sh.file}'`);
    const batch = readVideos(join(dir, sh.file));
    if (sh.clips >= 0 && batch.count !== sh.clips) throw new UsageError(`${join(dir, sh.file)}: holds ${batch.count} clips, clips.json says ${sh.clips}`);
    parts.push(batch);
  }
  const videos = concatBatches(parts, dir);
  if (videos.count !== manifest.clips.length) {
    throw new UsageError(`${clipsPath}: ${manifest.clips.length} entries, but the videos hold ${videos.count} clips`);
  }
  let world: WorldConfig;
  try {
    world = makeWorld({
      width: videos.width,
      height: videos.height,
      frames: videos.frames,
      radiusRange: manifest.world?.radiusRange,
      background: manifest.world?.background,
    });
  } catch (err) {
    throw new UsageError(`${clipsPath}: ${(err as Error).message}`);
  }
  if (manifest.world && (manifest.world.width !== videos.width || manifest.world.height !== videos.height || manifest.world.frames !== videos.frames)) {
    throw new UsageError(
      `${clipsPath}: world ${manifest.world.width}x${manifest.world.height}x${manifest.world.frames} (WxHxF) does not match the videos (${videos.width}x${videos.height}x${videos.frames})`,
    );
  }
  const clips = manifest.clips.map((e, i) => parseClipEntry(e, world, `${clipsPath}: clip ${i}`));
  return { world, clips, videos };
}

// ---------- export ----------

export interface ExportOptions {
  clips: number;
  seed: number;
  world?: WorldConfig;
  /** Scenario names to cycle through (default: all, round-robin). */
  scenarios?: readonly string[];
  dtype?: 'uint8' | 'float32';
  /** Clips per .npy shard (default 4096). Datasets up to this size are a single videos.npy. */
  shardSize?: number;
  /** Record givenFrames in every entry (true clips standing in for a perfect conditioned generator). */
  givenFrames?: number;
}

export interface ExportResult {
  clips: number;
  shards: string[];
  seconds: number;
}

/** The scenario and seed of clip i of an export: round-robin over scenarios, seed hashed from (seed, i). */
export function exportClipPlan(i: number, seed: number, scenarios: readonly string[]): { scenario: string; seed: number } {
  return { scenario: scenarios[i % scenarios.length], seed: hashSeed(seed, i) };
}

/** Simulate and render clips [start, start + count) of an export plan into memory (no files). */
export function generateTrueClips(
  count: number,
  seed: number,
  world: WorldConfig,
  scenarios: readonly string[] = SCENARIOS.map((s) => s.name),
  start = 0,
): { videos: VideoBatch & { data: Uint8Array }; truths: ClipTruth[] } {
  const per = 3 * world.frames * world.height * world.width;
  const data = new Uint8Array(count * per);
  const truths: ClipTruth[] = [];
  for (let k = 0; k < count; k++) {
    const plan = exportClipPlan(start + k, seed, scenarios);
    const truth = simulateClip(plan.scenario, plan.seed, world);
    renderClip(truth, data, k * per);
    truths.push(truth);
  }
  return { videos: { data, count, frames: world.frames, height: world.height, width: world.width }, truths };
}

export function exportDataset(dir: string, opts: ExportOptions): ExportResult {
  const t0 = performance.now();
  const world = opts.world ?? makeWorld();
  if (!Number.isInteger(opts.clips) || opts.clips < 1) throw new UsageError(`--clips must be a positive integer, got ${opts.clips}`);
  if (!Number.isSafeInteger(opts.seed)) throw new UsageError(`--seed must be an integer, got ${opts.seed}`);
  const names = opts.scenarios ?? SCENARIOS.map((s) => s.name);
  if (names.length === 0) throw new UsageError('no scenarios selected');
  for (const n of names) getScenario(n);
  const shardSize = opts.shardSize ?? 4096;
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new UsageError(`shard size must be a positive integer, got ${shardSize}`);
  if (opts.givenFrames !== undefined && (!Number.isInteger(opts.givenFrames) || opts.givenFrames < 0 || opts.givenFrames > world.frames)) {
    throw new UsageError(`givenFrames must be an integer in [0, ${world.frames}]`);
  }
  const dtype = opts.dtype ?? 'uint8';
  const nShards = Math.ceil(opts.clips / shardSize);
  const entries: ClipEntryJson[] = [];
  const shards: { file: string; clips: number }[] = [];
  const per = 3 * world.frames * world.height * world.width;
  // One buffer reused across shards; rendered straight into the .npy body (no copies).
  const maxCount = Math.min(shardSize, opts.clips);
  const maxHeader = npyHeader([maxCount, 3, world.frames, world.height, world.width], dtype).length + 64;
  const bytesPer = dtype === 'uint8' ? 1 : 4;
  const fileBuf = new ArrayBuffer(maxHeader + maxCount * per * bytesPer);
  const pixels = dtype === 'uint8' ? null : new Uint8Array(maxCount * per);
  for (let s = 0; s < nShards; s++) {
    const start = s * shardSize;
    const count = Math.min(shardSize, opts.clips - start);
    const header = npyHeader([count, 3, world.frames, world.height, world.width], dtype);
    const out = new Uint8Array(fileBuf, 0, header.length + count * per * bytesPer);
    out.set(header, 0);
    const target = pixels ?? new Uint8Array(fileBuf, header.length, count * per);
    for (let k = 0; k < count; k++) {
      const plan = exportClipPlan(start + k, opts.seed, names);
      const truth = simulateClip(plan.scenario, plan.seed, world);
      renderClip(truth, target, k * per);
      entries.push(clipEntry(truth, { givenFrames: opts.givenFrames }));
    }
    if (pixels !== null) {
      const f = new Float32Array(fileBuf, header.length, count * per);
      for (let i = 0; i < f.length; i++) f[i] = pixels[i] / 127.5 - 1;
    }
    const file = nShards === 1 ? 'videos.npy' : `videos-${String(s).padStart(5, '0')}.npy`;
    writeFileAtomic(join(dir, file), out);
    shards.push({ file, clips: count });
  }
  const manifest: ClipsJson = {
    format: DATASET_FORMAT,
    world: { width: world.width, height: world.height, frames: world.frames, radiusRange: [world.radiusRange[0], world.radiusRange[1]], background: [...world.background] },
    count: opts.clips,
    shards,
    clips: entries,
  };
  // clips.json last: its presence means the dataset is complete.
  writeFileAtomic(join(dir, 'clips.json'), JSON.stringify(manifest));
  return { clips: opts.clips, shards: shards.map((s) => s.file), seconds: (performance.now() - t0) / 1000 };
}

/** Write an in-memory dataset (e.g. generated videos) in the same format. */
export function writeDataset(dir: string, videos: VideoBatch, entries: ClipEntryJson[], world?: WorldConfig): void {
  if (entries.length !== videos.count) throw new UsageError(`${entries.length} entries for ${videos.count} videos`);
  const shape = [videos.count, 3, videos.frames, videos.height, videos.width];
  writeFileAtomic(join(dir, 'videos.npy'), encodeNpy(videos.data, shape, videos.data instanceof Uint8Array ? 'uint8' : 'float32'));
  const w = world ?? makeWorld({ width: videos.width, height: videos.height, frames: videos.frames });
  const manifest: ClipsJson = {
    format: DATASET_FORMAT,
    world: { width: w.width, height: w.height, frames: w.frames, radiusRange: [w.radiusRange[0], w.radiusRange[1]], background: [...w.background] },
    count: videos.count,
    shards: [{ file: 'videos.npy', clips: videos.count }],
    clips: entries,
  };
  writeFileAtomic(join(dir, 'clips.json'), JSON.stringify(manifest));
}
