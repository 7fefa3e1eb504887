import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NormalRng } from '../../src/core/rng.js';
import { NpyNoiseStream, readInitialNoise } from '../../src/io/noise-file.js';
import { writeNpy } from '../../src/io/npy.js';
import { UsageError } from '../../src/errors.js';

test('the same seed gives the same numbers (golden values, any machine)', () => {
  const a = new Float32Array(8);
  new NormalRng(42).fill(a);
  const golden = [1.224790096282959, 0.3234453499317169, -0.34443557262420654, 1.4233310222625732, 0.13241831958293915, -0.024213096126914024, 0.028940550982952118, 0.21352295577526093];
  assert.deepEqual([...a], golden);
  const big = new NormalRng(2 ** 40 + 3);
  assert.equal(big.normal(), -0.8893869777938209);
  assert.equal(big.nextUint32(), 213444617);
});

test('different seeds differ; fills continue the stream', () => {
  const a = new Float32Array(1000);
  const b = new Float32Array(1000);
  new NormalRng(1).fill(a);
  new NormalRng(2).fill(b);
  assert.notDeepEqual(a, b);
  const r = new NormalRng(1);
  const c = new Float32Array(1000);
  r.fill(c);
  assert.deepEqual(a, c);
  r.fill(c);
  assert.notDeepEqual(a, c);
  assert.equal(r.draws, 2);
});

test('the ziggurat draws a standard normal (moments, tails and a χ² test on bins)', () => {
  const n = 4_000_000;
  const x = new Float32Array(n);
  new NormalRng(123).fill(x);
  let m = 0, m2 = 0, m3 = 0, m4 = 0;
  for (const v of x) { m += v; m2 += v * v; m3 += v ** 3; m4 += v ** 4; }
  m /= n; m2 /= n; m3 /= n; m4 /= n;
  assert.ok(Math.abs(m) < 0.003, `mean ${m}`);
  assert.ok(Math.abs(m2 - 1) < 0.004, `variance ${m2}`);
  assert.ok(Math.abs(m3) < 0.01, `skew ${m3}`);
  assert.ok(Math.abs(m4 - 3) < 0.03, `kurtosis ${m4}`);
  // χ² over 40 equiprobable-ish bins on [−4, 4] plus two tails.
  const erf = (z: number): number => {
    // Abramowitz–Stegun 7.1.26 is too coarse for a χ² test; integrate the density instead.
    let s = 0;
    const steps = 2000;
    for (let i = 0; i < steps; i++) {
      const t = ((i + 0.5) / steps) * z;
      s += Math.exp(-t * t);
    }
    return (2 / Math.sqrt(Math.PI)) * s * (z / steps);
  };
  const cdf = (z: number): number => 0.5 * (1 + erf(z / Math.SQRT2));
  const edges = [-Infinity];
  for (let k = -20; k <= 20; k++) edges.push(k * 0.2);
  edges.push(Infinity);
  const counts = new Float64Array(edges.length - 1);
  for (const v of x) {
    let lo = 0, hi = edges.length - 1;
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (v >= edges[mid]) lo = mid; else hi = mid; }
    counts[lo]++;
  }
  let chi2 = 0;
  for (let b = 0; b < counts.length; b++) {
    const p = (edges[b + 1] === Infinity ? 1 : cdf(edges[b + 1])) - (edges[b] === -Infinity ? 0 : cdf(edges[b]));
    chi2 += (counts[b] - n * p) ** 2 / (n * p);
  }
  // 41 degrees of freedom: the 99.9 % quantile is about 74.7.
  assert.ok(chi2 < 74.7, `χ² = ${chi2.toFixed(1)} over 42 bins`);
  let beyond4 = 0;
  for (const v of x) if (Math.abs(v) > 4) beyond4++;
  const expected = n * 6.334e-5;
  assert.ok(Math.abs(beyond4 - expected) < 5 * Math.sqrt(expected), `|x| > 4: ${beyond4}, expected ≈ ${expected.toFixed(0)}`);
});

test('fillAffine equals fill followed by the same arithmetic, bit for bit', () => {
  const base = new Float32Array(50_000);
  new NormalRng(5).fill(base);
  const eps = new Float32Array(base.length);
  new NormalRng(9).fill(eps);
  const direct = new Float32Array(base.length);
  new NormalRng(9).fillAffine(direct, base, 0.3, 0.7);
  const viaFill = base.map((b, i) => 0.3 * b + 0.7 * eps[i]);
  assert.deepEqual(direct, viaFill);
});

test('a .npy noise stream is consumed one latent per draw and errors when exhausted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-noise-'));
  try {
    const shape = [2, 1, 2, 2];
    const data = Float32Array.from({ length: 3 * 8 }, (_, i) => i);
    writeNpy(join(dir, 's.npy'), data, [3, ...shape]);
    const s = new NpyNoiseStream(join(dir, 's.npy'), shape);
    const out = new Float32Array(8);
    s.fill(out);
    assert.deepEqual([...out], [0, 1, 2, 3, 4, 5, 6, 7]);
    const base = new Float32Array(8).fill(1);
    s.fillAffine(out, base, 2, 1);
    assert.deepEqual([...out], [10, 11, 12, 13, 14, 15, 16, 17]);
    s.fill(out);
    assert.equal(s.draws, 3);
    assert.throws(() => s.fill(out), (e: Error) => e instanceof UsageError && /exhausted after 3 draw/.test(e.message));
    assert.throws(() => new NpyNoiseStream(join(dir, 's.npy'), [2, 1, 2, 3]), /does not fit latent \[2, 1, 2, 3\]/);
    writeNpy(join(dir, 'init.npy'), data.subarray(0, 8), shape);
    assert.deepEqual([...readInitialNoise(join(dir, 'init.npy'), shape)], [0, 1, 2, 3, 4, 5, 6, 7]);
    writeNpy(join(dir, 'u8.npy'), new Uint8Array(8), shape);
    assert.throws(() => readInitialNoise(join(dir, 'u8.npy'), shape), /dtype uint8 where float32 or float16 was expected/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoint and rollback return the stream to the saved position', () => {
  const r = new NormalRng(3);
  const a = new Float32Array(100);
  const b = new Float32Array(100);
  r.fill(a);
  r.checkpoint();
  r.fill(b);
  r.fill(b);
  assert.equal(r.draws, 3);
  r.rollback();
  assert.equal(r.draws, 1);
  const again = new Float32Array(100);
  r.fill(again);
  const ref = new NormalRng(3);
  ref.fill(b);
  ref.fill(b);
  assert.deepEqual(again, b, 'after the rollback the next draw is the second draw of the stream');
  assert.throws(() => r.rollback(), /without a checkpoint/);
});

test('seeds must be integers', () => {
  assert.throws(() => new NormalRng(1.5), UsageError);
});
