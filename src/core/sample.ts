// The sampler: k-diffusion style `sample_*(model, x, sigmas, options)` functions over explicit
// state, with Predict-and-Perturb refinement (docs/sampling.md, "Predict-and-Perturb") composed with any solver.
//
// Refinement and multistep solvers. At a refined step i the solver first prepares its state
// (UniPC: corrector) and the outer evaluation gives (state, x0, candidate). Each inner
// iteration k perturbs the fused x0, evaluates, and builds its candidate with the SAME solver
// formula and the SAME history (UniPC: predictor from the perturbed state x_k and x0_k, using
// m_{i−1}); it never commits. The mask fuses candidate, x0 and (for UniPC) the state per
// position. Only then is the step committed, once, with the fused state and fused x0: the next
// corrector and the next multistep extrapolation see exactly the point the refined step
// started its prediction from. With Euler this is the official algorithm; with an empty plan,
// or with τ = ∞, every solver takes its plain step bit for bit.
import { CancelledError, UsageError } from '../errors.js';
import type { GuidedVelocity, StepInfo } from './guidance.js';
import { KernelArena } from './kernels.js';
import { checkPlan } from './plan.js';
import {
  checkRefineOptions,
  OFFICIAL_EARLY_EXIT,
  perturb,
  refineIteration,
  UncertainRuns,
  type RefineOptions,
} from './refine.js';
import { gridSteps, type SigmaGrid } from './schedules.js';
import { applyStep, createSolver, heunCorrect, type SolverName, type SolverOptions, type SolverRun, type StepCoefficients } from './solvers.js';
import { formatShape, numel, positions } from './tensor.js';

/** What a step observer sees. Buffers are only valid during the callback: copy what you keep. */
export interface StepReport {
  /** Step index in the caller's numbering (grid index + stepOffset). */
  readonly step: number;
  readonly totalSteps: number;
  readonly sigma: number;
  readonly sigmaNext: number;
  readonly timestep: number;
  /** NFE spent so far, this step included. */
  readonly nfe: number;
  /** The state after the step (at sigmaNext). */
  readonly x: Float32Array;
  /** The step's (fused) clean-data prediction. */
  readonly x0: Float32Array;
  /** Refined steps: the cumulative certain set over F·H·W positions (1 = certain); null otherwise. */
  readonly certain: Uint8Array | null;
  /** Refined steps: fraction of positions still uncertain when the step ended; null otherwise. */
  readonly uncertainFraction: number | null;
  /** Inner iterations run at this step (0 for a plain step). */
  readonly innerIterations: number;
}

export type StepObserver = (report: StepReport) => void | Promise<void>;

export interface SampleOptions extends SolverOptions {
  readonly refine?: RefineOptions;
  readonly observer?: StepObserver;
  /** Added to grid step indices for the plan, the observer and guidance (when a run is split in segments). */
  readonly stepOffset?: number;
  /** Total steps reported to the observer (defaults to the grid's). */
  readonly totalSteps?: number;
  readonly signal?: AbortSignal;
}

export interface SampleResult {
  /** The final state (a new buffer; the input is not modified). */
  readonly x: Float32Array;
  readonly nfe: number;
  readonly refinedSteps: number;
  readonly innerIterations: number;
  /** Inner iterations the plan allowed but early exit (or adaptive stopping) skipped: NFE saved. */
  readonly nfeSaved: number;
}

/** Latent size (values) from which a refined run allocates its buffers in a kernel arena. */
const KERNEL_MIN_SIZE = 1 << 16;

/** One run's fixed inputs, its buffers (allocated once) and its counters. */
interface Run {
  readonly model: GuidedVelocity;
  readonly solver: SolverRun;
  readonly refine: RefineOptions | undefined;
  readonly signal: AbortSignal | undefined;
  readonly size: number;
  /** Latent positions (F·H·W) the mask is over. */
  readonly P: number;
  /** Stop a step's inner loop once the uncertain fraction falls below this. */
  readonly stopBelow: number;
  /** Whether the next Perturb's noise is drawn while the model evaluates. */
  readonly prefetch: boolean;
  readonly arena: KernelArena | null;
  /** The state at the current step's σ, and the buffer the step writes. */
  cur: Float32Array;
  next: Float32Array;
  readonly v: Float32Array;
  readonly x0: Float32Array;
  readonly xk: Float32Array;
  readonly vk: Float32Array;
  readonly fusedState: Float32Array;
  readonly usum: Float32Array;
  readonly certain: Uint8Array;
  readonly runs: UncertainRuns;
  readonly epsNext: Float32Array;
  /** epsNext holds a drawn Perturb noise not yet used. */
  haveEps: boolean;
  /** The current step's inner iterations (0 for a plain step) and, refined, the fraction still uncertain at its end. */
  stepInner: number;
  stepUncertain: number | null;
  nfe: number;
  refinedSteps: number;
  innerTotal: number;
  nfeSaved: number;
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError('sampling was cancelled');
}

/** The run's buffers: the refinement ones only when a plan exists, in a kernel arena for large latents. */
function createRun(model: GuidedVelocity, x: Float32Array, solver: SolverRun, options: SampleOptions): Run {
  const size = x.length;
  const refine = options.refine;
  const P = positions(model.shape);
  const needRefine = refine !== undefined && refine.plan.size > 0;
  // Noise for the next Perturb is drawn while the model evaluates (the main thread is idle then),
  // speculatively when the loop may still stop early; an unused draw is rolled back.
  const noise = refine?.noise;
  const prefetch = needRefine && noise?.checkpoint !== undefined && noise.rollback !== undefined;
  // The buffers the P&P kernels touch share one WebAssembly memory, so the kernels run in SIMD (kernels.ts).
  // Small latents keep ordinary arrays: there an arena's setup (tens of µs) costs more than the kernels save.
  const arena = needRefine && size >= KERNEL_MIN_SIZE ? KernelArena.create((prefetch ? 6 : 5) * KernelArena.footprint(size) + KernelArena.footprint(P)) : null;
  const buffer = (n: number): Float32Array => arena?.float32(n) ?? new Float32Array(n);
  const cur = buffer(size);
  cur.set(x);
  const next = buffer(size);
  const v = new Float32Array(size);
  const x0 = buffer(size);
  const xk = needRefine ? buffer(size) : v;
  const vk = needRefine ? buffer(size) : v;
  const fusedState = needRefine && solver.historyUsesState ? new Float32Array(size) : v;
  const usum = needRefine ? buffer(P) : new Float32Array(0);
  const certain = new Uint8Array(needRefine ? P : 0);
  const runs = new UncertainRuns(needRefine ? P : 0);
  const epsNext = prefetch ? buffer(size) : v;
  return {
    model,
    solver,
    refine,
    signal: options.signal,
    size,
    P,
    stopBelow: refine?.stopWhenUncertainBelow ?? OFFICIAL_EARLY_EXIT,
    prefetch,
    arena,
    cur,
    next,
    v,
    x0,
    xk,
    vk,
    fusedState,
    usum,
    certain,
    runs,
    epsNext,
    haveEps: false,
    stepInner: 0,
    stepUncertain: null,
    nfe: 0,
    refinedSteps: 0,
    innerTotal: 0,
    nfeSaved: 0,
  };
}

/** The outer evaluation at cur and its clean prediction x0 (drawing the first Perturb's noise meanwhile when K > 0). */
async function evaluateOuter(run: Run, info: StepInfo, K: number): Promise<void> {
  const { cur, v, x0, size } = run;
  const outer = run.model.evaluate(cur, info, v);
  const noise = run.refine?.noise;
  if (run.prefetch && K > 0 && noise !== undefined) {
    noise.fill(run.epsNext);
    run.haveEps = true;
  }
  run.nfe += await outer;
  const sigma = info.sigma;
  for (let j = 0; j < size; j++) x0[j] = cur[j] - sigma * v[j];
}

/**
 * A refined step: a fresh mask, the state fused from here on (multistep solvers), then the inner iterations.
 * Returns the state the step commits.
 */
async function refineStep(run: Run, refine: RefineOptions, info: StepInfo, K: number, co: StepCoefficients, state: Float32Array): Promise<Float32Array> {
  run.refinedSteps++;
  run.certain.fill(0);
  run.runs.reset();
  let committed = state;
  if (run.solver.historyUsesState) {
    run.fusedState.set(state);
    committed = run.fusedState;
  }
  const inner = await innerIterations(run, refine, info, K, co);
  run.stepInner = inner;
  run.stepUncertain = 1 - (run.P - run.runs.size) / run.P;
  run.innerTotal += inner;
  run.nfeSaved += K - inner;
  return committed;
}

/**
 * Up to K inner iterations of a refined step: Perturb the fused x0, evaluate, fuse where still uncertain; stops
 * early once few enough positions stay uncertain. Returns the number of iterations run.
 */
async function innerIterations(run: Run, refine: RefineOptions, info: StepInfo, K: number, co: StepCoefficients): Promise<number> {
  const { model, solver, xk, vk, x0, epsNext, runs, P } = run;
  const sigma = info.sigma;
  let inner = 0;
  // Set when the previous iteration's fusion already wrote this iteration's Perturb into xk.
  let perturbed = false;
  for (let k = 1; k <= K; k++) {
    throwIfCancelled(run.signal);
    if (perturbed) {
      perturbed = false;
      run.haveEps = false;
    } else if (run.haveEps) {
      perturb(xk, x0, epsNext, sigma);
      run.haveEps = false;
    } else {
      refine.noise.fillAffine(xk, x0, 1 - sigma, sigma);
    }
    const evaluation = model.evaluate(xk, info, vk);
    const speculative = run.prefetch && k < K;
    if (speculative) {
      refine.noise.checkpoint?.();
      refine.noise.fill(epsNext);
      run.haveEps = true;
    }
    run.nfe += await evaluation;
    inner++;
    if (runs.size > 0) {
      // Where still uncertain, the step takes this iteration's prediction and candidate.
      const target = { next: run.next, x0, state: solver.historyUsesState ? run.fusedState : null, co };
      refineIteration(target, xk, vk, sigma, refine.tau, run.usum, run.certain, runs, run.haveEps ? epsNext : null);
      perturbed = run.haveEps;
    }
    if (runs.size / P < run.stopBelow) {
      if (speculative) {
        refine.noise.rollback?.();
        run.haveEps = false;
      }
      break;
    }
  }
  return inner;
}

/** Sample with any solver. `x` is the state at grid.sigmas[0] (pure noise for a full grid). */
export async function sample(
  solverName: SolverName,
  model: GuidedVelocity,
  x: Float32Array,
  grid: SigmaGrid,
  options: SampleOptions = {},
): Promise<SampleResult> {
  const size = numel(model.shape);
  if (x.length !== size) {
    throw new UsageError(`initial latent has ${x.length} values; the model's latent ${formatShape(model.shape)} needs ${size}`);
  }
  const steps = gridSteps(grid);
  const offset = options.stepOffset ?? 0;
  const totalSteps = options.totalSteps ?? steps + offset;
  const refine = options.refine;
  if (refine !== undefined) {
    checkRefineOptions(refine);
    checkPlan(refine.plan, totalSteps);
  }
  const solver = createSolver(solverName, grid, size, options);
  const run = createRun(model, x, solver, options);
  const { x0, v, certain } = run;

  for (let i = 0; i < steps; i++) {
    throwIfCancelled(options.signal);
    const sigma = grid.sigmas[i];
    const info: StepInfo = { step: i + offset, sigma };
    const K = refine?.plan.get(i + offset) ?? 0;
    await evaluateOuter(run, info, K);
    let state = solver.prepare(i, run.cur, x0);
    const co = solver.coefficients(i);
    applyStep(run.next, co, state, x0, v);

    run.stepInner = 0;
    run.stepUncertain = null;
    if (refine !== undefined && K > 0) state = await refineStep(run, refine, info, K, co, state);
    const sigmaNext = grid.sigmas[i + 1];
    if (solver.secondStage && sigmaNext > 0) {
      // v is free once the step is built: it takes the velocity at the step's (fused) end point.
      run.nfe += await model.evaluate(run.next, { step: i + offset, sigma: sigmaNext }, v);
      heunCorrect(run.next, x0, v, sigma, sigmaNext);
    }
    solver.commit(i, state, x0);
    const t = run.cur;
    run.cur = run.next;
    run.next = t;
    if (options.observer !== undefined) {
      await options.observer({
        step: i + offset,
        totalSteps,
        sigma,
        sigmaNext,
        timestep: model.timestep(sigma),
        nfe: run.nfe,
        x: run.cur,
        x0,
        certain: run.stepInner > 0 ? certain : null,
        uncertainFraction: run.stepUncertain,
        innerIterations: run.stepInner,
      });
    }
  }
  // An arena's array would keep the whole arena alive: hand back a buffer of its own, and the arena for reuse.
  const { cur, arena } = run;
  const final = arena === null ? cur : cur.slice();
  arena?.release();
  return { x: final, nfe: run.nfe, refinedSteps: run.refinedSteps, innerIterations: run.innerTotal, nfeSaved: run.nfeSaved };
}

/** Euler sampling (the official P&P algorithm when `options.refine` is set). */
export function sampleEuler(model: GuidedVelocity, x: Float32Array, grid: SigmaGrid, options?: SampleOptions): Promise<SampleResult> {
  return sample('euler', model, x, grid, options);
}

/** Heun sampling (k-diffusion's sample_heun: two evaluations per step, Euler into σ = 0). */
export function sampleHeun(model: GuidedVelocity, x: Float32Array, grid: SigmaGrid, options?: SampleOptions): Promise<SampleResult> {
  return sample('heun', model, x, grid, options);
}

/** UniPC (bh2, order 2) sampling, as Wan's FlowUniPCMultistepScheduler. */
export function sampleUniPC(model: GuidedVelocity, x: Float32Array, grid: SigmaGrid, options?: SampleOptions): Promise<SampleResult> {
  return sample('unipc', model, x, grid, options);
}

/** DPM-Solver++(2M) sampling (k-diffusion's sample_dpmpp_2m, data prediction, on the flow σ grid). */
export function sampleDpmpp2m(model: GuidedVelocity, x: Float32Array, grid: SigmaGrid, options?: SampleOptions): Promise<SampleResult> {
  return sample('dpmpp-2m', model, x, grid, options);
}
