// The baselines the paper compares with (docs/sampling.md, "Baselines"), composed from the plain sampler.
// NFE×k needs no code: a grid with k times the steps.
import { UsageError } from '../errors.js';
import { Fft3 } from './fft.js';
import type { GuidedVelocity } from './guidance.js';
import type { NoiseSource } from './rng.js';
import { sample, type SampleOptions, type SampleResult } from './sample.js';
import { gridSteps, renoiseGrid, segmentGrid, subGrid, type SigmaGrid } from './schedules.js';
import type { SolverName } from './solvers.js';
import { numel } from './tensor.js';

export interface RestartOptions {
  /** Grid index i_a: the restart happens once the state has reached σ_{i_a}. */
  readonly atStep: number;
  /** σ_b > σ_{i_a}: where each restart jumps back to. */
  readonly sigmaHigh: number;
  /** Euler steps from σ_b back down to σ_{i_a}, per repeat. */
  readonly steps: number;
  readonly repeats: number;
  readonly noise: NoiseSource;
}

/** NFE a restart configuration adds to the plain run. */
export function restartExtraNfe(options: Pick<RestartOptions, 'steps' | 'repeats'>): number {
  return options.steps * options.repeats;
}

/**
 * Restart sampling (Xu et al. 2023), flow form: run to σ_a, then K times jump to σ_b with
 * x_b = α·x_a + sqrt(σ_b² − α²σ_a²)·ε, α = (1−σ_b)/(1−σ_a), and integrate back with Euler;
 * then finish the grid. The multistep history restarts after the restart interval.
 */
export async function sampleWithRestart(
  solver: SolverName,
  model: GuidedVelocity,
  x: Float32Array,
  grid: SigmaGrid,
  restart: RestartOptions,
  options: SampleOptions = {},
): Promise<SampleResult> {
  const steps = gridSteps(grid);
  const ia = restart.atStep;
  if (!Number.isInteger(ia) || ia < 1 || ia >= steps) throw new UsageError(`restart step must be in 1..${steps - 1}, got ${ia}`);
  const sigmaA = grid.sigmas[ia];
  const sigmaB = restart.sigmaHigh;
  if (!(sigmaB > sigmaA && sigmaB < 1)) throw new UsageError(`restart σ_high must lie in (σ_a = ${sigmaA.toFixed(4)}, 1), got ${sigmaB}`);
  if (!Number.isInteger(restart.repeats) || restart.repeats < 1) throw new UsageError(`restart repeats must be an integer ≥ 1, got ${restart.repeats}`);
  const head = await sample(solver, model, x, subGrid(grid, 0, ia), { ...options, totalSteps: steps });
  let state = head.x;
  let nfe = head.nfe;
  const alpha = (1 - sigmaB) / (1 - sigmaA);
  const noiseScale = Math.sqrt(sigmaB * sigmaB - alpha * alpha * sigmaA * sigmaA);
  const eps = new Float32Array(state.length);
  const inner = segmentGrid(sigmaB, sigmaA, restart.steps);
  for (let r = 0; r < restart.repeats; r++) {
    restart.noise.fill(eps);
    for (let j = 0; j < state.length; j++) state[j] = alpha * state[j] + noiseScale * eps[j];
    const back = await sample('euler', model, state, inner, { stepOffset: ia, signal: options.signal });
    state = back.x;
    nfe += back.nfe;
  }
  const tail = await sample(solver, model, state, subGrid(grid, ia, steps), { ...options, stepOffset: ia, totalSteps: steps });
  return {
    x: tail.x,
    nfe: nfe + tail.nfe,
    refinedSteps: head.refinedSteps + tail.refinedSteps,
    innerIterations: head.innerIterations + tail.innerIterations,
    nfeSaved: head.nfeSaved + tail.nfeSaved,
  };
}

export interface FreeInitOptions {
  /** Total sampling passes, the first included (FreeInit uses 3–5). */
  readonly passes: number;
  /** σ the clean estimate is re-noised to between passes (0.9–0.97). */
  readonly sigmaRenoise: number;
  /** Steps of each later pass, picked from the grid below σ_re (default: all of the grid's steps below it). */
  readonly steps?: number;
  /** Fresh noise for the high frequencies. */
  readonly noise: NoiseSource;
  readonly order?: number;
  readonly dSpatial?: number;
  readonly dTemporal?: number;
}

/** The centred 3-D Butterworth low-pass of FreeInit, laid out for an unshifted spectrum. */
export function butterworthLowPass(F: number, H: number, W: number, order = 4, ds = 0.25, dt = 0.25): Float64Array {
  const out = new Float64Array(F * H * W);
  const hf = Math.floor(F / 2);
  const hh = Math.floor(H / 2);
  const hw = Math.floor(W / 2);
  for (let f = 0; f < F; f++) {
    const cf = (f + hf) % F; // index of this frequency in the centred (fftshifted) spectrum
    const tf = (ds / dt) * ((2 * cf) / F - 1);
    for (let h = 0; h < H; h++) {
      const ch = (h + hh) % H;
      const th = (2 * ch) / H - 1;
      for (let w = 0; w < W; w++) {
        const cw = (w + hw) % W;
        const tw = (2 * cw) / W - 1;
        const d2 = tf * tf + th * th + tw * tw;
        out[(f * H + h) * W + w] = 1 / (1 + (d2 / (ds * ds)) ** order);
      }
    }
  }
  return out;
}

/**
 * FreeInit (Wu et al. 2023), flow form: after a full pass, re-noise x̂0 to σ_re with the ORIGINAL
 * noise, z = (1−σ_re)·x̂0 + σ_re·ε₀; keep z's low frequencies and take the high ones from fresh
 * noise σ_re·η (3-D Butterworth over (f, h, w) per channel); sample again from σ_re on the tail of
 * the grid. Refinement options are not applied (plans index the full grid).
 */
export async function sampleFreeInit(
  solver: SolverName,
  model: GuidedVelocity,
  initialNoise: Float32Array,
  grid: SigmaGrid,
  freeInit: FreeInitOptions,
  options: Omit<SampleOptions, 'refine'> = {},
): Promise<SampleResult> {
  const { passes, sigmaRenoise } = freeInit;
  if (!Number.isInteger(passes) || passes < 1) throw new UsageError(`FreeInit passes must be an integer ≥ 1, got ${passes}`);
  if (!(sigmaRenoise > 0 && sigmaRenoise < 1)) throw new UsageError(`FreeInit σ_re must lie in (0, 1), got ${sigmaRenoise}`);
  const [C, F, H, W] = model.shape;
  const P = F * H * W;
  const lpf = butterworthLowPass(F, H, W, freeInit.order ?? 4, freeInit.dSpatial ?? 0.25, freeInit.dTemporal ?? 0.25);
  const fft = new Fft3([F, H, W]);
  const low = new Float64Array(2 * P);
  const high = new Float64Array(2 * P);
  const eta = new Float32Array(numel(model.shape));
  let result = await sample(solver, model, initialNoise, grid, options);
  let nfe = result.nfe;
  const tail = renoiseGrid(grid, sigmaRenoise, freeInit.steps);
  for (let pass = 1; pass < passes; pass++) {
    const x0 = result.x;
    freeInit.noise.fill(eta);
    const z = new Float32Array(x0.length);
    for (let c = 0; c < C; c++) {
      const base = c * P;
      for (let p = 0; p < P; p++) {
        low[2 * p] = (1 - sigmaRenoise) * x0[base + p] + sigmaRenoise * initialNoise[base + p];
        low[2 * p + 1] = 0;
        high[2 * p] = sigmaRenoise * eta[base + p];
        high[2 * p + 1] = 0;
      }
      fft.forward(low);
      fft.forward(high);
      for (let p = 0; p < P; p++) {
        const g = lpf[p];
        low[2 * p] = g * low[2 * p] + (1 - g) * high[2 * p];
        low[2 * p + 1] = g * low[2 * p + 1] + (1 - g) * high[2 * p + 1];
      }
      fft.inverse(low);
      for (let p = 0; p < P; p++) z[base + p] = low[2 * p];
    }
    result = await sample(solver, model, z, tail, options);
    nfe += result.nfe;
  }
  return { ...result, nfe };
}

export interface BestOfNResult extends SampleResult {
  readonly scores: readonly number[];
  readonly bestIndex: number;
}

/**
 * Verifier best-of-N: draw N full samples (`draw(k)` runs candidate k with its own noise) and keep
 * the one with the highest score. Costs the sum of all candidates' NFE.
 */
export async function bestOfN(
  n: number,
  draw: (k: number) => Promise<SampleResult>,
  score: (x: Float32Array, k: number) => number | Promise<number>,
): Promise<BestOfNResult> {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`best-of-N needs N ≥ 1, got ${n}`);
  const scores: number[] = [];
  let best: SampleResult | null = null;
  let bestIndex = -1;
  let nfe = 0;
  for (let k = 0; k < n; k++) {
    const r = await draw(k);
    nfe += r.nfe;
    const s = await score(r.x, k);
    if (Number.isNaN(s)) throw new UsageError(`best-of-N scoring function returned NaN for candidate ${k}`);
    scores.push(s);
    if (best === null || s > scores[bestIndex]) {
      best = r;
      bestIndex = k;
    }
  }
  const chosen = best as SampleResult;
  return { ...chosen, nfe, scores, bestIndex };
}
