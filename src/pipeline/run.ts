// Run a SamplerConfig end to end on a velocity model: grid, guidance, refinement, baselines.
import { sampleFreeInit, sampleWithRestart } from '../core/baselines.js';
import { guidedVelocity, type GuidedVelocity } from '../core/guidance.js';
import { EMPTY_PLAN, parsePlan, planExtraNfe, type RefinePlan } from '../core/plan.js';
import type { RefineOptions } from '../core/refine.js';
import type { NoiseSource } from '../core/rng.js';
import { sample, type SampleResult, type StepObserver } from '../core/sample.js';
import { renoiseGrid, type SigmaGrid } from '../core/schedules.js';
import { solverNfe } from '../core/solvers.js';
import type { Condition, VelocityModel } from '../core/model.js';
import { wanTimestep } from '../models/family.js';
import { buildGrid, type SamplerConfig } from './config.js';

export interface RunInputs {
  /** The model (two experts of a Wan2.2 A14B-style model are one VelocityModel that switches itself). */
  readonly model: VelocityModel;
  readonly condition: Condition;
  readonly uncondition?: Condition;
  /** The starting latent at σ_0 (pure noise). Not modified. */
  readonly initialNoise: Float32Array;
  /** Noise for every stochastic step after the start (Perturb, Restart, FreeInit), one latent per draw. */
  readonly noise: NoiseSource;
  readonly observer?: StepObserver;
  readonly signal?: AbortSignal;
}

export interface RunResult extends SampleResult {
  readonly grid: SigmaGrid;
}

export function buildGuidedVelocity(config: SamplerConfig, inputs: Pick<RunInputs, 'model' | 'condition' | 'uncondition'>): GuidedVelocity {
  const g = config.guidance;
  return guidedVelocity({
    model: inputs.model,
    schedule: g.cfgSchedule,
    condition: inputs.condition,
    uncondition: inputs.uncondition,
    scale: g.scale,
    form: g.form,
    zeroStar: g.zeroStar,
  });
}

/** The model's timestep at σ (VelocityModel.timestep); Wan's int(σ·1000) where no model is at hand. */
export type TimestepOf = (sigma: number) => number;

/**
 * The leading grid steps whose timestep is at or above the guidance schedule's boundary, i.e. the high-noise
 * expert's share of the grid in the two-expert presets (per-expert plans count within it); undefined without one.
 */
export function highNoiseSteps(config: SamplerConfig, timestep: TimestepOf = wanTimestep): number | undefined {
  const boundary = config.guidance.cfgSchedule?.boundary;
  if (boundary === undefined) return undefined;
  const grid = buildGrid(config.steps, config.grid);
  let h = 0;
  while (h < config.steps && timestep(grid.sigmas[h]) >= boundary) h++;
  return h;
}

/** The configuration's refinement plan as steps of its grid. */
export function resolvePlan(config: SamplerConfig, timestep?: TimestepOf): RefinePlan {
  const r = config.refine;
  return r.mode === 'none' ? EMPTY_PLAN : parsePlan(r.plan, config.steps, highNoiseSteps(config, timestep));
}

export function buildRefineOptions(config: SamplerConfig, noise: NoiseSource, timestep?: TimestepOf): RefineOptions | undefined {
  const r = config.refine;
  switch (r.mode) {
    case 'none':
      return undefined;
    case 'pnp':
      return { plan: resolvePlan(config, timestep), tau: r.tau, noise, stopWhenUncertainBelow: r.earlyExit ? undefined : 0 };
    case 'adaptive':
      return { plan: resolvePlan(config, timestep), tau: r.tau, noise, stopWhenUncertainBelow: r.stopBelow };
  }
}

export async function runSampler(config: SamplerConfig, inputs: RunInputs): Promise<RunResult> {
  const grid = buildGrid(config.steps, config.grid);
  const model = buildGuidedVelocity(config, inputs);
  const refine = buildRefineOptions(config, inputs.noise, (sigma) => inputs.model.timestep(sigma));
  const common = { observer: inputs.observer, signal: inputs.signal };
  let result: SampleResult;
  if (config.freeInit !== undefined) {
    result = await sampleFreeInit(config.solver, model, inputs.initialNoise, grid, { ...config.freeInit, noise: inputs.noise }, common);
  } else if (config.restart !== undefined) {
    result = await sampleWithRestart(config.solver, model, inputs.initialNoise, grid, { ...config.restart, noise: inputs.noise }, { ...common, refine });
  } else {
    result = await sample(config.solver, model, inputs.initialNoise, grid, { ...common, refine });
  }
  return { ...result, grid };
}

/** The NFE a configuration spends when no inner loop exits early (an upper bound for progress bars). */
export function plannedNfe(config: SamplerConfig, timestep?: TimestepOf): number {
  const grid = buildGrid(config.steps, config.grid);
  let nfe = solverNfe(config.solver, grid);
  if (config.refine.mode !== 'none' && config.freeInit === undefined) nfe += planExtraNfe(resolvePlan(config, timestep));
  if (config.restart !== undefined) nfe += config.restart.steps * config.restart.repeats;
  if (config.freeInit !== undefined) nfe += (config.freeInit.passes - 1) * solverNfe(config.solver, renoiseGrid(grid, config.freeInit.sigmaRenoise, config.freeInit.steps));
  return nfe;
}
