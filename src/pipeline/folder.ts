// Sampling a model folder's transformer(s): text states in, the final latent (the model's normalised latent space)
// out. Decoding to pixels is a separate step (models/folder/decode.ts), for folders that have a VAE decoder.
import type { NoiseSource } from '../core/rng.js';
import type { StepObserver } from '../core/sample.js';
import type { Condition } from '../core/model.js';
import type { FolderLayout, FolderModel } from '../models/folder/folder.js';
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
