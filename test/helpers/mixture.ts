// Small Gaussian-mixture fixtures shared by the tests.
import { GaussianMixtureModel, parseMixtureSpec, type MixtureSpec } from '../../src/models/gmm.js';
import { NormalRng } from '../../src/core/rng.js';
import type { LatentShape } from '../../src/core/tensor.js';

export function mixtureSpec(shape: LatentShape = [4, 2, 4, 4], components = 3, seed = 7): MixtureSpec {
  const rng = new NormalRng(seed);
  const d = shape.reduce((a, b) => a * b, 1);
  const labels = ['a', 'b', 'c', 'd'];
  return parseMixtureSpec({
    shape,
    components: Array.from({ length: components }, (_, k) => ({
      weight: 1 + k * 0.5,
      mean: Array.from({ length: d }, () => 0.8 * rng.normal()),
      std: 0.15 + 0.1 * k,
      label: labels[k % labels.length],
    })),
  });
}

export function mixtureModel(shape?: LatentShape, components?: number, seed?: number): GaussianMixtureModel {
  return new GaussianMixtureModel(mixtureSpec(shape, components, seed));
}

export function noiseLatent(size: number, seed: number): Float32Array {
  const x = new Float32Array(size);
  new NormalRng(seed).fill(x);
  return x;
}

export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}
