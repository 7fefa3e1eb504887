/**
 * VBench-style temporal analogues computed from pixels and the track:
 * - flicker: (255 − mean|F_t − F_{t+1}|) / 255 averaged over t, on the full frame and on background pixels only;
 * - motion smoothness: odd frames predicted from their even neighbours by an object-shift oracle (each ball's soft
 *   mask at t−1 moved by half its tracked displacement from t−1 to t+1, composited on frame t's background), scored
 *   like flicker;
 * - dynamic degree: fraction of frame transitions in which some ball moves ≥ 0.1 px (frozen stretches lower it);
 * - subject consistency: per ball, similarity of mean colour and radius to frame 0 and to the previous frame;
 * - background consistency and drift: of the estimated background colour, relative to frame 0.
 */
import type { Rgb } from '../../world/config.js';
import { isPresent, type Track } from '../track.js';

export const MOVE_THRESHOLD_PX = 0.1;
export const BG_DRIFT_LIMIT = 8;

export interface Temporal {
  flicker: number;
  flickerBg: number;
  motionSmoothness: number;
  dynamicDegree: number;
  /** Two or more consecutive static transitions. */
  frozen: boolean;
  /** Mean tracked speed of the balls (px / frame). */
  meanSpeedPx: number;
  subjectConsistency: number;
  backgroundConsistency: number;
  /** Largest distance (RGB units, 0–255 scale) of the background colour from frame 0's. */
  bgDrift: number;
  /** Distance of frame 0's background from the world's background colour. */
  bgOffset: number;
}

const SQRT3_255 = 255 * Math.sqrt(3);

export function temporalMetrics(track: Track, expected: readonly number[], palette: readonly Rgb[], nominalBg: Rgb): Temporal {
  const { flicker, flickerBg } = flickerScores(track);
  const motionSmoothness = motionSmoothnessScore(track, expected, palette);
  const { dynamicDegree, frozen, meanSpeedPx } = motionDegree(track, expected);
  const subjectConsistency = subjectConsistencyScore(track, expected);
  const { backgroundConsistency, bgDrift, bgOffset } = backgroundScores(track, nominalBg);
  return {
    flicker,
    flickerBg,
    motionSmoothness,
    dynamicDegree,
    frozen,
    meanSpeedPx,
    subjectConsistency,
    backgroundConsistency,
    bgDrift,
    bgOffset,
  };
}

/** Flicker on the full frame, and on pixels that are background in both frames of a transition. */
function flickerScores(track: Track): Pick<Temporal, 'flicker' | 'flickerBg'> {
  const F = track.frames;
  const HW = track.height * track.width;
  const pix = track.pixels;
  let flickSum = 0;
  let bgFlickSum = 0;
  let bgFlickN = 0;
  for (let t = 0; t + 1 < F; t++) {
    const a = t * 3 * HW;
    const b = (t + 1) * 3 * HW;
    let s = 0;
    let sb = 0;
    let nb = 0;
    for (let i = 0; i < HW; i++) {
      const d = Math.abs(pix[a + i] - pix[b + i]) + Math.abs(pix[a + HW + i] - pix[b + HW + i]) + Math.abs(pix[a + 2 * HW + i] - pix[b + 2 * HW + i]);
      s += d;
      if (track.bgMask[t * HW + i] && track.bgMask[(t + 1) * HW + i]) {
        sb += d;
        nb++;
      }
    }
    flickSum += (255 - s / (3 * HW)) / 255;
    if (nb > 0) {
      bgFlickSum += (255 - sb / (3 * nb)) / 255;
      bgFlickN++;
    }
  }
  return { flicker: F > 1 ? flickSum / (F - 1) : 1, flickerBg: bgFlickN > 0 ? bgFlickSum / bgFlickN : NaN };
}

/** Motion smoothness: every odd frame against its object-shift prediction from the neighbouring even frames. */
function motionSmoothnessScore(track: Track, expected: readonly number[], palette: readonly Rgb[]): number {
  const F = track.frames;
  const HW = track.height * track.width;
  const pix = track.pixels;
  const pred = new Float32Array(3 * HW);
  let smoothSum = 0;
  let smoothN = 0;
  for (let t = 1; t + 1 < F; t += 2) {
    pred.fill(track.background[t * 3], 0, HW);
    pred.fill(track.background[t * 3 + 1], HW, 2 * HW);
    pred.fill(track.background[t * 3 + 2], 2 * HW, 3 * HW);
    for (const k of expected) {
      if (!isPresent(track, t - 1, k) || !isPresent(track, t + 1, k)) continue;
      addShiftedBall(track, t, k, palette[k], pred);
    }
    const base = t * 3 * HW;
    let s = 0;
    for (let i = 0; i < 3 * HW; i++) {
      let v = pred[i];
      v = v < 0 ? 0 : v > 255 ? 255 : v;
      s += Math.abs(v - pix[base + i]);
    }
    smoothSum += (255 - s / (3 * HW)) / 255;
    smoothN++;
  }
  return smoothN > 0 ? smoothSum / smoothN : NaN;
}

/**
 * The oracle's ball k at frame t: its soft mask at t−1 moved by half its tracked displacement from t−1 to t+1,
 * composited in colour c over frame t's background into `pred` ([3, H·W]).
 */
function addShiftedBall(track: Track, t: number, k: number, c: Rgb, pred: Float32Array): void {
  const K = track.colours;
  const H = track.height;
  const W = track.width;
  const HW = H * W;
  const p0 = (t - 1) * K + k;
  const p1 = (t + 1) * K + k;
  const dx = 0.5 * (track.cx[p1] - track.cx[p0]);
  const dy = 0.5 * (track.cy[p1] - track.cy[p0]);
  const ext = track.radius[p0] + 2;
  const x0 = Math.max(0, Math.floor(track.cx[p0] + dx - ext));
  const x1 = Math.min(W - 1, Math.ceil(track.cx[p0] + dx + ext));
  const y0 = Math.max(0, Math.floor(track.cy[p0] + dy - ext));
  const y1 = Math.min(H - 1, Math.ceil(track.cy[p0] + dy + ext));
  const aBase = p0 * HW;
  const cr = c[0] - track.background[t * 3];
  const cg = c[1] - track.background[t * 3 + 1];
  const cb = c[2] - track.background[t * 3 + 2];
  for (let y = y0; y <= y1; y++) {
    const sy = y - dy;
    const iy = Math.floor(sy);
    const fy = sy - iy;
    for (let x = x0; x <= x1; x++) {
      const sx = x - dx;
      const ix = Math.floor(sx);
      const fx = sx - ix;
      const a =
        (1 - fy) * ((1 - fx) * alphaAt(track.alpha, aBase, W, H, ix, iy) + fx * alphaAt(track.alpha, aBase, W, H, ix + 1, iy)) +
        fy * ((1 - fx) * alphaAt(track.alpha, aBase, W, H, ix, iy + 1) + fx * alphaAt(track.alpha, aBase, W, H, ix + 1, iy + 1));
      if (a === 0) continue;
      const i = y * W + x;
      pred[i] += a * cr;
      pred[HW + i] += a * cg;
      pred[2 * HW + i] += a * cb;
    }
  }
}

/** Dynamic degree, frozen stretches and mean speed from the tracked displacements (frame difference where none). */
function motionDegree(track: Track, expected: readonly number[]): Pick<Temporal, 'dynamicDegree' | 'frozen' | 'meanSpeedPx'> {
  const F = track.frames;
  const K = track.colours;
  let moving = 0;
  let speedSum = 0;
  let speedN = 0;
  let run = 0;
  let frozen = false;
  for (let t = 0; t + 1 < F; t++) {
    let maxMove = -1;
    for (const k of expected) {
      if (!isPresent(track, t, k) || !isPresent(track, t + 1, k)) continue;
      const d = Math.hypot(track.cx[(t + 1) * K + k] - track.cx[t * K + k], track.cy[(t + 1) * K + k] - track.cy[t * K + k]);
      maxMove = Math.max(maxMove, d);
      speedSum += d;
      speedN++;
    }
    // no ball tracked across this transition: fall back to the frame difference
    if (maxMove < 0) maxMove = meanFrameDifference(track, t) > 0.5 ? MOVE_THRESHOLD_PX : 0;
    if (maxMove >= MOVE_THRESHOLD_PX) {
      moving++;
      run = 0;
    } else if (++run >= 2) frozen = true;
  }
  return { dynamicDegree: F > 1 ? moving / (F - 1) : 0, frozen, meanSpeedPx: speedN > 0 ? speedSum / speedN : 0 };
}

/** Mean absolute difference (0–255) between frames t and t + 1 over all pixels and channels. */
function meanFrameDifference(track: Track, t: number): number {
  const n = 3 * track.height * track.width;
  const pix = track.pixels;
  const a = t * n;
  const b = (t + 1) * n;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(pix[a + i] - pix[b + i]);
  return s / n;
}

/** Similarity of a ball's mean colour and radius between two (frame, colour) cells; 0 when either is absent. */
function subjectSimilarity(track: Track, fa: number, fb: number): number {
  if (!Number.isFinite(track.area[fa]) || !Number.isFinite(track.area[fb])) return 0;
  const dc = Math.hypot(
    track.meanRgb[fa * 3] - track.meanRgb[fb * 3],
    track.meanRgb[fa * 3 + 1] - track.meanRgb[fb * 3 + 1],
    track.meanRgb[fa * 3 + 2] - track.meanRgb[fb * 3 + 2],
  );
  const dr = Math.abs(track.radius[fa] - track.radius[fb]) / Math.max(track.radius[fb], 1e-6);
  return Math.max(0, 1 - dc / SQRT3_255 - dr);
}

/** Subject consistency: per ball and frame, the mean similarity to frame 0 and to the previous frame. */
function subjectConsistencyScore(track: Track, expected: readonly number[]): number {
  const F = track.frames;
  const K = track.colours;
  let subjSum = 0;
  let subjN = 0;
  for (const k of expected) {
    for (let t = 1; t < F; t++) {
      subjSum += 0.5 * (subjectSimilarity(track, t * K + k, k) + subjectSimilarity(track, t * K + k, (t - 1) * K + k));
      subjN++;
    }
  }
  return subjN > 0 ? subjSum / subjN : NaN;
}

/** Background consistency and drift relative to frame 0, and frame 0's offset from the nominal background. */
function backgroundScores(track: Track, nominalBg: Rgb): Pick<Temporal, 'backgroundConsistency' | 'bgDrift' | 'bgOffset'> {
  const F = track.frames;
  const bgs = track.background;
  let bgSum = 0;
  let drift = 0;
  const bg0 = [bgs[0], bgs[1], bgs[2]];
  for (let t = 1; t < F; t++) {
    const d0 = Math.hypot(bgs[t * 3] - bg0[0], bgs[t * 3 + 1] - bg0[1], bgs[t * 3 + 2] - bg0[2]);
    const dp = Math.hypot(bgs[t * 3] - bgs[(t - 1) * 3], bgs[t * 3 + 1] - bgs[(t - 1) * 3 + 1], bgs[t * 3 + 2] - bgs[(t - 1) * 3 + 2]);
    bgSum += 1 - 0.5 * (d0 + dp) / SQRT3_255;
    drift = Math.max(drift, d0);
  }
  return {
    backgroundConsistency: F > 1 ? bgSum / (F - 1) : 1,
    bgDrift: drift,
    bgOffset: Math.hypot(bg0[0] - nominalBg[0], bg0[1] - nominalBg[1], bg0[2] - nominalBg[2]),
  };
}

function alphaAt(alpha: Float32Array, base: number, W: number, H: number, x: number, y: number): number {
  if (x < 0 || y < 0 || x >= W || y >= H) return 0;
  return alpha[base + y * W + x];
}
