// Per-clip judgements of the benchmark:
// - the clip score (the oracle verifier of best-of-N, and the paired win/loss against the default);
// - the per-frame verifier: appearance checks of every frame on its own, blind to motion.
import type { ClipMetrics } from '../eval/clip.js';
import { LAW_RESIDUAL_FLOOR_PX } from '../eval/floor.js';
import { isPresent, type Track } from '../eval/track.js';
import { physics, type WorldConfig } from '../world/config.js';
import { getScenario } from '../world/scenarios.js';

/**
 * The per-clip score, lexicographic (first difference decides):
 *  1. physically plausible: valid and no physics violation;
 *  2. valid (the right balls, whole, in every frame);
 *  3. scenario match (colours, gravity, promised contact);
 *  4. image-to-video only: trajectory error against the true continuation (lower is better);
 *  5. law residual (lower is better).
 * For the paired win rate, 4 and 5 only count when the difference is clear: more than
 * TRAJECTORY_MARGIN_PX, resp. one ground-truth floor (LAW_RESIDUAL_FLOOR_PX); otherwise a tie.
 */
export const TRAJECTORY_MARGIN_PX = 0.25;
export const RESIDUAL_MARGIN_PX = LAW_RESIDUAL_FLOOR_PX;

export const WIN_SCORE_DESCRIPTION =
  'per seed and condition, the method\'s clip against the default\'s, lexicographic: (1) valid and no physics violation, ' +
  '(2) valid, (3) scenario match, (4) image-to-video: trajectory error lower by > 0.25 px, (5) law residual lower by > 1 floor (0.0107 px); ' +
  'otherwise a tie. Win rate = (wins + ½ ties) / pairs.';

type Keyed = Pick<ClipMetrics, 'valid' | 'violation' | 'scenarioMatch' | 'trajectoryErrorPx' | 'lawResidualPx'>;

const worse = (v: number): number => (Number.isFinite(v) ? v : Number.POSITIVE_INFINITY);

/** +1 when a is clearly better than b, −1 when clearly worse, 0 for a tie. */
export function compareClips(a: Keyed, b: Keyed, imageToVideo: boolean): -1 | 0 | 1 {
  const flags: [boolean, boolean][] = [
    [a.valid && !a.violation, b.valid && !b.violation],
    [a.valid, b.valid],
    [a.scenarioMatch, b.scenarioMatch],
  ];
  for (const [x, y] of flags) if (x !== y) return x ? 1 : -1;
  const conts: [number, number, number][] = [];
  if (imageToVideo) conts.push([worse(a.trajectoryErrorPx), worse(b.trajectoryErrorPx), TRAJECTORY_MARGIN_PX]);
  conts.push([worse(a.lawResidualPx), worse(b.lawResidualPx), RESIDUAL_MARGIN_PX]);
  for (const [x, y, margin] of conts) {
    if (x === y) continue;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return Number.isFinite(x) ? 1 : -1;
    if (Math.abs(x - y) > margin) return x < y ? 1 : -1;
  }
  return 0;
}

/**
 * The oracle verifier as a scalar for bestOfN: the same lexicographic order without margins
 * (flags weigh 8, 4, 2; the continuous terms lie in [0, 1.001], below the smallest flag).
 */
export function oracleScore(m: Keyed, imageToVideo: boolean): number {
  const b = (v: boolean): number => (v ? 1 : 0);
  const residual = 1 / (1 + worse(m.lawResidualPx) / LAW_RESIDUAL_FLOOR_PX);
  const cont = imageToVideo ? 1 / (1 + worse(m.trajectoryErrorPx)) + 1e-3 * residual : residual;
  return 8 * b(m.valid && !m.violation) + 4 * b(m.valid) + 2 * b(m.scenarioMatch) + cont;
}

/** Background colour within this distance (RGB units) of the world's counts as right. */
export const FRAME_BG_TOLERANCE = 8;
/** Radius tolerance of the per-frame verifier, relative to the world's radius range. */
export const FRAME_RADIUS_TOLERANCE = 0.25;
/** Mean ball colour within this distance (RGB units) of its palette colour counts as right. */
export const FRAME_COLOUR_TOLERANCE = 40;

/**
 * The per-frame verifier: each frame judged on its own (what a per-frame image verifier such as a
 * CLIP/aesthetic score can see), never comparing frames. Per frame, one check per expected ball —
 * present, one component, radius within the world's range (±25 %), no stray pixels, mean colour near its
 * palette colour — plus: no unexpected colours, no foreign pixels, background near the world's colour.
 * Score = fraction of passed checks over all frames, in [0, 1]. It says nothing about motion.
 */
export function perFrameScore(track: Track, scenario: string, world: WorldConfig, palette: readonly (readonly number[])[]): number {
  const sc = getScenario(scenario);
  const expected = new Set(sc.colours);
  const ph = physics(world);
  const rLo = ph.rMin * (1 - FRAME_RADIUS_TOLERANCE);
  const rHi = ph.rMax * (1 + FRAME_RADIUS_TOLERANCE);
  const K = track.colours;
  let passed = 0;
  let checks = 0;
  for (let t = 0; t < track.frames; t++) {
    for (let k = 0; k < K; k++) {
      const i = t * K + k;
      if (expected.has(k)) {
        checks += 5;
        if (!isPresent(track, t, k)) continue;
        passed++;
        if (track.components[i] === 1) passed++;
        const r = track.radius[i];
        if (r >= rLo && r <= rHi) passed++;
        if (track.strayPixels[i] === 0) passed++;
        const c = palette[k];
        const d = Math.hypot(track.meanRgb[i * 3] - c[0], track.meanRgb[i * 3 + 1] - c[1], track.meanRgb[i * 3 + 2] - c[2]);
        if (d <= FRAME_COLOUR_TOLERANCE) passed++;
      } else {
        checks++;
        if (!isPresent(track, t, k)) passed++;
      }
    }
    checks += 2;
    if (track.foreignPixels[t] === 0) passed++;
    const bg = world.background;
    const d = Math.hypot(track.background[t * 3] - bg[0], track.background[t * 3 + 1] - bg[1], track.background[t * 3 + 2] - bg[2]);
    if (d <= FRAME_BG_TOLERANCE) passed++;
  }
  return checks > 0 ? passed / checks : 0;
}

/** Mean background colour over the frames (RGB 0–255), for the drift against the default sampler. */
export function meanBackground(track: Track): [number, number, number] {
  const s = [0, 0, 0];
  for (let t = 0; t < track.frames; t++) for (let c = 0; c < 3; c++) s[c] += track.background[t * 3 + c];
  return [s[0] / track.frames, s[1] / track.frames, s[2] / track.frames];
}
