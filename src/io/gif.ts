/**
 * Animated GIF encoding of RGB uint8 videos (gifenc). General: any size and frame count, either
 * [F, H, W, 3] ("fhwc", interleaved) or [3, F, H, W] ("cfhw", channel planes, the dataset layout) input,
 * a single global palette (exact when the video has ≤ 256 colours, quantised otherwise), optional integer
 * nearest-neighbour upscaling for tiny frames.
 */
import gifenc from 'gifenc';
import { UsageError } from '../errors.js';

const { GIFEncoder, quantize, applyPalette } = gifenc;

export type FrameLayout = 'fhwc' | 'cfhw';

export interface GifOptions {
  width: number;
  height: number;
  /** Frames per second (default 8). GIF delays are in 10 ms units, so the rate is rounded accordingly. */
  fps?: number;
  /** Integer upscaling factor (default 1). */
  scale?: number;
  /** Input layout (default "fhwc"). */
  layout?: FrameLayout;
  /** Loop forever (default true). */
  loop?: boolean;
}

/** Convert float video values in [−1, 1] to uint8 (0–255), clamping. */
export function floatToUint8(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = (data[i] + 1) * 127.5;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return out;
}

export function encodeGif(frames: Uint8Array, opts: GifOptions): Uint8Array {
  const W = opts.width;
  const H = opts.height;
  const scale = opts.scale ?? 1;
  const fps = opts.fps ?? 8;
  const layout = opts.layout ?? 'fhwc';
  if (!Number.isInteger(W) || !Number.isInteger(H) || W < 1 || H < 1) throw new UsageError(`GIF size must be positive integers, got ${W}x${H}`);
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new UsageError(`GIF scale must be an integer in [1, 64], got ${scale}`);
  if (!(fps > 0 && fps <= 100)) throw new UsageError(`GIF fps must be in (0, 100], got ${fps}`);
  const px = W * H;
  if (frames.length === 0 || frames.length % (3 * px) !== 0) {
    throw new UsageError(`GIF input has ${frames.length} bytes, not a whole number of ${W}x${H} RGB frames`);
  }
  const F = frames.length / (3 * px);
  // Interleave to RGBA per frame.
  const rgba = new Uint8Array(F * px * 4);
  for (let f = 0; f < F; f++) {
    for (let i = 0; i < px; i++) {
      const o = (f * px + i) * 4;
      if (layout === 'fhwc') {
        const s = (f * px + i) * 3;
        rgba[o] = frames[s];
        rgba[o + 1] = frames[s + 1];
        rgba[o + 2] = frames[s + 2];
      } else {
        rgba[o] = frames[f * px + i];
        rgba[o + 1] = frames[(F + f) * px + i];
        rgba[o + 2] = frames[(2 * F + f) * px + i];
      }
      rgba[o + 3] = 255;
    }
  }
  const palette = globalPalette(rgba);
  const gif = GIFEncoder();
  const delay = Math.max(10, Math.round(100 / fps) * 10);
  const SW = W * scale;
  const SH = H * scale;
  const big = new Uint8Array(SW * SH);
  for (let f = 0; f < F; f++) {
    // A copy, not a view: gifenc's applyPalette reads the whole buffer under its argument (every frame, each time).
    const index = applyPalette(rgba.slice(f * px * 4, (f + 1) * px * 4), palette);
    let frameIndex = index;
    if (scale > 1) {
      for (let y = 0; y < SH; y++) {
        const row = ((y / scale) | 0) * W;
        for (let x = 0; x < SW; x++) big[y * SW + x] = index[row + ((x / scale) | 0)];
      }
      frameIndex = big;
    }
    gif.writeFrame(frameIndex, SW, SH, { palette: f === 0 ? palette : undefined, delay, repeat: opts.loop === false ? -1 : 0 });
  }
  gif.finish();
  return gif.bytes();
}

/** Exact palette when the video has at most 256 colours; otherwise gifenc's quantiser on (a subsample of) the pixels. */
function globalPalette(rgba: Uint8Array): number[][] {
  const seen = new Map<number, number>();
  const n = rgba.length / 4;
  for (let i = 0; i < n && seen.size <= 256; i++) {
    const key = (rgba[4 * i] << 16) | (rgba[4 * i + 1] << 8) | rgba[4 * i + 2];
    if (!seen.has(key)) seen.set(key, seen.size);
  }
  if (seen.size <= 256) {
    const pal = [...seen.keys()].map((k) => [(k >> 16) & 255, (k >> 8) & 255, k & 255]);
    while (pal.length < 2) pal.push([0, 0, 0]);
    return pal;
  }
  const maxSamples = 1 << 20;
  let sample = rgba;
  if (n > maxSamples) {
    const stride = Math.ceil(n / maxSamples);
    sample = new Uint8Array(Math.ceil(n / stride) * 4);
    for (let i = 0, j = 0; i < n; i += stride, j++) sample.set(rgba.subarray(4 * i, 4 * i + 4), 4 * j);
  }
  // The quantiser merges colour bins pairwise, at a cost that grows with the square of their number: with 5-6-5 bit
  // bins a noisy or photographic clip (tens of thousands of bins) takes tens of seconds for one palette (23 s for 52k
  // random pixels measured here), so beyond MAX_FINE_BINS the bins are 4 bits per channel (at most 4096; 0.4 s).
  return quantize(sample, 256, distinctBins565(sample, MAX_FINE_BINS) > MAX_FINE_BINS ? { format: 'rgb444' } : {});
}

/** Above this many distinct 5-6-5 bit colour bins, the palette is built from 4-4-4 bit bins. */
const MAX_FINE_BINS = 4096;

/** Distinct 5-6-5 bit colours among RGBA pixels, counted up to `limit` + 1. */
function distinctBins565(rgba: Uint8Array, limit: number): number {
  const seen = new Uint8Array(1 << 16);
  let count = 0;
  for (let i = 0; i < rgba.length && count <= limit; i += 4) {
    const key = ((rgba[i] >> 3) << 11) | ((rgba[i + 1] >> 2) << 5) | (rgba[i + 2] >> 3);
    if (seen[key] === 0) {
      seen[key] = 1;
      count++;
    }
  }
  return count;
}
