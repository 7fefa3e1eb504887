// Runs of the shipped model in the page, one at a time (the networks and the autoguide buffers are shared): the same
// sampler configuration, model and seed as `selfrefine generate`, so the latent equals that command's .latent.npy.
import type { StepReport } from '../core/sample.js';
import { floatToUint8 } from '../io/gif.js';
import { UsageError } from '../errors.js';
import { scenarioForPrompt, type CardModel } from '../models/card-model.js';
import { PHYSICS_DEFAULTS, type SamplerConfig } from '../pipeline/config.js';
import { generateVideo, type MaskRecord } from '../pipeline/generate.js';

export type RefineChoice = 'pnp' | 'none';

export interface RunRequest {
  /** A prompt of the model (or its scenario name). */
  readonly prompt: string;
  readonly seed: number;
  readonly refine: RefineChoice;
}

export interface RunOutput {
  /** The final latent [C, F, h, w], as `generate --out x.gif` writes it to x.latent.npy. */
  readonly latent: Float32Array;
  /** RGB bytes, layout [3, F, H, W] (channel planes, frame-major inside each), at the model's resolution. */
  readonly frames: Uint8Array;
  readonly nfe: number;
  /** Sampling time in milliseconds (the model calls and the sampler; not the loading). */
  readonly millis: number;
  /** Every refined step's uncertainty mask and x̂0 (P&P only). */
  readonly masks: readonly MaskRecord[];
}

/** `generate`'s configuration for a refinement choice: PHYSICS_DEFAULTS, or the same without refinement. */
export function configFor(refine: RefineChoice): SamplerConfig {
  return refine === 'pnp' ? PHYSICS_DEFAULTS : { ...PHYSICS_DEFAULTS, refine: { mode: 'none' } };
}

/** Check the automation hook's input; bad input names the field and what it accepts. */
export function runRequestFrom(value: unknown): RunRequest {
  const v = (value ?? {}) as Partial<Record<keyof RunRequest, unknown>>;
  if (typeof v.prompt !== 'string') throw new UsageError('generate: `prompt` must be one of the model\'s prompts (a string)');
  const seed = v.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`generate: \`seed\` must be an integer ≥ 0, got ${String(seed)}`);
  const refine = v.refine ?? 'pnp';
  if (refine !== 'pnp' && refine !== 'none') throw new UsageError(`generate: \`refine\` must be 'pnp' or 'none', got ${String(refine)}`);
  return { prompt: v.prompt, seed, refine };
}

export class PageSampler {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly model: CardModel) {}

  /** Queue a run; `observer` sees every step. */
  run(request: RunRequest, observer?: (r: StepReport) => void): Promise<RunOutput> {
    const next = this.queue.then(() => this.runNow(request, observer));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(request: RunRequest, observer?: (r: StepReport) => void): Promise<RunOutput> {
    const scenario = scenarioForPrompt(this.model.card, request.prompt);
    const t0 = performance.now();
    const video = await generateVideo(this.model, {
      scenario,
      config: configFor(request.refine),
      seed: request.seed,
      recordMasks: request.refine === 'pnp',
      observer: async (r) => {
        observer?.(r);
        // Let the page paint the preview between steps.
        await new Promise((resolve) => setTimeout(resolve, 0));
      },
    });
    const millis = performance.now() - t0;
    return { latent: video.latent, frames: floatToUint8(video.pixels), nfe: video.nfe, millis, masks: video.masks };
  }
}
