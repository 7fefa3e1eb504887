// How much work one web request may ask for: the server refuses more with a 4xx that says which bound it broke.
import { UsageError } from '../errors.js';
import type { SamplerConfig } from '../pipeline/config.js';
import { plannedNfe, resolvePlan } from '../pipeline/run.js';

export interface WorkLimits {
  /** Sampler steps. */
  readonly maxSteps: number;
  /** Extra evaluations (K) at one refined step. */
  readonly maxK: number;
  /** Evaluations of the whole job, refinement included (the default sampler plans 32). */
  readonly maxPlannedNfe: number;
  /** Model folders: pixel frames of one clip. */
  readonly maxFrames: number;
  /** Model folders: frames × width × height of one clip. */
  readonly maxVideoPixels: number;
}

/** Wan's own clip, 81 frames of 832 × 480, is the largest a model folder may be asked for by default. */
export const DEFAULT_WORK_LIMITS: WorkLimits = { maxSteps: 200, maxK: 10, maxPlannedNfe: 400, maxFrames: 81, maxVideoPixels: 81 * 832 * 480 };

/** UsageError when a model folder's clip of `frames` frames of width × height pixels is over `limits`. */
export function checkClipLimits(frames: number, width: number, height: number, limits: WorkLimits = DEFAULT_WORK_LIMITS): void {
  if (frames > limits.maxFrames) throw new UsageError(`frames ${frames} is over this server's limit of ${limits.maxFrames}`);
  const pixels = frames * width * height;
  if (pixels > limits.maxVideoPixels) {
    throw new UsageError(`a clip of ${frames} frames of ${width}x${height} is ${pixels} pixels; this server allows at most ${limits.maxVideoPixels} (frames × width × height)`);
  }
}

/** UsageError naming the first bound `config` breaks. */
export function checkWorkLimits(config: SamplerConfig, limits: WorkLimits = DEFAULT_WORK_LIMITS): void {
  if (config.steps > limits.maxSteps) throw new UsageError(`steps ${config.steps} is over this server's limit of ${limits.maxSteps}`);
  if (config.refine.mode !== 'none') {
    const biggest = Math.max(0, ...resolvePlan(config).values());
    if (biggest > limits.maxK) throw new UsageError(`the plan asks for K = ${biggest} at one step; this server allows at most K = ${limits.maxK}`);
  }
  const nfe = plannedNfe(config);
  if (nfe > limits.maxPlannedNfe) throw new UsageError(`the job would take ${nfe} model evaluations (NFE); this server allows at most ${limits.maxPlannedNfe} per job`);
}
