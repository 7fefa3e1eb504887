// What a model family knows about itself, apart from its weights (ComfyUI's model_sampling split): how a noise
// level σ becomes the network's timestep input, what the network predicts, the geometry of its latent and how that
// latent is normalised. Samplers work on lists of σ only; the model turns σ into its own timestep.
import { UsageError } from '../errors.js';
import type { LatentShape } from '../core/tensor.js';

export type FamilyName = 'wan' | 'cosmos';

/** A video VAE's compression: pixel frames 4(F − 1) + 1 ↔ latent frames F, pixels ↔ latent cells 8 × 8. */
export interface LatentGeometry {
  readonly channels: number;
  readonly temporalStride: number;
  readonly spatialStride: number;
  /** Pixel sizes must be multiples of this (the VAE's stride times the transformer's 2 × 2 patch). */
  readonly sizeMultiple: number;
}

export interface ModelFamily {
  readonly name: FamilyName;
  /** The network's timestep input at noise level σ. */
  timestep(sigma: number): number;
  /** What the network returns: the flow velocity v = ε − x0 for both families here. */
  readonly prediction: 'velocity';
  readonly geometry: LatentGeometry;
  /** Per-channel statistics of the VAE latent: the model works on (z − mean) / std, the decoder takes z. */
  readonly latentsMean: readonly number[];
  readonly latentsStd: readonly number[];
  /** Text-encoder states the transformer reads: rows (tokens, zero-padded) × width. */
  readonly textLength: number;
  /** Undefined where only the graph (or selfrefine.json) can say. */
  readonly textWidth?: number;
}

/** The Wan2.1 VAE (AutoencoderKLWan in diffusers): 16 channels, 4× in time, 8× in space. */
export const WAN_VAE_GEOMETRY: LatentGeometry = { channels: 16, temporalStride: 4, spatialStride: 8, sizeMultiple: 16 };

/** latents_mean / latents_std of diffusers' AutoencoderKLWan config (Wan2.1 VAE, also Wan2.2 A14B's and Cosmos-Predict2.5's). */
export const WAN_LATENTS_MEAN: readonly number[] = [
  -0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508, 0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921,
];
export const WAN_LATENTS_STD: readonly number[] = [
  2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743, 3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.916,
];

/** Wan's network timestep: FlowUniPC's int(σ·1000), fed as a float. */
export function wanTimestep(sigma: number): number {
  return Math.trunc(sigma * 1000);
}

export const WAN_FAMILY: ModelFamily = {
  name: 'wan',
  timestep: wanTimestep,
  prediction: 'velocity',
  geometry: WAN_VAE_GEOMETRY,
  latentsMean: WAN_LATENTS_MEAN,
  latentsStd: WAN_LATENTS_STD,
  textLength: 512,
  textWidth: 4096,
};

/**
 * Cosmos-Predict2.5 (diffusers' Cosmos2_5 pipelines): the network reads σ itself, on the Wan2.1 VAE's latent. Its
 * text states come from its own encoder: their width is the graph's declared one (or selfrefine.json's).
 */
export const COSMOS_FAMILY: ModelFamily = {
  name: 'cosmos',
  timestep: (sigma) => sigma,
  prediction: 'velocity',
  geometry: WAN_VAE_GEOMETRY,
  latentsMean: WAN_LATENTS_MEAN,
  latentsStd: WAN_LATENTS_STD,
  textLength: 512,
};

export const FAMILIES: Readonly<Record<FamilyName, ModelFamily>> = { wan: WAN_FAMILY, cosmos: COSMOS_FAMILY };

/** The valid frame count 4k+1 nearest to `frames` (the larger one on a tie). */
function nearestFrames(frames: number, stride: number): number {
  if (!(frames > 1)) return 1;
  const lower = stride * Math.floor((frames - 1) / stride) + 1;
  return frames - lower < lower + stride - frames ? lower : lower + stride;
}

/** The latent [C, F, H/8, W/8] of a clip of `frames` frames of width × height pixels; a clear error otherwise. */
export function latentShapeFor(geometry: LatentGeometry, frames: number, width: number, height: number): LatentShape {
  const { temporalStride: t, spatialStride: s, sizeMultiple: m, channels } = geometry;
  if (!Number.isInteger(frames) || frames < 1 || (frames - 1) % t !== 0) {
    const nearest = nearestFrames(frames, t);
    throw new UsageError(`--frames ${frames}: the VAE needs ${t}k+1 frames (1, ${t + 1}, ${2 * t + 1}, …); the nearest valid count is ${nearest}`);
  }
  const bad = [width, height].some((d) => !Number.isInteger(d) || d < m || d % m !== 0);
  if (bad) {
    const fix = (d: number): number => Math.max(m, m * Math.round(d / m));
    throw new UsageError(`--size ${width}x${height}: width and height must be multiples of ${m}; the nearest valid size is ${fix(width)}x${fix(height)}`);
  }
  return [channels, (frames - 1) / t + 1, height / s, width / s];
}

/** Pixel frames of a latent with `latentFrames` frames. */
export function pixelFrames(geometry: LatentGeometry, latentFrames: number): number {
  return geometry.temporalStride * (latentFrames - 1) + 1;
}

/** Values per channel of a [C, …] latent with per-channel `mean` and `std` (UsageError when they do not fit). */
function channelLength(latent: Float32Array, mean: readonly number[], std: readonly number[]): number {
  const C = mean.length;
  if (std.length !== C || latent.length % C !== 0) throw new UsageError(`a latent of ${latent.length} values does not split into ${C} channels`);
  return latent.length / C;
}

/** z = z_n · std + mean per channel, in place on a [C, …] latent: what the VAE decoder takes. */
export function denormaliseLatent(latent: Float32Array, mean: readonly number[], std: readonly number[]): Float32Array {
  const per = channelLength(latent, mean, std);
  for (let c = 0; c < mean.length; c++) {
    const m = mean[c];
    const s = std[c];
    for (let i = c * per; i < (c + 1) * per; i++) latent[i] = latent[i] * s + m;
  }
  return latent;
}

/** z_n = (z − mean) / std per channel, in place: what the VAE encoder's output becomes for the transformer. */
export function normaliseLatent(latent: Float32Array, mean: readonly number[], std: readonly number[]): Float32Array {
  const per = channelLength(latent, mean, std);
  for (let c = 0; c < mean.length; c++) {
    const m = mean[c];
    const inv = 1 / std[c];
    for (let i = c * per; i < (c + 1) * per; i++) latent[i] = (latent[i] - m) * inv;
  }
  return latent;
}

/** What a preset's model is: its family, its experts' boundary (network timestep) and its input channels. */
export interface ModelFacts {
  readonly family: FamilyName;
  /** Two experts: `transformer` runs while the model's timestep ≥ boundary, `transformer_2` below. */
  readonly expertBoundary?: number;
  /** Channels of the transformer's latent input: 16, or 36 for Wan2.2-I2V (latent, 4-channel mask, image latent). */
  readonly inputChannels: number;
}

/** Keyed by the sampler presets' names (src/pipeline/config.ts). */
export const MODEL_FACTS: Readonly<Record<string, ModelFacts>> = {
  'wan2.1-t2v-1.3b': { family: 'wan', inputChannels: 16 },
  'wan2.1-t2v-14b': { family: 'wan', inputChannels: 16 },
  'wan2.2-t2v-a14b': { family: 'wan', expertBoundary: 875, inputChannels: 16 },
  'wan2.2-i2v-a14b': { family: 'wan', expertBoundary: 900, inputChannels: 36 },
  'cosmos-predict2.5-2b': { family: 'cosmos', inputChannels: 16 },
};
