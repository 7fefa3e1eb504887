// Sampling a model folder's transformer(s): text states in, the final latent (the model's normalised latent space)
// out; then, for folders that have a VAE decoder, the latent to pixels.
import { UsageError } from '../errors.js';
import type { NoiseSource } from '../core/rng.js';
import type { StepObserver } from '../core/sample.js';
import type { Condition } from '../models/contract.js';
import type { FolderLayout, FolderModel } from '../models/folder/folder.js';
import type { GraphOptions } from '../models/onnx/graph.js';
import { VaeDecoder, type DecodedVideo } from '../models/wan/vae.js';
import type { SamplerConfig } from './config.js';
import { runSampler, type RunResult } from './run.js';

export interface FolderSampleInputs {
  readonly config: SamplerConfig;
  /** Text states of the prompt and of the negative prompt, each [textLength, textWidth], zero-padded. */
  readonly positive: Float32Array;
  readonly negative: Float32Array;
  /** The latent at σ_0, [C, F, H, W]. */
  readonly initialNoise: Float32Array;
  /** One latent per later draw (Perturb, Restart, FreeInit), in order. */
  readonly noise: NoiseSource;
  /** Conditioning frames kept fixed: the clean (normalised) latent [C, F, H, W] and how many leading frames it gives. */
  readonly given?: Condition['given'];
  readonly observer?: StepObserver;
  readonly signal?: AbortSignal;
}

export function sampleFolderModel(model: FolderModel, inputs: FolderSampleInputs): Promise<RunResult> {
  const given = inputs.given !== undefined ? { given: inputs.given } : {};
  const condition: Condition = { label: 'prompt', text: inputs.positive, ...given };
  const uncondition: Condition = { label: null, text: inputs.negative, ...given };
  return runSampler(inputs.config, {
    model: model.network,
    condition,
    uncondition,
    initialNoise: inputs.initialNoise,
    noise: inputs.noise,
    observer: inputs.observer,
    signal: inputs.signal,
  });
}

/** The preset a folder samples with when none is named: its selfrefine.json's, else its family's main one. */
export function folderPresetName(layout: FolderLayout): string {
  return layout.config.preset ?? (layout.config.family === 'cosmos' ? 'cosmos-predict2.5-2b' : 'wan2.1-t2v-1.3b');
}

/**
 * The clip of a final latent through the folder's VAE decoder, opened here and released after (at Wan's sizes it
 * should not share memory with the transformer, so release that first).
 */
export async function decodeFolderLatent(model: FolderModel, latent: Float32Array, graph: GraphOptions): Promise<DecodedVideo> {
  const decoderPath = model.layout.vaeDecoder;
  if (decoderPath === undefined) throw new UsageError(`--model ${model.layout.dir} has no vae_decoder/model.onnx to decode the clip with; give --out x.npy`);
  const decoder = await VaeDecoder.open(decoderPath, {
    ...(graph.device !== undefined ? { device: graph.device } : {}),
    ...(graph.threads !== undefined ? { threads: graph.threads } : {}),
    geometry: model.family.geometry,
    latentsMean: model.latentsMean,
    latentsStd: model.latentsStd,
  });
  try {
    return await decoder.decode(latent, model.shape);
  } finally {
    await decoder.dispose();
  }
}
