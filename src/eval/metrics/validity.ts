/**
 * Validity of a clip from its track: every expected ball present in every frame, exactly one component per
 * expected colour, area within ±25% of frame 0, no stray pixels (outside the main components, or of colours the
 * scenario does not have), no pixels that no single palette colour explains.
 */
import { isPresent, type Track } from '../track.js';

export const AREA_TOLERANCE = 0.25;

export type InvalidReason = 'missing' | 'split' | 'area' | 'stray' | 'foreign';

export interface Validity {
  valid: boolean;
  reasons: InvalidReason[];
  /** Frames × balls where an expected ball is absent. */
  missing: number;
  /** Frames × balls with more than one component. */
  split: number;
  /** Largest |area_t / area_0 − 1| over expected balls and frames where present. */
  maxAreaDeviation: number;
  /** Stray core or faint pixels of expected colours plus all core pixels of unexpected colours, summed over frames. */
  strayPixels: number;
  foreignPixels: number;
}

export function validity(track: Track, expected: readonly number[]): Validity {
  const K = track.colours;
  let missing = 0;
  let split = 0;
  let maxDev = 0;
  let stray = 0;
  let foreign = 0;
  for (let t = 0; t < track.frames; t++) foreign += track.foreignPixels[t];
  for (let k = 0; k < K; k++) {
    const isExpected = expected.includes(k);
    const a0 = track.area[k];
    for (let t = 0; t < track.frames; t++) {
      const fk = t * K + k;
      if (!isExpected) {
        stray += track.strayPixels[fk] + (isPresent(track, t, k) ? track.mainPixels[fk] : 0);
        continue;
      }
      stray += track.strayPixels[fk];
      if (!isPresent(track, t, k)) {
        missing++;
        continue;
      }
      if (track.components[fk] > 1) split++;
      if (Number.isFinite(a0) && a0 > 0) maxDev = Math.max(maxDev, Math.abs(track.area[fk] / a0 - 1));
    }
  }
  const reasons: InvalidReason[] = [];
  if (missing > 0) reasons.push('missing');
  if (split > 0) reasons.push('split');
  if (maxDev > AREA_TOLERANCE) reasons.push('area');
  if (stray > 0) reasons.push('stray');
  if (foreign > 0) reasons.push('foreign');
  return { valid: reasons.length === 0, reasons, missing, split, maxAreaDeviation: maxDev, strayPixels: stray, foreignPixels: foreign };
}
