// A clip from a model folder from prompt text, the steps of `generate --model DIR --prompt` in order: the prompts
// through the folder's text encoder (then released), the transformer(s) for this clip size sampling from the seed's
// noise (then released), and the final latent through the VAE decoder: the pieces generate uses, for the web app.
import { NormalRng } from '../core/rng.js';
import type { StepObserver, StepReport } from '../core/sample.js';
import { numel, type LatentShape } from '../core/tensor.js';
import { loadFolderModel, readModelFolder } from '../models/folder/folder.js';
import { padTextStates } from '../models/folder/text-states.js';
import type { GraphOptions } from '../models/onnx/graph.js';
import { latentPreviewPixels, WAN21_LATENT_RGB } from '../models/wan/preview.js';
import type { DecodedVideo } from '../models/wan/vae.js';
import { decodeFolderLatent } from '../models/folder/decode.js';
import { defaultNegativePrompt, promptStates } from '../models/folder/prompts.js';
import type { SamplerConfig } from '../pipeline/config.js';
import { sampleFolderModel } from '../pipeline/folder.js';
import type { MaskRecord } from '../pipeline/generate.js';

export interface FolderClipRequest {
  readonly prompt: string;
  /** Default: the family's default negative prompt. */
  readonly negativePrompt?: string;
  readonly seed: number;
  readonly config: SamplerConfig;
  /** Pixel frames (4k + 1 for Wan's VAE) and size (multiples of 16). */
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  /** The preset whose model facts apply (experts' boundary); default the folder's. */
  readonly preset?: string;
}

export interface FolderClipOptions extends GraphOptions {
  /** Where encoded prompts are cached. */
  readonly cacheDir: string;
  readonly observer?: StepObserver;
  /** Keep, for every refined step, the mask and x̂0 through Wan's latent-to-RGB factors (latent resolution). */
  readonly recordMasks?: boolean;
  readonly signal?: AbortSignal;
}

export interface FolderClip {
  /** The final latent, normalised as the sampler sees it. */
  readonly latent: Float32Array;
  readonly shape: LatentShape;
  readonly video: DecodedVideo;
  readonly nfe: number;
  readonly nfeSaved: number;
  /** x0Pixels are [3, F, h, w] at latent resolution. Empty for latents without latent-to-RGB factors. */
  readonly masks: readonly MaskRecord[];
  readonly promptsEncoded: number;
  readonly promptsCached: number;
}

/** Whether x̂0 previews exist for this latent (Wan's latent-to-RGB factors are for its 16 channels). */
export function hasLatentPreview(shape: LatentShape): boolean {
  return shape[0] === WAN21_LATENT_RGB.weights.length;
}

export async function generateFolderClip(dir: string, request: FolderClipRequest, options: FolderClipOptions): Promise<FolderClip> {
  const layout = readModelFolder(dir);
  const family = layout.config.family ?? 'wan';
  const graph: GraphOptions = { ...(options.device !== undefined ? { device: options.device } : {}), ...(options.threads !== undefined ? { threads: options.threads } : {}) };
  const negative = { text: request.negativePrompt ?? defaultNegativePrompt(family), flag: 'negativePrompt' };
  const text = await promptStates(layout, family, { text: request.prompt, flag: 'prompt' }, negative, { ...graph, cacheDir: options.cacheDir });
  options.signal?.throwIfAborted();
  const schedule = request.config.guidance.cfgSchedule;
  const model = await loadFolderModel(dir, {
    ...graph,
    preset: request.preset,
    frames: request.frames,
    width: request.width,
    height: request.height,
    ...(schedule !== undefined ? { fallbackBoundary: schedule.boundary } : {}),
  });
  const masks: MaskRecord[] = [];
  let result;
  try {
    const [rows, width] = model.textShape;
    const positive = padTextStates(text.positive.data, text.positive.shape, rows, width, text.positive.source);
    const negativeStates = text.negative as NonNullable<typeof text.negative>;
    const rng = new NormalRng(request.seed);
    const initialNoise = new Float32Array(numel(model.shape));
    rng.fill(initialNoise);
    const record = options.recordMasks === true && hasLatentPreview(model.shape);
    result = await sampleFolderModel(model, {
      config: request.config,
      positive,
      negative: padTextStates(negativeStates.data, negativeStates.shape, rows, width, negativeStates.source),
      initialNoise,
      noise: rng,
      signal: options.signal,
      observer: async (r: StepReport) => {
        if (record && r.certain !== null) {
          const x0Pixels = latentPreviewPixels(r.x0, model.shape);
          masks.push({ step: r.step, sigma: r.sigma, uncertainFraction: r.uncertainFraction ?? 0, certain: Uint8Array.from(r.certain), x0Pixels });
        }
        await options.observer?.(r);
      },
    });
  } finally {
    await model.dispose();
  }
  options.signal?.throwIfAborted();
  const video = await decodeFolderLatent(model, result.x, graph);
  return { latent: result.x, shape: model.shape, video, nfe: result.nfe, nfeSaved: result.nfeSaved, masks, promptsEncoded: text.encoded, promptsCached: text.cached };
}
