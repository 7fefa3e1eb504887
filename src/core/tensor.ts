// Latent tensors: flat Float32Array storage in C order with a shape, and shape helpers.
// The sampler's elementwise kernels live beside their users (solvers.ts, refine.ts).
import { UsageError } from '../errors.js';

/** [C, F, H, W]: channels, latent frames, height, width. */
export type LatentShape = readonly [number, number, number, number];

export interface Latent {
  readonly shape: LatentShape;
  readonly data: Float32Array;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Number of spatio-temporal positions (F·H·W): the resolution of the uncertainty mask. */
export function positions(shape: LatentShape): number {
  return shape[1] * shape[2] * shape[3];
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function checkLatentShape(shape: readonly number[], what = 'latent shape'): LatentShape {
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new UsageError(`${what} must be four positive integers [C, F, H, W], got ${formatShape(shape)}`);
  }
  return [shape[0], shape[1], shape[2], shape[3]];
}

export function createLatent(shape: LatentShape, data?: Float32Array): Latent {
  const n = numel(shape);
  if (data !== undefined && data.length !== n) {
    throw new UsageError(`latent data has ${data.length} values; shape ${formatShape(shape)} needs ${n}`);
  }
  return { shape, data: data ?? new Float32Array(n) };
}

/** True when every value is finite. */
export function allFinite(x: Float32Array): boolean {
  let acc = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) acc += x[i] * 0;
  return acc === 0;
}

