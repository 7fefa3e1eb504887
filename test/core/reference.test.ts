// Euler, Heun, UniPC and DPM++(2M) against independent float64 implementations (docs/sampling.md, "UniPC"; k-diffusion's sample_heun
// and sample_dpmpp_2m).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowGrid, karrasRfGrid, shiftSigma } from '../../src/core/schedules.js';
import { sampleDpmpp2m, sampleEuler, sampleHeun, sampleUniPC } from '../../src/core/sample.js';
import { solverNfe } from '../../src/core/solvers.js';
import { guidedVelocity } from '../../src/core/guidance.js';
import { UNCONDITIONAL } from '../../src/core/model.js';
import type { MixtureSpec } from '../../src/models/gmm.js';
import { COSMOS_FAMILY, wanTimestep } from '../../src/models/family.js';
import { mixtureModel, mixtureSpec, noiseLatent, relativeError } from '../helpers/mixture.js';

/** Exact mixture velocity in float64 (independent of src/models/gmm.ts). */
function velocity64(spec: MixtureSpec, x: Float64Array, sigma: number): Float64Array {
  const a = 1 - sigma;
  const logp = spec.components.map((c) => {
    const varc = a * a * c.std * c.std + sigma * sigma;
    let sq = 0;
    for (let j = 0; j < x.length; j++) sq += (x[j] - a * c.mean[j]) ** 2;
    return Math.log(c.weight) - sq / (2 * varc) - (x.length / 2) * Math.log(varc);
  });
  const mx = Math.max(...logp);
  const w = logp.map((l) => Math.exp(l - mx));
  const total = w.reduce((s, v) => s + v, 0);
  // v = (x − E[x0|x]) / σ
  const out = new Float64Array(x.length);
  spec.components.forEach((c, k) => {
    const varc = a * a * c.std * c.std + sigma * sigma;
    const gain = (a * c.std * c.std) / varc;
    for (let j = 0; j < x.length; j++) {
      const ex0 = c.mean[j] + gain * (x[j] - a * c.mean[j]);
      out[j] += (w[k] / total) * ((x[j] - ex0) / sigma);
    }
  });
  return out;
}

function euler64(spec: MixtureSpec, x0: Float32Array, sigmas: Float64Array): Float64Array {
  let x = Float64Array.from(x0);
  for (let i = 0; i + 1 < sigmas.length; i++) {
    const v = velocity64(spec, x, sigmas[i]);
    x = x.map((xi, j) => xi + (sigmas[i + 1] - sigmas[i]) * v[j]);
  }
  return x;
}

/** Heun in k-diffusion's form (sample_heun, churn 0): d = v, Euler into σ = 0, else the trapezoid of v and v'. */
function heun64(spec: MixtureSpec, init: Float32Array, sigmas: Float64Array): Float64Array {
  let x = Float64Array.from(init);
  for (let i = 0; i + 1 < sigmas.length; i++) {
    const dt = sigmas[i + 1] - sigmas[i];
    const d = velocity64(spec, x, sigmas[i]);
    const x2 = x.map((xj, j) => xj + dt * d[j]);
    if (sigmas[i + 1] === 0) {
      x = x2;
      continue;
    }
    const d2 = velocity64(spec, x2, sigmas[i + 1]);
    x = x.map((xj, j) => xj + 0.5 * dt * (d[j] + d2[j]));
  }
  return x;
}

/** UniPC bh2 as written in docs/sampling.md, "UniPC" (m at the uncorrected x; corrector; lower-order final). */
function unipc64(spec: MixtureSpec, init: Float32Array, sigmas: Float64Array): Float64Array {
  const N = sigmas.length - 1;
  const lam = (s: number): number => Math.log((1 - s) / s);
  const ms: Float64Array[] = [];
  const orders: number[] = [];
  let xPred = Float64Array.from(init);
  let xc = xPred;
  for (let i = 0; i < N; i++) {
    const s = sigmas[i];
    const v = velocity64(spec, xPred, s);
    const m = xPred.map((xi, j) => xi - s * v[j]);
    if (i > 0) {
      const h = lam(s) - lam(sigmas[i - 1]);
      const phi = Math.expm1(-h);
      const B = phi;
      const alpha = 1 - s;
      const mPrev = ms[i - 1];
      const xt = xc.map((xj, j) => (s / sigmas[i - 1]) * xj - alpha * phi * mPrev[j]);
      const pc = orders[i - 1];
      if (pc === 1) {
        xc = xt.map((xj, j) => xj - alpha * B * 0.5 * (m[j] - mPrev[j]));
      } else {
        const r = (lam(sigmas[i - 2]) - lam(sigmas[i - 1])) / h;
        const D = ms[i - 2].map((m2, j) => (m2 - mPrev[j]) / r);
        const b1 = (phi / -h - 1) / B;
        const b2 = (2 * ((phi / -h - 1) / -h - 0.5)) / B;
        const det = 1 * 1 - 1 * r;
        const rho0 = (b1 * 1 - 1 * b2) / det;
        const rho1 = (1 * b2 - r * b1) / det;
        xc = xt.map((xj, j) => xj - alpha * B * (rho0 * D[j] + rho1 * (m[j] - mPrev[j])));
      }
    } else {
      xc = xPred;
    }
    ms.push(m);
    const p = Math.min(2, N - i, i + 1);
    orders.push(p);
    const sn = sigmas[i + 1];
    if (sn === 0) return m;
    const h = lam(sn) - lam(s);
    const phi = Math.expm1(-h);
    const alphaN = 1 - sn;
    let next = xc.map((xj, j) => (sn / s) * xj - alphaN * phi * m[j]);
    if (p === 2) {
      const rp = (lam(sigmas[i - 1]) - lam(s)) / h;
      next = next.map((nj, j) => nj - alphaN * phi * 0.5 * ((ms[i - 1][j] - m[j]) / rp));
    }
    xPred = next;
  }
  return xPred;
}

/**
 * DPM-Solver++(2M) in k-diffusion's form (sample_dpmpp_2m), written for the flow path x = (1 − σ)·x0 + σ·ε:
 * λ = log((1 − σ)/σ), x' = (σ'/σ)·x − (1 − σ')·expm1(−h)·D, D = (1 + 1/2r)·x̂0 − (1/2r)·x̂0_prev with
 * r = h_prev/h (first order on the first step and into σ = 0).
 */
function dpmpp2m64(spec: MixtureSpec, init: Float32Array, sigmas: Float64Array): Float64Array {
  const lam = (s: number) => Math.log((1 - s) / s);
  let x = Float64Array.from(init);
  let old: Float64Array | null = null;
  let hPrev = 0;
  for (let i = 0; i + 1 < sigmas.length; i++) {
    const s = sigmas[i];
    const sn = sigmas[i + 1];
    const v = velocity64(spec, x, s);
    const den = x.map((xj, j) => xj - s * v[j]);
    if (sn === 0) return den;
    const h = lam(sn) - lam(s);
    let d = den;
    if (old !== null) {
      const r = hPrev / h;
      const prev = old;
      d = den.map((dj, j) => (1 + 1 / (2 * r)) * dj - (1 / (2 * r)) * prev[j]);
    }
    x = x.map((xj, j) => (sn / s) * xj - (1 - sn) * Math.expm1(-h) * d[j]);
    old = den;
    hPrev = h;
  }
  return x;
}

const spec = mixtureSpec([4, 2, 4, 4], 3, 11);
const model = mixtureModel([4, 2, 4, 4], 3, 11);
const guided = guidedVelocity({ model, condition: UNCONDITIONAL });

for (const [steps, shift] of [
  [20, 3],
  [40, 12],
  [10, 5],
] as const) {
  const grid = flowGrid(steps, shift);
  for (const seed of [1, 2]) {
    const init = noiseLatent(128, seed);
    test(`Euler matches the float64 reference (N=${steps}, shift ${shift}, seed ${seed})`, async (t) => {
      const r = await sampleEuler(guided, init, grid);
      const err = relativeError(r.x, euler64(spec, init, grid.sigmas));
      t.diagnostic(`relative error ${err.toExponential(2)}`);
      assert.ok(err <= 1e-5, `relative error ${err}`);
      assert.equal(r.nfe, steps);
    });
    test(`Heun matches the float64 reference (N=${steps}, shift ${shift}, seed ${seed})`, async (t) => {
      const r = await sampleHeun(guided, init, grid);
      const err = relativeError(r.x, heun64(spec, init, grid.sigmas));
      t.diagnostic(`relative error ${err.toExponential(2)}`);
      assert.ok(err <= 1e-5, `relative error ${err}`);
      assert.equal(r.nfe, 2 * steps - 1, 'two evaluations per step, one into σ = 0');
      assert.equal(solverNfe('heun', grid), r.nfe);
    });
    test(`UniPC matches the float64 reference (N=${steps}, shift ${shift}, seed ${seed})`, async (t) => {
      const r = await sampleUniPC(guided, init, grid);
      const err = relativeError(r.x, unipc64(spec, init, grid.sigmas));
      t.diagnostic(`relative error ${err.toExponential(2)}`);
      assert.ok(err <= 1e-5, `relative error ${err}`);
      assert.equal(r.nfe, steps);
    });
    test(`DPM++(2M) matches the float64 reference (N=${steps}, shift ${shift}, seed ${seed})`, async (t) => {
      const r = await sampleDpmpp2m(guided, init, grid);
      const err = relativeError(r.x, dpmpp2m64(spec, init, grid.sigmas));
      t.diagnostic(`relative error ${err.toExponential(2)}`);
      assert.ok(err <= 1e-5, `relative error ${err}`);
      assert.equal(r.nfe, steps);
      const u = relativeError(r.x, unipc64(spec, init, grid.sigmas));
      assert.ok(u > 10 * err, `DPM++(2M) should differ from UniPC with its corrector (difference ${u}, error ${err})`);
    });
  }
}

test('UniPC differs from Euler and is more accurate on few steps', async () => {
  const init = noiseLatent(128, 5);
  const coarse = flowGrid(6, 3);
  const fine = flowGrid(400, 3);
  const truth = euler64(spec, init, fine.sigmas);
  const e = relativeError((await sampleEuler(guided, init, coarse)).x, truth);
  const u = relativeError((await sampleUniPC(guided, init, coarse)).x, truth);
  assert.ok(u < e, `UniPC error ${u} should be below Euler error ${e}`);
});

test('Heun converges at second order where Euler converges at first', async (t) => {
  // Error against a fine reference on grids of 32, 64 and 128 steps (coarser ones are not yet asymptotic here); σ stays away from 0 (the last step is Euler for
  // every solver), so the order shows: halving the step divides Heun's error by about 4 and Euler's by about 2.
  const init = noiseLatent(128, 4);
  const sub = (n: number): Float64Array => Float64Array.from({ length: n + 1 }, (_, k) => 0.9 - (0.6 * k) / n);
  const truth = heun64(spec, init, sub(4096));
  const rate = async (run: typeof sampleEuler): Promise<number[]> => {
    const errs: number[] = [];
    for (const n of [32, 64, 128]) {
      const sigmas = sub(n);
      const g = { sigmas };
      errs.push(relativeError((await run(guided, init, g)).x, truth));
    }
    return [errs[0] / errs[1], errs[1] / errs[2]];
  };
  const heun = await rate(sampleHeun);
  const euler = await rate(sampleEuler);
  t.diagnostic(`error ratios per halving: Heun ${heun.map((r) => r.toFixed(2)).join(', ')}; Euler ${euler.map((r) => r.toFixed(2)).join(', ')}`);
  for (const r of heun) assert.ok(r > 3.2 && r < 4.8, `Heun should be second order: ratio ${r}`);
  for (const r of euler) assert.ok(r > 1.6 && r < 2.4, `Euler should be first order: ratio ${r}`);
});

test('Wan grids: first integer timesteps as docs/sampling.md lists them', () => {
  const expect: Record<number, number[]> = {
    12: [999, 997, 995, 993, 990, 988],
    5: [999, 994, 989, 983, 978, 972],
    3: [999, 991, 982, 973, 963, 954],
  };
  for (const [shift, first] of Object.entries(expect)) {
    const grid = flowGrid(40, Number(shift));
    assert.deepEqual([...grid.sigmas.slice(0, 6)].map(wanTimestep), first, `shift ${shift}`);
    assert.equal(grid.sigmas.length, 41);
    assert.equal(grid.sigmas[40], 0);
  }
});

test('shift and Karras-RF grid follow their formulas', () => {
  assert.equal(shiftSigma(0.5, 1), 0.5);
  assert.ok(Math.abs(shiftSigma(0.5, 3) - 0.75) < 1e-15);
  const g = karrasRfGrid(35);
  assert.equal(g.sigmas.length, 37, '36 Karras points and the final 0');
  assert.ok(Math.abs(g.sigmas[0] - 200 / 201) < 1e-12);
  assert.ok(Math.abs(g.sigmas[35] - 0.01 / 1.01) < 1e-12);
  for (let i = 1; i < g.sigmas.length; i++) assert.ok(g.sigmas[i] < g.sigmas[i - 1]);
  assert.equal(COSMOS_FAMILY.timestep(g.sigmas[0]), g.sigmas[0], 'Cosmos feeds σ itself');
});
