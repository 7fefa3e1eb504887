/**
 * Trajectory error against the true states. Frames t ≥ givenFrames are compared (all frames when nothing was
 * given). Position error: mean over balls and frames of |tracked centroid − true centre| (px); velocity error:
 * mean over transitions t−1 → t (t ≥ max(givenFrames, 1)) of |Δtracked − Δtrue| (px / frame). Each term is capped
 * at half the frame size, and a ball missing from a frame counts as the cap.
 */
import { isPresent, type Track } from '../track.js';

export interface TrajectoryError {
  positionPx: number;
  velocityPx: number;
  /** Frames compared. */
  frames: number;
}

export function trajectoryError(
  track: Track,
  states: Float64Array,
  balls: number,
  colours: readonly number[],
  givenFrames: number,
): TrajectoryError {
  const F = track.frames;
  const K = track.colours;
  const cap = 0.5 * Math.max(track.width, track.height);
  let pSum = 0;
  let pN = 0;
  let vSum = 0;
  let vN = 0;
  for (let t = givenFrames; t < F; t++) {
    for (let b = 0; b < balls; b++) {
      const k = colours[b];
      const o = (t * balls + b) * 4;
      const here = isPresent(track, t, k);
      pSum += here ? Math.min(cap, Math.hypot(track.cx[t * K + k] - states[o], track.cy[t * K + k] - states[o + 1])) : cap;
      pN++;
      if (t === 0) continue;
      const op = ((t - 1) * balls + b) * 4;
      if (here && isPresent(track, t - 1, k)) {
        const dx = track.cx[t * K + k] - track.cx[(t - 1) * K + k] - (states[o] - states[op]);
        const dy = track.cy[t * K + k] - track.cy[(t - 1) * K + k] - (states[o + 1] - states[op + 1]);
        vSum += Math.min(cap, Math.hypot(dx, dy));
      } else vSum += cap;
      vN++;
    }
  }
  return { positionPx: pN ? pSum / pN : NaN, velocityPx: vN ? vSum / vN : NaN, frames: Math.max(0, F - givenFrames) };
}
