// The blocked refinement kernel against a direct per-position implementation of docs/sampling.md, "Predict-and-Perturb",
// on a latent large enough to cross several blocks, with a partial mask that grows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refineIteration, UncertainRuns } from '../../src/core/refine.js';
import { NormalRng } from '../../src/core/rng.js';
import type { StepCoefficients } from '../../src/core/solvers.js';

function naiveIteration(
  next: Float32Array, x0: Float32Array, state: Float32Array | null, co: StepCoefficients,
  xk: Float32Array, vk: Float32Array, sigma: number, tau: number, certain: Uint8Array, C: number,
): void {
  const P = certain.length;
  for (let p = 0; p < P; p++) {
    if (certain[p] === 1) continue;
    let u = 0;
    for (let c = 0; c < C; c++) {
      const j = c * P + p;
      u += Math.abs(Math.fround(xk[j] - sigma * vk[j]) - x0[j]);
    }
    if (u / C < tau) certain[p] = 1;
  }
  for (let p = 0; p < P; p++) {
    if (certain[p] === 1) continue;
    for (let c = 0; c < C; c++) {
      const j = c * P + p;
      const x0k = Math.fround(xk[j] - sigma * vk[j]);
      x0[j] = x0k;
      next[j] = co.a * xk[j] + co.b * x0k + co.c * vk[j] + (co.extra === null ? 0 : co.d * co.extra[j]);
      if (state !== null) state[j] = xk[j];
    }
  }
}

function filled(n: number, seed: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  new NormalRng(seed).fill(a);
  for (let i = 0; i < n; i++) a[i] *= scale;
  return a;
}

for (const [name, withExtra] of [['Euler-like step', false], ['multistep step with history', true]] as const) {
  test(`refineIteration equals the direct implementation across blocks (${name})`, () => {
    const C = 3;
    const P = 5003; // several 2048-position blocks and a ragged tail
    const n = C * P;
    const extra = withExtra ? filled(n, 99) : null;
    const co: StepCoefficients = withExtra ? { a: 0.9, b: 0.07, c: 0, d: 0.03, extra } : { a: 1, b: 0, c: -0.05, d: 0, extra: null };
    const sigma = 0.7;
    const ours = { next: filled(n, 1), x0: filled(n, 2), state: withExtra ? filled(n, 3) : null };
    const ref = { next: Float32Array.from(ours.next), x0: Float32Array.from(ours.x0), state: ours.state === null ? null : Float32Array.from(ours.state) };
    const certain = new Uint8Array(P);
    const certainRef = new Uint8Array(P);
    const usum = new Float32Array(P);
    const runs = new UncertainRuns(P);
    runs.reset();
    const sizes: number[] = [];
    for (let k = 0; k < 4; k++) {
      // Noise of growing scale leaves a partial, growing certain set.
      const xk = filled(n, 10 + k);
      const vk = filled(n, 20 + k, 0.5);
      for (let j = 0; j < n; j++) xk[j] = ours.x0[j] + sigma * vk[j] + (k + 1) * 0.3 * xk[j];
      refineIteration({ next: ours.next, x0: ours.x0, state: ours.state, co }, xk, vk, sigma, 0.6, usum, certain, runs);
      naiveIteration(ref.next, ref.x0, ref.state, co, xk, vk, sigma, 0.6, certainRef, C);
      assert.deepEqual(certain, certainRef, `certain set after iteration ${k}`);
      assert.deepEqual(ours.x0, ref.x0, `x0 after iteration ${k}`);
      assert.deepEqual(ours.next, ref.next, `next after iteration ${k}`);
      if (ours.state !== null) assert.deepEqual(ours.state, ref.state);
      const uncertain = certainRef.reduce((s, c) => s + (c === 0 ? 1 : 0), 0);
      assert.equal(runs.size, uncertain);
      let covered = 0;
      for (let r = 0; r < runs.count; r++) {
        const [f, t] = [runs.bounds[2 * r], runs.bounds[2 * r + 1]];
        assert.ok(f < t && (r === 0 || runs.bounds[2 * r - 1] < f), 'runs are sorted, non-empty, not touching');
        for (let p = f; p < t; p++) assert.equal(certainRef[p], 0);
        covered += t - f;
      }
      assert.equal(covered, uncertain);
      sizes.push(uncertain);
    }
    assert.ok(sizes[0] > 0 && sizes[0] < P, `partial mask: ${sizes.join(', ')}`);
    for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i] <= sizes[i - 1], 'the certain set only grows');
  });
}
