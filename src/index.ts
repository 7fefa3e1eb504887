// Public API of selfrefine.
export { SelfRefineError, UsageError, ModelOutputError } from './errors.js';
export type { LatentShape, Latent } from './core/tensor.js';
export { numel, positions, createLatent } from './core/tensor.js';
export { NormalRng, type NoiseSource } from './core/rng.js';
export { NpyNoiseStream, readInitialNoise } from './io/noise-file.js';
export {
  flowGrid,
  karrasRfGrid,
  explicitGrid,
  segmentGrid,
  shiftSigma,
  timestepOf,
  type SigmaGrid,
  type TimestepConvention,
} from './core/schedules.js';
export { createSolver, applyStep, heunCorrect, solverNfe, SOLVERS, type SolverName, type SolverRun, type StepCoefficients } from './core/solvers.js';
export { guidedVelocity, type GuidedVelocity, type GuidanceOptions, type StepInfo, type CfgForm, type Expert, type ExpertPair } from './core/guidance.js';
export { parsePlan, windowPlan, formatPlan, planExtraNfe, checkPlan, EMPTY_PLAN, type RefinePlan } from './core/plan.js';
export { OFFICIAL_EARLY_EXIT, type RefineOptions } from './core/refine.js';
export { sample, sampleEuler, sampleHeun, sampleUniPC, sampleDpmpp2m, type SampleOptions, type SampleResult, type StepObserver, type StepReport } from './core/sample.js';
export {
  sampleWithRestart,
  sampleFreeInit,
  bestOfN,
  butterworthLowPass,
  restartExtraNfe,
  type RestartOptions,
  type FreeInitOptions,
  type BestOfNResult,
} from './core/baselines.js';
export { ComplexFft, Fft3 } from './core/fft.js';
export type { VelocityModel, VelocityRequest, Condition } from './models/contract.js';
export { UNCONDITIONAL } from './models/contract.js';
export { GaussianMixtureModel, parseMixtureSpec, readMixtureSpec, type MixtureSpec, type MixtureComponent } from './models/gmm.js';
export { PRESETS, findPreset, buildGrid, type Preset, type SamplerConfig, type GridSpec, type GuidanceSpec, type RefineSpec } from './pipeline/config.js';
export { runSampler, buildGuidedVelocity, buildRefineOptions, type RunInputs, type RunResult, type ModelPair } from './pipeline/run.js';
export { readNpy, readNpyFloat32, writeNpy, encodeNpy, parseNpy, NpyError, type NpyArray, type NpyDtype } from './io/npy.js';
