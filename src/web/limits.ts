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
}

export const DEFAULT_WORK_LIMITS: WorkLimits = { maxSteps: 200, maxK: 10, maxPlannedNfe: 400 };

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
