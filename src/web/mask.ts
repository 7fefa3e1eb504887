// The mask picture a finished web job serves: one row per refined step (x̂0 with the still-uncertain cells tinted),
// one column per frame, for either kind of model.
import { stepMaskPicture } from '../io/video.js';
import type { MaskRecord } from '../pipeline/generate.js';

/** `masks`' x0Pixels are [3, frames, height, width]; their masks [frames, maskHeight, maskWidth]. Null when empty. */
export function maskPng(masks: readonly MaskRecord[], frames: number, height: number, width: number, maskHeight: number, maskWidth: number, scale: number): Uint8Array | null {
  if (masks.length === 0) return null;
  return stepMaskPicture(masks, frames, height, width, maskHeight, maskWidth, scale);
}
