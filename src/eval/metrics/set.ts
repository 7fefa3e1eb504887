/**
 * Set metrics of a generated set against fresh true clips, on per-ball trajectory features (positions in px at
 * up to 16 evenly spaced frames):
 * - Fréchet distance between Gaussian fits: |μ₁ − μ₂|² + tr(C₁ + C₂ − 2 (C₁^½ C₂ C₁^½)^½)   (px²);
 * - k-NN precision / recall (Kynkäänniemi et al. 2019, k = 5): a generated sample is "precise" when it falls inside
 *   the k-NN ball of some reference sample, a reference sample is "recalled" when it falls inside the k-NN ball of
 *   some generated sample;
 * - total-variation distance between the histograms of detected bounces per clip (bins 0, 1, 2, 3, ≥ 4).
 */
import { symmetricEigen } from '../stats.js';

export const KNN_K = 5;
export const BOUNCE_BINS = 5;
/** Larger sets are subsampled (evenly) for the k-NN step, which is quadratic. */
export const KNN_MAX_SAMPLES = 2048;

export interface SetMetrics {
  frechet: number;
  precision: number;
  recall: number;
  bounceHistogramTV: number;
  generatedHistogram: number[];
  referenceHistogram: number[];
  generatedTracks: number;
  referenceTracks: number;
}

function meanCov(x: readonly Float64Array[], d: number): { mu: Float64Array; cov: Float64Array } {
  const n = x.length;
  const mu = new Float64Array(d);
  for (const v of x) for (let i = 0; i < d; i++) mu[i] += v[i] / n;
  const cov = new Float64Array(d * d);
  for (const v of x) {
    for (let i = 0; i < d; i++) {
      const di = v[i] - mu[i];
      for (let j = i; j < d; j++) cov[i * d + j] += di * (v[j] - mu[j]);
    }
  }
  const den = Math.max(1, n - 1);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      cov[i * d + j] /= den;
      cov[j * d + i] = cov[i * d + j];
    }
  }
  return { mu, cov };
}

function sqrtPsd(a: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(values[k], 0));
    if (s === 0) continue;
    for (let i = 0; i < d; i++) {
      const vik = vectors[i * d + k] * s;
      for (let j = 0; j < d; j++) out[i * d + j] += vik * vectors[j * d + k];
    }
  }
  return out;
}

function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) {
    const aik = a[i * d + k];
    if (aik === 0) continue;
    for (let j = 0; j < d; j++) out[i * d + j] += aik * b[k * d + j];
  }
  return out;
}

export function frechetDistance(x: readonly Float64Array[], y: readonly Float64Array[]): number {
  if (x.length < 2 || y.length < 2) return NaN;
  const d = x[0].length;
  const a = meanCov(x, d);
  const b = meanCov(y, d);
  let dm = 0;
  for (let i = 0; i < d; i++) dm += (a.mu[i] - b.mu[i]) ** 2;
  const s1 = sqrtPsd(a.cov, d);
  const m = matmul(matmul(s1, b.cov, d), s1, d);
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) {
    const avg = 0.5 * (m[i * d + j] + m[j * d + i]);
    m[i * d + j] = m[j * d + i] = avg;
  }
  const { values } = symmetricEigen(m, d);
  let trSqrt = 0;
  for (const v of values) trSqrt += Math.sqrt(Math.max(v, 0));
  let tr = 0;
  for (let i = 0; i < d; i++) tr += a.cov[i * d + i] + b.cov[i * d + i];
  return Math.max(0, dm + tr - 2 * trSqrt);
}

function subsample<T>(x: readonly T[], max: number): T[] {
  if (x.length <= max) return [...x];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(x[Math.floor((i * x.length) / max)]);
  return out;
}

/** Squared distance, abandoned (returning a value > limit) once it exceeds `limit`. */
function dist2(a: Float64Array, b: Float64Array, limit = Infinity): number {
  let s = 0;
  const n = a.length;
  for (let i = 0; i < n; i += 2) {
    const d = a[i] - b[i];
    const e = a[i + 1] - b[i + 1];
    s += d * d + e * e;
    if (s > limit) return s;
  }
  return s;
}

/** Squared distance of each sample to its k-th nearest other sample. */
function knnRadii(x: readonly Float64Array[], k: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  const best = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    best.fill(Infinity);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = dist2(x[i], x[j], best[k - 1]);
      if (d >= best[k - 1]) continue;
      let p = k - 1;
      while (p > 0 && best[p - 1] > d) {
        best[p] = best[p - 1];
        p--;
      }
      best[p] = d;
    }
    out[i] = best[k - 1];
  }
  return out;
}

function coverage(query: readonly Float64Array[], support: readonly Float64Array[], radii: Float64Array): number {
  let inside = 0;
  for (const q of query) {
    for (let j = 0; j < support.length; j++) {
      if (dist2(q, support[j], radii[j]) <= radii[j]) {
        inside++;
        break;
      }
    }
  }
  return query.length ? inside / query.length : NaN;
}

export function knnPrecisionRecall(gen: readonly Float64Array[], ref: readonly Float64Array[], k = KNN_K): { precision: number; recall: number } {
  const g = subsample(gen, KNN_MAX_SAMPLES);
  const r = subsample(ref, KNN_MAX_SAMPLES);
  if (g.length <= k || r.length <= k) return { precision: NaN, recall: NaN };
  return { precision: coverage(g, r, knnRadii(r, k)), recall: coverage(r, g, knnRadii(g, k)) };
}

export function bounceHistogram(counts: readonly number[]): number[] {
  const h = new Array<number>(BOUNCE_BINS).fill(0);
  for (const c of counts) h[Math.min(BOUNCE_BINS - 1, Math.max(0, c))]++;
  return h.map((v) => (counts.length ? v / counts.length : 0));
}

export function setMetrics(
  genFeatures: readonly Float64Array[],
  refFeatures: readonly Float64Array[],
  genBounces: readonly number[],
  refBounces: readonly number[],
): SetMetrics {
  const hg = bounceHistogram(genBounces);
  const hr = bounceHistogram(refBounces);
  const { precision, recall } = knnPrecisionRecall(genFeatures, refFeatures);
  return {
    frechet: frechetDistance(genFeatures, refFeatures),
    precision,
    recall,
    bounceHistogramTV: 0.5 * hg.reduce((a, v, i) => a + Math.abs(v - hr[i]), 0),
    generatedHistogram: hg,
    referenceHistogram: hr,
    generatedTracks: genFeatures.length,
    referenceTracks: refFeatures.length,
  };
}
