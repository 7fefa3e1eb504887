// σ grids (docs/sampling.md). A grid holds N+1 noise levels from high to low ending at 0. What a network is fed at σ (its
// timestep) belongs to the model (VelocityModel.timestep), not to the grid.
import { UsageError } from '../errors.js';

export interface SigmaGrid {
  /** N+1 values, strictly decreasing, sigmas[N] = 0. */
  readonly sigmas: Float64Array;
}

/** Shift of SD3/Wan: σ' = s·σ / (1 + (s−1)·σ). */
export function shiftSigma(sigma: number, shift: number): number {
  return (shift * sigma) / (1 + (shift - 1) * sigma);
}

function checkSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 1) throw new UsageError(`steps must be a positive integer, got ${steps}`);
}

/** Build a grid from explicit σ values (high → low); a final 0 is appended when missing. */
export function explicitGrid(values: readonly number[]): SigmaGrid {
  const list = [...values];
  if (list.length === 0) throw new UsageError('a σ list needs at least one value');
  if (list[list.length - 1] !== 0) list.push(0);
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    if (!Number.isFinite(s) || s < 0 || s > 1) throw new UsageError(`σ values must lie in [0, 1], got ${s} at position ${i}`);
    if (i > 0 && !(s < list[i - 1])) throw new UsageError(`σ values must decrease strictly, but σ[${i}] = ${s} follows ${list[i - 1]}`);
  }
  return { sigmas: Float64Array.from(list) };
}

/** Wan / diffusers shifted flow grid: shift(linspace(0.999, 0, N+1)[:-1]), then σ_N = 0. */
export function flowGrid(steps: number, shift: number): SigmaGrid {
  checkSteps(steps);
  if (!(shift > 0) || !Number.isFinite(shift)) throw new UsageError(`shift must be a positive number, got ${shift}`);
  const sigmaMax = 0.999;
  const values: number[] = [];
  for (let i = 0; i < steps; i++) {
    // numpy's linspace: start + i·step, with step = (stop − start)/num_intervals.
    const base = sigmaMax + i * ((0 - sigmaMax) / steps);
    values.push(shiftSigma(base, shift));
  }
  values.push(0);
  return explicitGrid(values);
}

/** Cosmos-Predict2.5 Karras-RF grid: EDM Karras σ (ρ = 7, 200 → 0.01) mapped to RF by σ/(1+σ), then 0. */
export function karrasRfGrid(steps: number, sigmaMaxEdm = 200, sigmaMinEdm = 0.01, rho = 7): SigmaGrid {
  checkSteps(steps);
  const a = sigmaMaxEdm ** (1 / rho);
  const b = sigmaMinEdm ** (1 / rho);
  const values: number[] = [];
  for (let k = 0; k <= steps; k++) {
    const edm = (a + (k / steps) * (b - a)) ** rho;
    values.push(edm / (1 + edm));
  }
  values.push(0);
  return explicitGrid(values);
}

/** Number of steps in a grid. */
export function gridSteps(grid: SigmaGrid): number {
  return grid.sigmas.length - 1;
}

/** The steps [from, to) of a grid as a grid of its own. */
export function subGrid(grid: SigmaGrid, from: number, to: number): SigmaGrid {
  return { sigmas: grid.sigmas.slice(from, to + 1) };
}

/** A segment of n equal steps from σ_from down to σ_to (> 0 allowed): restart intervals, re-sampling tails. */
export function segmentGrid(sigmaFrom: number, sigmaTo: number, steps: number): SigmaGrid {
  checkSteps(steps);
  if (!(sigmaFrom > sigmaTo && sigmaTo >= 0 && sigmaFrom <= 1)) {
    throw new UsageError(`a σ segment must run downwards within [0, 1], got ${sigmaFrom} → ${sigmaTo}`);
  }
  const sigmas = new Float64Array(steps + 1);
  for (let i = 0; i <= steps; i++) sigmas[i] = sigmaFrom + (i / steps) * (sigmaTo - sigmaFrom);
  sigmas[steps] = sigmaTo;
  return { sigmas };
}

/**
 * The grid of a pass that restarts at sigmaStart: the grid's own σ values below it, or, with `steps`, that many
 * steps whose interior σ values are picked evenly (by index) from them (a coarser pass for a fixed NFE budget).
 */
export function renoiseGrid(grid: SigmaGrid, sigmaStart: number, steps?: number): SigmaGrid {
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) throw new UsageError(`steps after re-noising must be an integer ≥ 1, got ${steps}`);
  const below = Array.from(grid.sigmas).filter((s) => s < sigmaStart && s > 0);
  if (steps === undefined || steps - 1 >= below.length) return tailGrid(grid, sigmaStart);
  const values = [sigmaStart];
  for (let j = 1; j < steps; j++) values.push(below[Math.floor((j * below.length) / steps)]);
  values.push(0);
  return explicitGrid(values);
}

/** The tail of a grid below σ_start, starting exactly at σ_start (FreeInit's re-sampling pass). */
export function tailGrid(grid: SigmaGrid, sigmaStart: number): SigmaGrid {
  const values = [sigmaStart];
  for (const s of grid.sigmas) if (s < sigmaStart) values.push(s);
  return explicitGrid(values);
}
