// Predict-and-Perturb kernels (docs/sampling.md, "Predict-and-Perturb") over preallocated buffers. The sampler drives them.
// Positions are tracked as runs of still-uncertain positions, so the per-iteration passes touch
// only what the mask still refines and stay free of per-element branches.
import { UsageError } from '../errors.js';
import { sharedArena, type WasmKernels } from './kernels.js';
import type { NoiseSource } from './rng.js';
import type { RefinePlan } from './plan.js';
import { applyStep, type StepCoefficients } from './solvers.js';

export interface RefineOptions {
  /** Outer step → K extra evaluations (K_max for adaptive refinement). */
  readonly plan: RefinePlan;
  /** Uncertainty threshold in latent units: positions with U < τ become certain. 0 = mask off; Infinity = every position certain at once. */
  readonly tau: number;
  /** Fresh noise for every Perturb, one whole latent per draw. */
  readonly noise: NoiseSource;
  /**
   * Stop a step's inner loop once the uncertain fraction falls below this value.
   * Default 0.001: the official early exit at 99.9 % certain. Set 0 to never stop early.
   * Adaptive P&P raises it (e.g. 0.05): each step then spends only the iterations its mask needs.
   */
  readonly stopWhenUncertainBelow?: number;
}

export const OFFICIAL_EARLY_EXIT = 0.001;

export function checkRefineOptions(options: RefineOptions): void {
  if (!(options.tau >= 0)) throw new UsageError(`τ must be ≥ 0 (0 turns the mask off), got ${options.tau}`);
  const stop = options.stopWhenUncertainBelow ?? OFFICIAL_EARLY_EXIT;
  if (!(stop >= 0 && stop <= 1)) throw new UsageError(`the stopping threshold must be a fraction in [0, 1], got ${stop}`);
}

/** Perturb from a drawn ε: xk = (1−σ)·x0 + σ·ε (the same arithmetic as NoiseSource.fillAffine). */
export function perturb(xk: Float32Array, x0: Float32Array, eps: Float32Array, sigma: number): void {
  perturbSpan(sharedArena(xk, x0, eps)?.kernels, xk, x0, eps, sigma, 0, xk.length);
}

/** Perturb on latent indices [from, to), in the SIMD kernel where one is given (every buffer in its arena). */
function perturbSpan(wasm: WasmKernels | undefined, xk: Float32Array, x0: Float32Array, eps: Float32Array, sigma: number, from: number, to: number): void {
  const a = 1 - sigma;
  if (wasm !== undefined) {
    wasm.perturb(xk.byteOffset + 4 * from, x0.byteOffset + 4 * from, eps.byteOffset + 4 * from, to - from, a, sigma);
    return;
  }
  for (let j = from; j < to; j++) xk[j] = a * x0[j] + sigma * eps[j];
}

/** Runs [start, end) of uncertain positions, as pairs in `bounds`. */
export class UncertainRuns {
  bounds: Int32Array;
  /** Second buffer the runs are rebuilt into (then swapped), so rebuilding never allocates. */
  private spare: Int32Array;
  count = 0;
  /** Number of uncertain positions. */
  size = 0;

  constructor(readonly positions: number) {
    // Runs are separated by at least one certain position: at most ⌈P/2⌉ of them.
    const capacity = 2 * (Math.ceil(positions / 2) + 1);
    this.bounds = new Int32Array(capacity);
    this.spare = new Int32Array(capacity);
  }

  /** Every position uncertain (the start of a refined step). */
  reset(): void {
    this.count = 1;
    this.bounds[0] = 0;
    this.bounds[1] = this.positions;
    this.size = this.positions;
  }

  /** Make the runs just written into `scratch` current. */
  swap(count: number, size: number): void {
    const t = this.bounds;
    this.bounds = this.spare;
    this.spare = t;
    this.count = count;
    this.size = size;
  }

  get scratch(): Int32Array {
    return this.spare;
  }
}

export interface FusionTarget {
  /** The step's candidate, fused. */
  readonly next: Float32Array;
  /** The step's clean prediction, fused; also the reference the uncertainty is measured against. */
  readonly x0: Float32Array;
  /** Multistep solvers: the state the step predicts from, fused; null for Euler. */
  readonly state: Float32Array | null;
  readonly co: StepCoefficients;
}

/**
 * Everything one inner iteration does after the model call (docs/sampling.md, "Predict-and-Perturb"), in two passes over
 * memory: U = mean_c |x0k − x0| on the still-uncertain runs (x0k = xk − σ·vk), and positions with
 * U < τ join the certain set; then, where still uncertain, x0 ← x0k, next ← step(xk, x0k, vk),
 * state ← xk. `runs` is rebuilt to the positions still uncertain; `certain` marks 1 = certain.
 * With `nextEps`, the next iteration's Perturb (xk ← (1−σ)·x0 + σ·nextEps, every position) is
 * folded into the second pass. Each pass streams through one channel plane after the other. Blocks
 * of positions across all channels (so that the second pass would read the first one's data from
 * cache) measured slower at Wan's size with 2048 positions (3·C short strided streams, and planes a
 * near power of two apart that evict each other) and no faster with 4096 to 32768.
 */
export function refineIteration(
  target: FusionTarget,
  xk: Float32Array,
  vk: Float32Array,
  sigma: number,
  tau: number,
  usum: Float32Array,
  certain: Uint8Array,
  runs: UncertainRuns,
  nextEps: Float32Array | null = null,
): void {
  const P = runs.positions;
  const C = xk.length / P;
  const limit = tau * C;
  const old = runs.bounds;
  const oldCount = runs.count;
  const out = runs.scratch;
  const measure = measureKernel(usum, xk, vk, target.x0, sigma, C, P);
  for (let q = 0; q < oldCount; q++) {
    usum.fill(0, old[2 * q], old[2 * q + 1]);
    measure(old[2 * q], old[2 * q + 1]);
  }
  // Grow the certain set; the still-uncertain positions of each old run become new runs.
  let count = 0;
  let size = 0;
  for (let q = 0; q < oldCount; q++) {
    const t = old[2 * q + 1];
    let open = -1;
    for (let p = old[2 * q]; p <= t; p++) {
      if (p < t && !(usum[p] < limit)) {
        if (open < 0) open = p;
        continue;
      }
      if (p < t) certain[p] = 1;
      if (open >= 0) {
        out[2 * count] = open;
        out[2 * count + 1] = p;
        count++;
        size += p - open;
        open = -1;
      }
    }
  }
  runs.swap(count, size);
  const fuse = fuseKernel(target, xk, vk, sigma, C, P);
  if (nextEps === null) {
    for (let q = 0; q < count; q++) fuse(out[2 * q], out[2 * q + 1]);
    return;
  }
  // Certain gaps only get the Perturb; uncertain runs are fused, then perturbed from the fused x0.
  const perturbNext = perturbKernel(xk, target.x0, nextEps, sigma, C, P);
  const fusePerturb = fusePerturbKernel(target, xk, vk, nextEps, sigma, C, P, fuse, perturbNext);
  let from = 0;
  for (let q = 0; q < count; q++) {
    if (from < out[2 * q]) perturbNext(from, out[2 * q]);
    fusePerturb(out[2 * q], out[2 * q + 1]);
    from = out[2 * q + 1];
  }
  if (from < P) perturbNext(from, P);
}

/** The uncertainty measurement over positions [f, t): the SIMD kernel where every buffer lives in one arena. */
function measureKernel(usum: Float32Array, xk: Float32Array, vk: Float32Array, x0: Float32Array, sigma: number, C: number, P: number): (f: number, t: number) => void {
  const wasm = sharedArena(usum, xk, vk, x0)?.kernels;
  if (wasm === undefined) return (f, t) => measureRange(usum, xk, vk, x0, sigma, C, P, f, t);
  return (f, t) => wasm.measure(usum.byteOffset, xk.byteOffset, vk.byteOffset, x0.byteOffset, sigma, C, P, f, t);
}

/** Euler's step in the SIMD kernels: every buffer in one arena, and no state to fuse. */
function eulerKernels(target: FusionTarget, ...arrays: readonly Float32Array[]): WasmKernels | undefined {
  const { next, x0, state, co } = target;
  const euler = co.a === 1 && co.b === 0 && co.d === 0 && state === null;
  return euler ? sharedArena(next, x0, ...arrays)?.kernels : undefined;
}

/** The fusion over positions [f, t): the SIMD kernel for Euler's step where every buffer lives in one arena. */
function fuseKernel(target: FusionTarget, xk: Float32Array, vk: Float32Array, sigma: number, C: number, P: number): (f: number, t: number) => void {
  const wasm = eulerKernels(target, xk, vk);
  if (wasm === undefined) return (f, t) => fuseRange(target, xk, vk, sigma, C, P, f, t);
  const { next, x0, co } = target;
  return (f, t) => wasm.fuseEuler(x0.byteOffset, next.byteOffset, xk.byteOffset, vk.byteOffset, sigma, co.c, C, P, f, t);
}

/** The fusion and then the next Perturb over positions [f, t): one SIMD pass for Euler's step in one arena. */
function fusePerturbKernel(
  target: FusionTarget, xk: Float32Array, vk: Float32Array, eps: Float32Array, sigma: number, C: number, P: number,
  fuse: (f: number, t: number) => void, perturbNext: (f: number, t: number) => void,
): (f: number, t: number) => void {
  const wasm = eulerKernels(target, xk, vk, eps);
  if (wasm === undefined) {
    return (f, t) => {
      fuse(f, t);
      perturbNext(f, t);
    };
  }
  const { next, x0, co } = target;
  return (f, t) => wasm.fuseEulerPerturb(x0.byteOffset, next.byteOffset, xk.byteOffset, vk.byteOffset, eps.byteOffset, sigma, co.c, 1 - sigma, C, P, f, t);
}

/** The next Perturb over positions [f, t) of every channel. */
function perturbKernel(xk: Float32Array, x0: Float32Array, eps: Float32Array, sigma: number, C: number, P: number): (f: number, t: number) => void {
  const wasm = sharedArena(xk, x0, eps)?.kernels;
  return (f, t) => {
    for (let c = 0; c < C; c++) perturbSpan(wasm, xk, x0, eps, sigma, c * P + f, c * P + t);
  };
}

/** usum[p] += Σ_c |fround(xk − σ·vk) − x0| for positions [f, t), every channel. */
function measureRange(usum: Float32Array, xk: Float32Array, vk: Float32Array, x0: Float32Array, sigma: number, C: number, P: number, f: number, t: number): void {
  for (let c = 0; c < C; c++) {
    for (let p = f, j = c * P + f; p < t; p++, j++) usum[p] += Math.abs(Math.fround(xk[j] - sigma * vk[j]) - x0[j]);
  }
}

/** x0 ← xk − σ·vk, next ← step(xk, x0, vk), state ← xk on positions [f, t), every channel. */
function fuseRange(target: FusionTarget, xk: Float32Array, vk: Float32Array, sigma: number, C: number, P: number, f: number, t: number): void {
  for (let c = 0; c < C; c++) fuseSpan(target, xk, vk, sigma, c * P + f, c * P + t);
}

/** x0 ← xk − σ·vk, next ← step(xk, x0, vk), state ← xk on latent indices [from, to). */
function fuseSpan(target: FusionTarget, xk: Float32Array, vk: Float32Array, sigma: number, from: number, to: number): void {
  const { next, x0, state, co } = target;
  const { a, b, c: cv, d, extra } = co;
  // The branches mirror applyStep's so the arithmetic is the same.
  if (b === 0 && d === 0 && a === 1) {
    for (let j = from; j < to; j++) {
      const xv = xk[j];
      const vv = vk[j];
      x0[j] = xv - sigma * vv;
      next[j] = xv + cv * vv;
    }
  } else if (cv === 0 && d === 0) {
    for (let j = from; j < to; j++) {
      const xv = xk[j];
      const x0v = Math.fround(xv - sigma * vk[j]);
      x0[j] = x0v;
      next[j] = a * xv + b * x0v;
    }
  } else if (cv === 0 && extra !== null) {
    for (let j = from; j < to; j++) {
      const xv = xk[j];
      const x0v = Math.fround(xv - sigma * vk[j]);
      x0[j] = x0v;
      next[j] = a * xv + b * x0v + d * extra[j];
    }
  } else {
    for (let j = from; j < to; j++) x0[j] = xk[j] - sigma * vk[j];
    applyStep(next, co, xk, x0, vk, from, to);
  }
  if (state !== null) for (let j = from; j < to; j++) state[j] = xk[j];
}
