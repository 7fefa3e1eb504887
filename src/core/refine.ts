// Predict-and-Perturb kernels (SPEC §2) over preallocated buffers. The sampler drives them;
// each is one pass over the latent (or over the F·H·W positions for the mask).
import { UsageError } from '../errors.js';
import type { NoiseSource } from './rng.js';
import type { RefinePlan } from './plan.js';

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

/** xk = (1−σ)·x0 + σ·ε. */
export function perturb(out: Float32Array, x0: Float32Array, eps: Float32Array, sigma: number): void {
  const a = 1 - sigma;
  const n = out.length;
  for (let j = 0; j < n; j++) out[j] = a * x0[j] + sigma * eps[j];
}

/**
 * Predict x0k = xk − σ·vk and accumulate the channel-summed uncertainty
 * usum[p] = Σ_c |x0k − x0prev| (U = usum / C).
 */
export function predictWithUncertainty(
  x0k: Float32Array,
  usum: Float32Array,
  xk: Float32Array,
  vk: Float32Array,
  x0prev: Float32Array,
  sigma: number,
): void {
  const P = usum.length;
  const C = x0k.length / P;
  usum.fill(0);
  for (let c = 0; c < C; c++) {
    const base = c * P;
    for (let p = 0; p < P; p++) {
      const j = base + p;
      const x0 = xk[j] - sigma * vk[j];
      x0k[j] = x0;
      usum[p] += Math.abs(x0 - x0prev[j]);
    }
  }
}

/**
 * Grow the certain set with the positions whose mean uncertainty is below τ; returns the new size.
 * `certain` is cumulative within an outer step (1 = certain).
 */
export function growCertainSet(certain: Uint8Array, usum: Float32Array, tau: number, channels: number, count: number): number {
  const limit = tau * channels;
  let n = count;
  const P = certain.length;
  for (let p = 0; p < P; p++) {
    if (certain[p] === 0 && usum[p] < limit) {
      certain[p] = 1;
      n++;
    }
  }
  return n;
}

/** Where a position is still uncertain, take the new iteration's value: prev ← certain ? prev : cur. */
export function fuseUncertain(prev: Float32Array, cur: Float32Array, certain: Uint8Array, allUncertain: boolean): void {
  if (allUncertain) {
    prev.set(cur);
    return;
  }
  const P = certain.length;
  const C = prev.length / P;
  for (let c = 0; c < C; c++) {
    const base = c * P;
    for (let p = 0; p < P; p++) if (certain[p] === 0) prev[base + p] = cur[base + p];
  }
}
