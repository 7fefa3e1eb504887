/** Per-clip metrics: track once, then validity, law residual, violation flag, scenario match, trajectory error, temporal analogues. */
import { PALETTE, physics, type WorldConfig } from '../world/config.js';
import { getScenario, type Scenario } from '../world/scenarios.js';
import type { ClipInfo } from '../world/dataset/schema.js';
import { Tracker, isPresent, type Track, type VideoView } from './track.js';
import { validity, type InvalidReason } from './metrics/validity.js';
import { fitLaw, type LawFit } from './metrics/law.js';
import { scenarioMatch } from './metrics/scenario.js';
import { trajectoryError } from './metrics/trajectory.js';
import { temporalMetrics, BG_DRIFT_LIMIT, type Temporal } from './metrics/temporal.js';
import { LAW_RESIDUAL_LIMIT_PX } from './floor.js';

/** Limits of the physics-violation flag (besides invalidity and the residual limit). */
export const GRAVITY_LAW_TOL = 0.15;
export const RESTITUTION_RANGE: readonly [number, number] = [0.5, 1.1];
export const PENETRATION_LIMIT_PX = 1.0;
export const JUMP_LIMIT_PX = 1.0;

export type ViolationReason = 'invalid' | 'residual' | 'gravity' | 'restitution' | 'penetration' | 'jump' | 'unexplained-contact';

/** Per-clip metrics; the temporal analogues (flicker, motion, consistency, background) come from Temporal. */
export interface ClipMetrics extends Temporal {
  scenario: string;
  valid: boolean;
  invalidReasons: InvalidReason[];
  violation: boolean;
  violationReasons: ViolationReason[];
  scenarioMatch: boolean;
  scenarioDetail: { colours: boolean; gravity: boolean; events: boolean };
  lawResidualPx: number;
  gFit: number;
  /** |g_fit − g_expected| / g (g: the world's gravity; g_expected = g or 0 by scenario). */
  gravityError: number;
  /** Mean restitution over judged wall bounces (NaN if none). */
  restitution: number;
  penetrationPx: number;
  jumpPx: number;
  unexplainedContacts: number;
  bounces: number;
  floorBounces: number;
  collisions: number;
  maxAreaDeviation: number;
  strayPixels: number;
  /** NaN when the entry has no true states. */
  trajectoryErrorPx: number;
  velocityErrorPx: number;
  /** bgDrift above BG_DRIFT_LIMIT. */
  bgDrifting: boolean;
}

/** Metrics plus what the set metrics need. */
export interface ClipEvaluation {
  metrics: ClipMetrics;
  /** Per ball present in ≥ half the frames: positions (px) at up to 16 evenly spaced frames, [x0, y0, x1, y1, …]. */
  features: Float64Array[];
}

export const FEATURE_TIMES = 16;

function trajectoryFeatures(track: Track, colours: readonly number[]): Float64Array[] {
  const F = track.frames;
  const K = track.colours;
  const T = Math.min(F, FEATURE_TIMES);
  const out: Float64Array[] = [];
  for (const k of colours) {
    const ts: number[] = [];
    for (let t = 0; t < F; t++) if (isPresent(track, t, k)) ts.push(t);
    if (2 * ts.length < F) continue;
    const f = new Float64Array(2 * T);
    for (let j = 0; j < T; j++) {
      const tt = T === 1 ? 0 : (j * (F - 1)) / (T - 1);
      // linear interpolation between present frames (nearest at the ends)
      let lo = ts[0];
      let hi = ts[ts.length - 1];
      for (const t of ts) {
        if (t <= tt) lo = t;
        if (t >= tt) {
          hi = t;
          break;
        }
      }
      if (tt < ts[0]) hi = lo = ts[0];
      if (tt > ts[ts.length - 1]) hi = lo = ts[ts.length - 1];
      const w = hi === lo ? 0 : (tt - lo) / (hi - lo);
      f[2 * j] = (1 - w) * track.cx[lo * K + k] + w * track.cx[hi * K + k];
      f[2 * j + 1] = (1 - w) * track.cy[lo * K + k] + w * track.cy[hi * K + k];
    }
    out.push(f);
  }
  return out;
}

function meanFinite(v: number[]): number {
  const f = v.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}

/** Evaluate a tracked clip. */
export function metricsFromTrack(track: Track, info: ClipInfo, world: WorldConfig): ClipEvaluation {
  const sc: Scenario = getScenario(info.scenario);
  const g = physics(world).g;
  const expected = sc.colours;
  const val = validity(track, expected);
  const law: LawFit = fitLaw(track, expected, { width: world.width, height: world.height });
  const match = scenarioMatch(track, sc, law, g);
  const temp = temporalMetrics(track, expected, PALETTE.map((c) => c.rgb), world.background);
  const judged = law.bounces.map((b) => b.restitution).filter(Number.isFinite);

  const reasons: ViolationReason[] = [];
  if (!val.valid) reasons.push('invalid');
  if (!(law.rmsPx <= LAW_RESIDUAL_LIMIT_PX)) reasons.push('residual');
  if (Number.isFinite(law.gFit) && Math.min(Math.abs(law.gFit), Math.abs(law.gFit - g)) > GRAVITY_LAW_TOL * g) reasons.push('gravity');
  if (judged.some((e) => e < RESTITUTION_RANGE[0] || e > RESTITUTION_RANGE[1])) reasons.push('restitution');
  if (law.penetrationPx > PENETRATION_LIMIT_PX) reasons.push('penetration');
  if (law.jumpPx > JUMP_LIMIT_PX) reasons.push('jump');
  if (law.unexplained > 0) reasons.push('unexplained-contact');

  let trajPx = NaN;
  let velPx = NaN;
  if (info.truth !== undefined) {
    const colours = info.truth.colours.length === info.truth.balls ? info.truth.colours : [...expected];
    const te = trajectoryError(track, info.truth.states, info.truth.balls, colours, info.givenFrames);
    trajPx = te.positionPx;
    velPx = te.velocityPx;
  }

  const metrics: ClipMetrics = {
    scenario: sc.name,
    valid: val.valid,
    invalidReasons: val.reasons,
    violation: reasons.length > 0,
    violationReasons: reasons,
    scenarioMatch: match.match,
    scenarioDetail: { colours: match.colours, gravity: match.gravity, events: match.events },
    lawResidualPx: law.rmsPx,
    gFit: law.gFit,
    gravityError: Math.abs(law.gFit - (sc.gravity ? g : 0)) / g,
    restitution: meanFinite(judged),
    penetrationPx: law.penetrationPx,
    jumpPx: law.jumpPx,
    unexplainedContacts: law.unexplained,
    bounces: law.bounces.length,
    floorBounces: law.bounces.filter((b) => b.wall === 'floor').length,
    collisions: law.collisions.length,
    maxAreaDeviation: val.maxAreaDeviation,
    strayPixels: val.strayPixels,
    trajectoryErrorPx: trajPx,
    velocityErrorPx: velPx,
    flicker: temp.flicker,
    flickerBg: temp.flickerBg,
    motionSmoothness: temp.motionSmoothness,
    dynamicDegree: temp.dynamicDegree,
    frozen: temp.frozen,
    meanSpeedPx: temp.meanSpeedPx,
    subjectConsistency: temp.subjectConsistency,
    backgroundConsistency: temp.backgroundConsistency,
    bgDrift: temp.bgDrift,
    bgDrifting: temp.bgDrift > BG_DRIFT_LIMIT,
    bgOffset: temp.bgOffset,
  };
  return { metrics, features: trajectoryFeatures(track, expected) };
}

/**
 * Metrics of one clip (a [3, F, H, W] view, uint8 or float32 in [−1, 1]). Pass a Tracker to reuse buffers across
 * clips of the same shape.
 */
export function clipMetrics(video: VideoView, info: ClipInfo, world: WorldConfig, tracker?: Tracker): ClipEvaluation {
  const tr = tracker ?? Tracker.forWorld(world);
  return metricsFromTrack(tr.track(video), info, world);
}
