// Text/image-to-video generation with the shipped model: noise → sampler → latent → pixels.
import { NormalRng } from '../core/rng.js';
import type { StepObserver, StepReport } from '../core/sample.js';
import { numel } from '../core/tensor.js';
import { UsageError } from '../errors.js';
import type { Condition } from '../core/model.js';
import type { CardModel } from '../models/card-model.js';
import type { SamplerConfig } from './config.js';
import { runSampler } from './run.js';

export interface GivenFrames {
  /** Pixels in [−1, 1], layout [3, N, H, W]: the first N frames of the video. */
  readonly pixels: Float32Array;
  readonly frames: number;
}

export interface GenerateOptions {
  readonly scenario: string;
  readonly config: SamplerConfig;
  readonly seed: number;
  readonly given?: GivenFrames;
  readonly observer?: StepObserver;
  /** Keep, for every refined step, the uncertainty mask and the decoded x̂0 (for mask pictures). */
  readonly recordMasks?: boolean;
  readonly signal?: AbortSignal;
}

export interface MaskRecord {
  readonly step: number;
  readonly sigma: number;
  readonly uncertainFraction: number;
  /** [F, h, w], 1 = certain. */
  readonly certain: Uint8Array;
  /** Decoded x̂0 of that step, pixels in [−1, 1], [3, F, H, W]. */
  readonly x0Pixels: Float32Array;
}

export interface GeneratedVideo {
  /** Pixels in [−1, 1] (clamped), layout [3, F, H, W]. */
  readonly pixels: Float32Array;
  readonly latent: Float32Array;
  readonly nfe: number;
  readonly nfeSaved: number;
  readonly masks: readonly MaskRecord[];
}

/** The clean latent of the given frames (zeros after them) as the model's condition. */
export function givenCondition(model: CardModel, given: GivenFrames | undefined): Condition['given'] {
  if (given === undefined || given.frames === 0) return undefined;
  const { frames: F, height: H, width: W } = model;
  if (given.frames >= F) throw new UsageError(`${given.frames} given frames leave nothing to generate (the model makes ${F})`);
  const px = H * W;
  if (given.pixels.length !== 3 * given.frames * px) {
    throw new UsageError(`given frames hold ${given.pixels.length} values; ${given.frames} frames of ${W}×${H} RGB need ${3 * given.frames * px}`);
  }
  const full = new Float32Array(3 * F * px);
  for (let c = 0; c < 3; c++) full.set(given.pixels.subarray(c * given.frames * px, (c + 1) * given.frames * px), c * F * px);
  return { latent: model.vae.encode(full, F, H, W), frames: given.frames };
}

export async function generateVideo(model: CardModel, options: GenerateOptions): Promise<GeneratedVideo> {
  const shape = model.network.shape;
  const [, F, h, w] = shape;
  const rng = new NormalRng(options.seed);
  const init = new Float32Array(numel(shape));
  rng.fill(init);
  const condition: Condition = { label: options.scenario, given: givenCondition(model, options.given) };
  model.network.scenarioId(options.scenario);
  const masks: MaskRecord[] = [];
  const observer: StepObserver = async (r: StepReport) => {
    if (options.recordMasks === true && r.certain !== null) {
      masks.push({
        step: r.step,
        sigma: r.sigma,
        uncertainFraction: r.uncertainFraction ?? 0,
        certain: Uint8Array.from(r.certain),
        x0Pixels: model.vae.decode(r.x0, F, h, w),
      });
    }
    await options.observer?.(r);
  };
  const result = await runSampler(options.config, { model: model.network, condition, initialNoise: init, noise: rng, observer, signal: options.signal });
  const pixels = model.vae.decode(result.x, F, h, w);
  for (let i = 0; i < pixels.length; i++) pixels[i] = pixels[i] < -1 ? -1 : pixels[i] > 1 ? 1 : pixels[i];
  return { pixels, latent: result.x, nfe: result.nfe, nfeSaved: result.nfeSaved, masks };
}
