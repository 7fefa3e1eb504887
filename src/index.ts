// Public API of selfrefine.
export { SelfRefineError, UsageError, ModelOutputError, CancelledError, ToolError } from './errors.js';
export type { LatentShape, Latent } from './core/tensor.js';
export { numel, positions, createLatent } from './core/tensor.js';
export { NormalRng, type NoiseSource } from './core/rng.js';
export { NpyNoiseStream, readInitialNoise } from './io/noise-stream.js';
export {
  flowGrid,
  karrasRfGrid,
  explicitGrid,
  segmentGrid,
  shiftSigma,
  type SigmaGrid,
} from './core/schedules.js';
export { createSolver, applyStep, heunCorrect, solverNfe, SOLVERS, type SolverName, type SolverRun, type StepCoefficients } from './core/solvers.js';
export { guidedVelocity, type GuidedVelocity, type GuidanceOptions, type StepInfo, type CfgForm, type CfgSchedule } from './core/guidance.js';
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
export type { VelocityModel, VelocityRequest, Condition } from './core/model.js';
export { UNCONDITIONAL } from './core/model.js';
export { GaussianMixtureModel, parseMixtureSpec, readMixtureSpec, type MixtureSpec, type MixtureComponent } from './models/gmm.js';
export { PRESETS, PHYSICS_DEFAULTS, findPreset, buildGrid, type Preset, type SamplerConfig, type GridSpec, type GuidanceSpec, type RefineSpec } from './pipeline/config.js';
export { runSampler, buildGuidedVelocity, buildRefineOptions, resolvePlan, highNoiseSteps, plannedNfe, type RunInputs, type RunResult, type TimestepOf } from './pipeline/run.js';
export { sampleFolderModel, type FolderSampleInputs } from './pipeline/folder.js';
export { generateVideo, type GenerateOptions, type GeneratedVideo, type GivenFrames, type MaskRecord } from './pipeline/generate.js';
export {
  loadCardModel,
  loadCardNetwork,
  scenarioForPrompt,
  DEFAULT_MODEL_CARD,
  type CardModel,
  type CardModelOptions,
} from './models/card-loader.js';
export { OnnxVelocityModel } from './models/onnx/backend.js';
export type { ModelCard } from './models/onnx/card.js';
export type { PatchPcaVae } from './models/vae.js';
export { readNpy, readNpyFloat32, writeNpy, encodeNpy, parseNpy, NpyError, type NpyArray, type NpyDtype } from './io/npy.js';
export { float32ToHalf, halfToFloat32, bfloat16ToFloat32, float32ToFloat16, float16ToFloat32 } from './core/half.js';
export { readSafetensors, parseSafetensors, type FloatTensor } from './io/safetensors.js';
export { OnnxGraph, checkDevice, type Graph, type GraphOptions, type GraphTensor, type GraphValueInfo, type GraphDevice } from './models/onnx/graph.js';
export { bindDenoiser, findByAliases, ROLE_ALIASES, type GraphBinding, type NameMap } from './models/onnx/binding.js';
export { WAN_FAMILY, COSMOS_FAMILY, MODEL_FACTS, latentShapeFor, denormaliseLatent, normaliseLatent, wanTimestep, type ModelFamily, type ModelFacts } from './models/family.js';
export { loadFolderModel, readModelFolder, isModelFolder, type FolderModel, type FolderLayout, type FolderConfig } from './models/folder/folder.js';
export { padTextStates } from './models/folder/text-states.js';
export { PromptEncoder, type EncodedPrompt, type PromptEncoderFiles, type PromptEncoderOptions } from './models/text/encoder.js';
export { TextTokenizer, WAN_TEXT_LENGTH } from './models/text/tokenizer.js';
export { WAN_NEGATIVE_PROMPT } from './models/wan/negative-prompt.js';
export { VaeDecoder, VaeEncoder, type DecodedVideo, type VaeOptions } from './models/wan/vae.js';
export { latentPreviewPixels, WAN21_LATENT_RGB, type LatentRgbFactors } from './models/wan/preview.js';
export { firstFrameMask, firstFrameVideo, i2vCondition } from './models/wan/i2v.js';
export { defaultCacheDir, CACHE_DIR_ENV } from './io/cache.js';
export { SwitchedExperts, type ScenarioVelocityModel } from './models/sigma-experts.js';
