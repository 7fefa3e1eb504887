// Predict-and-Perturb kernels (SPEC §2) over preallocated buffers. The sampler drives them.
// Positions are tracked as runs of still-uncertain positions, so the per-iteration passes touch
// only what the mask still refines and stay free of per-element branches.
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

/** Runs [start, end) of uncertain positions, as pairs in `bounds`. */
export class UncertainRuns {
  bounds: Int32Array;
  /** Second buffer the runs are rebuilt into (then swapped), so rebuilding never allocates. */
  private spare: Int32Array;
  count = 0;
  /** Number of uncertain positions. */
  size = 0;

  constructor(readonly positions: number) {
    this.bounds = new Int32Array(positions + 2);
    this.spare = new Int32Array(positions + 2);
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

/**
 * Predict x0k = xk − σ·vk on the uncertain runs, and the channel-summed uncertainty
 * usum[p] = Σ_c |x0k − x0prev| there (U = usum / C).
 */
export function predictWithUncertainty(
  x0k: Float32Array,
  usum: Float32Array,
  xk: Float32Array,
  vk: Float32Array,
  x0prev: Float32Array,
  sigma: number,
  runs: UncertainRuns,
): void {
  const P = usum.length;
  const C = x0k.length / P;
  const { bounds, count } = runs;
  for (let r = 0; r < count; r++) usum.fill(0, bounds[2 * r], bounds[2 * r + 1]);
  for (let c = 0; c < C; c++) {
    const base = c * P;
    for (let r = 0; r < count; r++) {
      const end = base + bounds[2 * r + 1];
      for (let j = base + bounds[2 * r], p = bounds[2 * r]; j < end; j++, p++) {
        const x0 = xk[j] - sigma * vk[j];
        x0k[j] = x0;
        usum[p] += Math.abs(x0 - x0prev[j]);
      }
    }
  }
}

/**
 * Positions of the runs whose mean uncertainty is below τ become certain (the set only grows
 * within a step); `runs` is rebuilt to the positions still uncertain, and `certain` marks 1 = certain.
 */
export function growCertainSet(certain: Uint8Array, usum: Float32Array, tau: number, channels: number, runs: UncertainRuns): void {
  const limit = tau * channels;
  const old = runs.bounds;
  const out = runs.scratch;
  let count = 0;
  let size = 0;
  for (let r = 0; r < runs.count; r++) {
    const to = old[2 * r + 1];
    let open = -1;
    for (let p = old[2 * r]; p < to; p++) {
      if (usum[p] < limit) {
        certain[p] = 1;
        if (open >= 0) {
          out[2 * count] = open;
          out[2 * count + 1] = p;
          count++;
          size += p - open;
          open = -1;
        }
      } else if (open < 0) {
        open = p;
      }
    }
    if (open >= 0) {
      out[2 * count] = open;
      out[2 * count + 1] = to;
      count++;
      size += to - open;
    }
  }
  runs.swap(count, size);
}

/** dst ← src on the uncertain runs, every channel. */
export function copyOnRuns(dst: Float32Array, src: Float32Array, runs: UncertainRuns): void {
  const P = runs.positions;
  const C = dst.length / P;
  const { bounds, count } = runs;
  for (let c = 0; c < C; c++) {
    const base = c * P;
    for (let r = 0; r < count; r++) dst.set(src.subarray(base + bounds[2 * r], base + bounds[2 * r + 1]), base + bounds[2 * r]);
  }
}
