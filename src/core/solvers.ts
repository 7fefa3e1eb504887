// Solvers over explicit state (docs/sampling.md, "UniPC"). A solver run keeps its history in a record the sampler
// owns; nothing advances unless the sampler calls `commit` for an outer step, so inner
// refinement evaluations can never move a solver forward.
//
// Per outer step i the sampler calls, in order:
//   state = prepare(i, x, x0)     the point the step starts from (UniPC: corrector applied)
//   co = coefficients(i)          the step σ_i → σ_{i+1} as a linear map (see StepCoefficients)
//   commit(i, state, x0)          record the step in the history
// Heun adds one evaluation at the end of the step (`secondStage`, see heunCorrect); the sampler
// runs it after refinement has fused the step, so P&P refines Heun's Euler predictor.
// Every solver's step is linear in (state, x0, v, one history buffer), so refinement can
// apply the same step to any (state, x0, v) triple, and only where the mask needs it.
import { gridSteps, type SigmaGrid } from './schedules.js';

export const SOLVERS = ['euler', 'heun', 'unipc', 'dpmpp-2m'] as const;
export type SolverName = (typeof SOLVERS)[number];

/** How tables and progress lines name each solver. */
export const SOLVER_LABELS: Readonly<Record<SolverName, string>> = { euler: 'Euler', heun: 'Heun', unipc: 'UniPC', 'dpmpp-2m': 'DPM++(2M)' };

/** Which solvers evaluate the model a second time at each step's end point (createSolver and solverNfe both read it). */
const SECOND_STAGE: Readonly<Record<SolverName, boolean>> = { euler: false, heun: true, unipc: false, 'dpmpp-2m': false };

/** next = a·state + b·x0 + c·v + d·extra (terms with a zero coefficient are skipped). */
export interface StepCoefficients {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly extra: Float32Array | null;
}

export interface SolverRun {
  readonly name: SolverName;
  /** Whether `commit` records the step's state, so refinement must fuse the state as well as x0. */
  readonly historyUsesState: boolean;
  /** Heun: a second evaluation at the step's end point (where σ' > 0), averaged with the first (heunCorrect). */
  readonly secondStage: boolean;
  prepare(i: number, x: Float32Array, x0: Float32Array): Float32Array;
  coefficients(i: number): StepCoefficients;
  commit(i: number, state: Float32Array, x0: Float32Array): void;
}

export interface SolverOptions {
  /** UniPC only: run the corrector (default true, as Wan does). */
  readonly corrector?: boolean;
}

export function createSolver(name: SolverName, grid: SigmaGrid, size: number, options: SolverOptions = {}): SolverRun {
  switch (name) {
    case 'euler':
      return eulerSolver(grid);
    case 'heun':
      return { ...eulerSolver(grid), name: 'heun', secondStage: SECOND_STAGE.heun };
    case 'unipc':
      return uniPcSolver('unipc', grid, size, options.corrector ?? true);
    case 'dpmpp-2m':
      // UniPC's bh2 predictor of order 2 is DPM-Solver++(2M) term for term (docs/sampling.md); without the corrector
      // it is exactly k-diffusion's sample_dpmpp_2m in data prediction on the flow σ grid.
      return uniPcSolver('dpmpp-2m', grid, size, false);
  }
}

/** out[j] = a·state[j] + b·x0[j] + c·v[j] + d·extra[j] for j in [from, to). */
export function applyStep(
  out: Float32Array,
  co: StepCoefficients,
  state: Float32Array,
  x0: Float32Array,
  v: Float32Array,
  from = 0,
  to = out.length,
): void {
  const { a, b, c, d, extra } = co;
  if (b === 0 && d === 0 && a === 1) {
    for (let j = from; j < to; j++) out[j] = state[j] + c * v[j];
  } else if (c === 0 && d === 0) {
    for (let j = from; j < to; j++) out[j] = a * state[j] + b * x0[j];
  } else if (c === 0 && extra !== null) {
    for (let j = from; j < to; j++) out[j] = a * state[j] + b * x0[j] + d * extra[j];
  } else {
    for (let j = from; j < to; j++) out[j] = a * state[j] + b * x0[j] + c * v[j] + (extra === null ? 0 : d * extra[j]);
  }
}

/** Evaluations a solver spends on a grid without refinement: one per step, plus Heun's second stage wherever σ' > 0. */
export function solverNfe(name: SolverName, grid: SigmaGrid): number {
  const steps = gridSteps(grid);
  return SECOND_STAGE[name] ? steps + (grid.sigmas[steps] > 0 ? steps : steps - 1) : steps;
}

/**
 * Heun's correction (k-diffusion's sample_heun, in σ): `next` holds the Euler step x + (σ' − σ)·v and `x0` its
 * clean prediction; with v' the velocity at (next, σ'), the step becomes x + (σ' − σ)·(v + v')/2. The first-stage v
 * is recovered as (next − x0)/σ' (both come from the same x and v: next − x0 = σ'·v), which also holds per position
 * after P&P has fused next and x0 from different inner iterations. Requires σ' > 0.
 */
export function heunCorrect(next: Float32Array, x0: Float32Array, vEnd: Float32Array, sigma: number, sigmaNext: number): void {
  const half = 0.5 * (sigmaNext - sigma);
  const inv = 1 / sigmaNext;
  for (let j = 0; j < next.length; j++) next[j] += half * (vEnd[j] - (next[j] - x0[j]) * inv);
}

/** Euler: x' = x + (σ' − σ)·v. Stateless. */
function eulerSolver(grid: SigmaGrid): SolverRun {
  const { sigmas } = grid;
  return {
    name: 'euler',
    historyUsesState: false,
    secondStage: SECOND_STAGE.euler,
    prepare: (_i, x) => x,
    coefficients: (i) => ({ a: 1, b: 0, c: sigmas[i + 1] - sigmas[i], d: 0, extra: null }),
    commit() {},
  };
}

function lambda(sigma: number): number {
  return Math.log((1 - sigma) / sigma);
}

/**
 * UniPC (bh2, order 2, data prediction, lower-order final, corrector) as Wan's
 * FlowUniPCMultistepScheduler. History: m_{i−1}, m_{i−2} (data predictions), the corrected state
 * x^c_{i−1}, the previous predictor order and the number of committed steps.
 */
function uniPcSolver(name: 'unipc' | 'dpmpp-2m', grid: SigmaGrid, size: number, useCorrector: boolean): SolverRun {
  const { sigmas } = grid;
  const steps = sigmas.length - 1;
  let m1 = new Float32Array(size); // m_{i−1}
  let m2 = new Float32Array(size); // m_{i−2}
  const xcPrev = new Float32Array(size); // x^c_{i−1}
  const xc = new Float32Array(size); // x^c_i (prepare's output)
  let committed = 0;
  let lastOrder = 0;

  function predictorOrder(i: number): number {
    return Math.min(2, steps - i, committed + 1);
  }

  return {
    name,
    // Only the corrector reads the recorded state (x^c_{i−1}).
    historyUsesState: useCorrector,
    secondStage: SECOND_STAGE[name],
    prepare(i, x, x0) {
      if (!useCorrector || committed === 0 || i === 0) return x;
      const sPrev = sigmas[i - 1];
      const s = sigmas[i];
      const alpha = 1 - s;
      const h = lambda(s) - lambda(sPrev);
      const phi = Math.expm1(-h);
      const B = phi;
      const a = s / sPrev;
      const b = -alpha * phi;
      if (lastOrder === 1) {
        const c = -alpha * B * 0.5;
        for (let j = 0; j < size; j++) xc[j] = a * xcPrev[j] + b * m1[j] + c * (x0[j] - m1[j]);
      } else {
        const r = (lambda(sigmas[i - 2]) - lambda(sPrev)) / h;
        const hh = -h;
        const b1 = (phi / hh - 1) / B;
        const b2 = (2 * ((phi / hh - 1) / hh - 0.5)) / B;
        // solve [[1, 1], [r, 1]]·ρ = [b1, b2]
        const rho0 = (b1 - b2) / (1 - r);
        const rho1 = b1 - rho0;
        const cD = (-alpha * B * rho0) / r;
        const cT = -alpha * B * rho1;
        for (let j = 0; j < size; j++) {
          const mPrev = m1[j];
          xc[j] = a * xcPrev[j] + b * mPrev + cD * (m2[j] - mPrev) + cT * (x0[j] - mPrev);
        }
      }
      return xc;
    },
    coefficients(i) {
      const s = sigmas[i];
      const sn = sigmas[i + 1];
      if (sn === 0) return { a: 0, b: 1, c: 0, d: 0, extra: null };
      const h = lambda(sn) - lambda(s);
      const phi = Math.expm1(-h);
      const a = sn / s;
      const b = -(1 - sn) * phi;
      if (predictorOrder(i) === 1) return { a, b, c: 0, d: 0, extra: null };
      // − α'·B·ρ_p·(m_{i−1} − m_i)/r' with ρ_p = 1/2, folded into the m_i and m_{i−1} coefficients.
      const rPrime = (lambda(sigmas[i - 1]) - lambda(s)) / h;
      const d = (-(1 - sn) * phi * 0.5) / rPrime;
      return { a, b: b - d, c: 0, d, extra: m1 };
    },
    commit(i, state, x0) {
      lastOrder = predictorOrder(i);
      const t = m2;
      m2 = m1;
      m1 = t;
      m1.set(x0);
      xcPrev.set(state);
      committed++;
    },
  };
}
