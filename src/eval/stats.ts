/** Small statistics helpers: means, seeded percentile bootstrap, symmetric eigendecomposition. */
import { Rng } from '../world/rng.js';

export function finite(values: readonly number[]): number[] {
  return values.filter(Number.isFinite);
}

export function mean(values: readonly number[]): number {
  const f = finite(values);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}

export interface Interval {
  mean: number;
  lo: number;
  hi: number;
  /** Number of finite values used. */
  n: number;
}

/** Mean with a percentile-bootstrap 95% interval (non-finite values are left out). Deterministic by seed. */
export function bootstrapMean(values: readonly number[], opts: { resamples?: number; seed?: number } = {}): Interval {
  const v = finite(values);
  const n = v.length;
  if (n === 0) return { mean: NaN, lo: NaN, hi: NaN, n: 0 };
  const m = v.reduce((a, b) => a + b, 0) / n;
  const B = opts.resamples ?? 1000;
  const rng = new Rng(opts.seed ?? 0xb007);
  const means = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += v[rng.int(n)];
    means[b] = s / n;
  }
  means.sort();
  const q = (p: number): number => means[Math.min(B - 1, Math.max(0, Math.round(p * (B - 1))))];
  return { mean: m, lo: q(0.025), hi: q(0.975), n };
}

export function quantile(values: readonly number[], p: number): number {
  const v = finite(values).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const pos = p * (v.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < v.length ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

/** Cyclic Jacobi eigendecomposition of a symmetric n×n matrix (row-major). Returns eigenvalues and eigenvectors (columns). */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += A[i * n + i] * A[i * n + i];
      for (let j = i + 1; j < n; j++) off += A[i * n + j] * A[i * n + j];
    }
    if (off <= 1e-22 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const app = A[p * n + p];
        const aqq = A[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i];
  return { values, vectors: V };
}
