// Run a SamplerConfig end to end on a velocity model: grid, guidance, refinement, baselines.
import { sampleFreeInit, sampleWithRestart } from '../core/baselines.js';
import { guidedVelocity, type GuidedVelocity } from '../core/guidance.js';
import { parsePlan, planExtraNfe } from '../core/plan.js';
import type { RefineOptions } from '../core/refine.js';
import type { NoiseSource } from '../core/rng.js';
import { sample, type SampleResult, type StepObserver } from '../core/sample.js';
import { renoiseGrid, type SigmaGrid } from '../core/schedules.js';
import { solverNfe } from '../core/solvers.js';
import type { Condition, VelocityModel } from '../models/contract.js';
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

export function buildRefineOptions(config: SamplerConfig, noise: NoiseSource): RefineOptions | undefined {
  const r = config.refine;
  switch (r.mode) {
    case 'none':
      return undefined;
    case 'pnp':
      return { plan: parsePlan(r.plan, config.steps), tau: r.tau, noise, stopWhenUncertainBelow: r.earlyExit ? undefined : 0 };
    case 'adaptive':
      return { plan: parsePlan(r.plan, config.steps), tau: r.tau, noise, stopWhenUncertainBelow: r.stopBelow };
  }
}

export async function runSampler(config: SamplerConfig, inputs: RunInputs): Promise<RunResult> {
  const grid = buildGrid(config.steps, config.grid);
  const model = buildGuidedVelocity(config, inputs);
  const refine = buildRefineOptions(config, inputs.noise);
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
export function plannedNfe(config: SamplerConfig): number {
  const grid = buildGrid(config.steps, config.grid);
  let nfe = solverNfe(config.solver, grid);
  if (config.refine.mode !== 'none' && config.freeInit === undefined) nfe += planExtraNfe(parsePlan(config.refine.plan, config.steps));
  if (config.restart !== undefined) nfe += config.restart.steps * config.restart.repeats;
  if (config.freeInit !== undefined) nfe += (config.freeInit.passes - 1) * solverNfe(config.solver, renoiseGrid(grid, config.freeInit.sigmaRenoise, config.freeInit.steps));
  return nfe;
}
