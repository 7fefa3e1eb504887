// What the web server needs from a model, whichever kind it serves: the physics model's card (card.ts) or a model
// folder (folder.ts). The server, the job queue and the routes see only this.
import type { LatentShape } from '../core/tensor.js';
import type { SamplerConfig } from '../pipeline/config.js';
import type { WorkLimits } from './limits.js';

interface JobRequestBase {
  readonly prompt: string;
  readonly seed: number;
  readonly config: SamplerConfig;
}

/** A job of the physics model: a scenario of its card. */
export interface CardJobRequest extends JobRequestBase {
  readonly kind?: 'card';
  readonly scenario: string;
}

/** A job of a model folder: free text, and the clip's size. */
export interface FolderJobRequest extends JobRequestBase {
  readonly kind: 'folder';
  readonly negativePrompt?: string;
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  /** The sampler's latent for that size, [C, F, h, w]. */
  readonly shape: LatentShape;
}

export type JobRequest = CardJobRequest | FolderJobRequest;

export interface JobResult {
  readonly gif: Uint8Array;
  /** The uncertainty mask at each refined step over the frames; null when nothing was refined. */
  readonly maskPng: Uint8Array | null;
  /** The final latent (null when the job ran elsewhere and only its pictures came back). */
  readonly latent: { readonly data: Float32Array; readonly shape: readonly number[] } | null;
  readonly nfe: number;
  readonly nfeSaved: number;
  readonly seconds: number;
}

/** A step of a running job as a runner reports it. */
export interface RunnerStep {
  readonly step: number;
  readonly totalSteps: number;
  readonly nfe: number;
  readonly uncertainFraction: number | null;
}

/** The preview a runner sends with a step: the x̂0 latent (encoded when asked for) or a finished GIF. */
export type RunnerPreview = { readonly latent: Float32Array } | { readonly gif: Uint8Array };

/** Executes web jobs; rejects when `signal` aborts. */
export interface JobRunner {
  /** Jobs it runs at once. */
  readonly parallel: number;
  run(request: JobRequest, signal: AbortSignal, onStep: (step: RunnerStep, preview: RunnerPreview | null) => void): Promise<JobResult>;
  close(): Promise<void>;
}

export interface WebModel {
  /** How the server's start line names the model. */
  readonly name: string;
  /** What GET /api/model answers: the page builds its form from it. */
  readonly summary: Readonly<Record<string, unknown>>;
  /** A request body (JSON-parsed) → a job; UsageError says what is wrong or over `limits`. */
  jobRequest(body: unknown, limits: WorkLimits): JobRequest;
  /** Runs jobs in this process; GIFs upscaled by `scale`. */
  runner(scale: number, fps: number): JobRunner;
  /** A running job's x̂0 latent as a small GIF. */
  previewGif(latent: Float32Array, request: JobRequest, fps: number): Uint8Array;
}
