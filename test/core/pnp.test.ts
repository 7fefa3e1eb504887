// Predict-and-Perturb invariants (docs/sampling.md, "Predict-and-Perturb").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowGrid } from '../../src/core/schedules.js';
import { sample, type StepReport } from '../../src/core/sample.js';
import { guidedVelocity, type GuidedVelocity } from '../../src/core/guidance.js';
import { EMPTY_PLAN, parsePlan, planExtraNfe, windowPlan } from '../../src/core/plan.js';
import { NormalRng } from '../../src/core/rng.js';
import { UNCONDITIONAL } from '../../src/core/model.js';
import { mixtureModel, noiseLatent, relativeError } from '../helpers/mixture.js';
import { SOLVERS } from '../../src/core/solvers.js';

const model = mixtureModel([4, 2, 4, 4], 3, 3);
const guided = guidedVelocity({ model, condition: UNCONDITIONAL });
const SIZE = 128;
const grid = flowGrid(20, 3);
const plan = parsePlan('1-3:3,4-7:1');

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

for (const solver of SOLVERS) {
  test(`${solver}: an empty plan equals the plain solver bit for bit`, async () => {
    const init = noiseLatent(SIZE, 1);
    const plain = await sample(solver, guided, init, grid);
    const empty = await sample(solver, guided, init, grid, { refine: { plan: EMPTY_PLAN, tau: 0.25, noise: new NormalRng(9) } });
    assert.ok(sameBits(plain.x, empty.x));
    assert.equal(empty.nfe, plain.nfe);
  });

  test(`${solver}: τ = ∞ equals the plain steps while spending the extra NFE and noise`, async () => {
    const init = noiseLatent(SIZE, 2);
    const plain = await sample(solver, guided, init, grid);
    const noise = new NormalRng(9);
    const inf = await sample(solver, guided, init, grid, { refine: { plan, tau: Infinity, noise, stopWhenUncertainBelow: 0 } });
    assert.ok(sameBits(plain.x, inf.x), 'τ = ∞ must reproduce the plain run');
    assert.equal(inf.nfe, plain.nfe + planExtraNfe(plan));
    assert.equal(noise.draws, planExtraNfe(plan));
    // With the official early exit, every refined step stops after its first inner iteration.
    const early = await sample(solver, guided, init, grid, { refine: { plan, tau: Infinity, noise: new NormalRng(9) } });
    assert.ok(sameBits(plain.x, early.x));
    assert.equal(early.nfe, plain.nfe + plan.size);
    assert.equal(early.nfeSaved, planExtraNfe(plan) - plan.size);
  });

  test(`${solver}: refinement changes the result and the same noise reproduces it`, async () => {
    const init = noiseLatent(SIZE, 3);
    const plain = await sample(solver, guided, init, grid);
    const a = await sample(solver, guided, init, grid, { refine: { plan, tau: 0.25, noise: new NormalRng(4) } });
    const b = await sample(solver, guided, init, grid, { refine: { plan, tau: 0.25, noise: new NormalRng(4) } });
    const c = await sample(solver, guided, init, grid, { refine: { plan, tau: 0.25, noise: new NormalRng(5) } });
    assert.ok(sameBits(a.x, b.x));
    assert.ok(!sameBits(a.x, plain.x));
    assert.ok(!sameBits(a.x, c.x));
  });
}

/**
 * Mask-free P&P written directly from docs/sampling.md, "Predict-and-Perturb" (Euler), float32 storage like the sampler. With `heun`, each step then
 * takes Heun's second stage from the point and velocity of the candidate it kept: x_k + (σ' − σ)·(v_k + v')/2.
 */
async function maskFreeReference(model: GuidedVelocity, init: Float32Array, sigmas: Float64Array, K: ReadonlyMap<number, number>, seed: number, heun = false): Promise<Float32Array> {
  const rng = new NormalRng(seed);
  const n = init.length;
  let x = Float32Array.from(init);
  const v = new Float32Array(n);
  const eps = new Float32Array(n);
  for (let i = 0; i + 1 < sigmas.length; i++) {
    const s = sigmas[i];
    const dt = sigmas[i + 1] - s;
    const info = { step: i, sigma: s, timestep: Math.trunc(s * 1000) };
    await model.evaluate(x, info, v);
    let x0 = x.map((xi, j) => xi - s * v[j]);
    let next = x.map((xi, j) => xi + dt * v[j]);
    let start = x;
    for (let k = 0; k < (K.get(i) ?? 0); k++) {
      rng.fill(eps);
      const xk = x0.map((x0j, j) => (1 - s) * x0j + s * eps[j]);
      await model.evaluate(xk, info, v);
      x0 = xk.map((xj, j) => xj - s * v[j]);
      next = xk.map((xj, j) => xj + dt * v[j]);
      start = xk;
    }
    const sn = sigmas[i + 1];
    if (heun && sn > 0) {
      const vStart = Float32Array.from(v);
      await model.evaluate(next, { step: i, sigma: sn }, v);
      next = start.map((xj, j) => xj + 0.5 * dt * (vStart[j] + v[j]));
    }
    x = next;
  }
  return x;
}

test('τ = 0 equals mask-free P&P (independent Euler implementation)', async () => {
  const init = noiseLatent(SIZE, 6);
  const ours = await sample('euler', guided, init, grid, { refine: { plan, tau: 0, noise: new NormalRng(8) } });
  const ref = await maskFreeReference(guided, init, grid.sigmas, plan, 8);
  assert.ok(sameBits(ours.x, ref), 'τ = 0 must be mask-free P&P');
  assert.equal(ours.nfe, 20 + planExtraNfe(plan), 'with the mask off nothing becomes certain, so no early exit');
});

test('Heun with τ = 0 equals mask-free P&P on the Euler stage, then the correction at the fused point', async (t) => {
  const init = noiseLatent(SIZE, 6);
  const ours = await sample('heun', guided, init, grid, { refine: { plan, tau: 0, noise: new NormalRng(8) } });
  const ref = await maskFreeReference(guided, init, grid.sigmas, plan, 8, true);
  const err = relativeError(ours.x, ref);
  t.diagnostic(`relative error ${err.toExponential(2)}`);
  assert.ok(err <= 1e-5, `relative error ${err}`);
  const euler = await maskFreeReference(guided, init, grid.sigmas, plan, 8);
  assert.ok(relativeError(ours.x, euler) > 100 * Math.max(err, 1e-7), 'the second stage must change the result');
  assert.equal(ours.nfe, 20 + 19 + planExtraNfe(plan), 'one correction per step into σ > 0');
});

async function maskAfterStep(tau: number): Promise<{ certain: Uint8Array; fraction: number; inner: number }[]> {
  const reports: { certain: Uint8Array; fraction: number; inner: number }[] = [];
  await sample('euler', guided, noiseLatent(SIZE, 7), grid, {
    refine: { plan: parsePlan('5:6'), tau, noise: new NormalRng(1), stopWhenUncertainBelow: 0 },
    observer: (r: StepReport) => {
      if (r.certain !== null) reports.push({ certain: Uint8Array.from(r.certain), fraction: r.uncertainFraction ?? -1, inner: r.innerIterations });
    },
  });
  return reports;
}

test('the uncertainty mask covers F·H·W positions and a larger τ leaves fewer uncertain', async () => {
  const taus = [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, Infinity];
  const fractions: number[] = [];
  for (const tau of taus) {
    const reports = await maskAfterStep(tau);
    assert.equal(reports.length, 1, 'one refined step reports a mask');
    const [{ certain, fraction, inner }] = reports;
    assert.equal(inner, 6);
    assert.equal(certain.length, 2 * 4 * 4, 'one mask value per latent position (F·H·W)');
    const uncertain = certain.filter((c) => c === 0).length / certain.length;
    assert.ok(Math.abs(uncertain - fraction) < 1e-12);
    fractions.push(fraction);
  }
  assert.equal(fractions[0], 1, 'τ = 0: nothing is certain');
  assert.equal(fractions[fractions.length - 1], 0, 'τ = ∞: everything is certain');
  for (let i = 1; i < fractions.length; i++) assert.ok(fractions[i] <= fractions[i - 1], `not monotone in τ: ${fractions.join(', ')}`);
  assert.ok(fractions.some((f) => f > 0 && f < 1), `some τ should leave a partial mask: ${fractions.join(', ')}`);
});

test('drawing the next noise while the model runs changes nothing: same result and draws as a plain source', async () => {
  // A source without checkpoint/rollback is never prefetched; wrap the same seeded stream.
  const plainSource = (seed: number) => {
    const rng = new NormalRng(seed);
    return { fill: (o: Float32Array) => rng.fill(o), fillAffine: (o: Float32Array, b: Float32Array, a: number, s: number) => rng.fillAffine(o, b, a, s), get draws() { return rng.draws; } };
  };
  for (const stop of [0, 0.3]) {
    const init = noiseLatent(SIZE, 12);
    const withPrefetch = new NormalRng(21);
    const a = await sample('unipc', guided, init, grid, { refine: { plan: parsePlan('2-6:4'), tau: 0.1, noise: withPrefetch, stopWhenUncertainBelow: stop } });
    const without = plainSource(21);
    const b = await sample('unipc', guided, init, grid, { refine: { plan: parsePlan('2-6:4'), tau: 0.1, noise: without, stopWhenUncertainBelow: stop } });
    assert.ok(sameBits(a.x, b.x));
    assert.equal(withPrefetch.draws, without.draws, 'rolled-back speculative draws are not counted');
    if (stop > 0) assert.ok(a.nfeSaved > 0, 'the case with early stops must be exercised');
  }
});

test('the Wan2.2 T2V plan on 40 steps costs 60 NFE without early exit', async () => {
  const wanPlan = parsePlan('2-5:3,6-13:1');
  assert.equal(planExtraNfe(wanPlan), 20);
  const r = await sample('unipc', guided, noiseLatent(SIZE, 1), flowGrid(40, 12), {
    refine: { plan: wanPlan, tau: 0.2, noise: new NormalRng(1), stopWhenUncertainBelow: 0 },
  });
  assert.equal(r.nfe, 60);
  assert.equal(r.refinedSteps, 12);
  assert.equal(r.innerIterations, 20);
});

test('adaptive P&P stops steps early and reports the NFE it saved', async () => {
  const init = noiseLatent(SIZE, 9);
  const kmax = windowPlan(20, 0.4, 6);
  const full = await sample('euler', guided, init, grid, { refine: { plan: kmax, tau: 0.25, noise: new NormalRng(2), stopWhenUncertainBelow: 0 } });
  const adaptive = await sample('euler', guided, init, grid, { refine: { plan: kmax, tau: 0.25, noise: new NormalRng(2), stopWhenUncertainBelow: 0.2 } });
  assert.equal(full.nfe, 20 + 8 * 6);
  assert.ok(adaptive.nfeSaved > 0, 'adaptive refinement should skip some iterations');
  assert.equal(adaptive.nfe + adaptive.nfeSaved, full.nfe);
});

test('mode seeking: P&P iterations at a fixed σ move x̂0 toward a component mean', async (t) => {
  // Two well separated components; start from the midpoint at σ = 0.6 and iterate Predict-and-Perturb.
  const shape = [2, 1, 4, 4] as const;
  const d = 32;
  const mu1 = Array.from({ length: d }, (_, j) => (j % 2 === 0 ? 1 : -1));
  const mu2 = mu1.map((m) => -m);
  const { GaussianMixtureModel, parseMixtureSpec } = await import('../../src/models/gmm.js');
  const two = new GaussianMixtureModel(parseMixtureSpec({ shape, components: [
    { weight: 1, mean: mu1, std: 0.3 },
    { weight: 1, mean: mu2, std: 0.3 },
  ] }));
  const g = guidedVelocity({ model: two, condition: UNCONDITIONAL });
  const sigma = 0.6;
  const info = { step: 0, sigma, timestep: 600 };
  const dist = (x0: Float32Array): number => {
    const dd = (mu: number[]): number => Math.sqrt(mu.reduce((s, m, j) => s + (x0[j] - m) ** 2, 0) / d);
    return Math.min(dd(mu1), dd(mu2));
  };
  let before = 0;
  let after = 0;
  const trials = 20;
  for (let t = 0; t < trials; t++) {
    const rng = new NormalRng(100 + t);
    const eps = new Float32Array(d);
    rng.fill(eps);
    // x at σ whose clean part is the midpoint of the two means (0) plus noise.
    let x = eps.map((e) => sigma * e);
    const v = new Float32Array(d);
    await g.evaluate(x, info, v);
    let x0 = x.map((xi, j) => xi - sigma * v[j]);
    before += dist(x0);
    for (let k = 0; k < 8; k++) {
      rng.fill(eps);
      x = x0.map((m, j) => (1 - sigma) * m + sigma * eps[j]);
      await g.evaluate(x, info, v);
      x0 = x.map((xi, j) => xi - sigma * v[j]);
    }
    after += dist(x0);
  }
  before /= trials;
  after /= trials;
  t.diagnostic(`mean RMS distance to the nearest mean: ${before.toFixed(3)} → ${after.toFixed(3)} after 8 iterations`);
  assert.ok(after < 0.5 * before, `mean distance to the nearest mode should shrink: ${before.toFixed(3)} → ${after.toFixed(3)}`);
});
