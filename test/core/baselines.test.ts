import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestOfN, butterworthLowPass, restartExtraNfe, sampleFreeInit, sampleWithRestart } from '../../src/core/baselines.js';
import { guidedVelocity } from '../../src/core/guidance.js';
import { NormalRng } from '../../src/core/rng.js';
import { sample } from '../../src/core/sample.js';
import { flowGrid, renoiseGrid, tailGrid } from '../../src/core/schedules.js';
import { UNCONDITIONAL } from '../../src/core/model.js';
import { mixtureModel, noiseLatent } from '../helpers/mixture.js';

const guided = guidedVelocity({ model: mixtureModel([4, 2, 4, 4], 3, 5), condition: UNCONDITIONAL });
const grid = flowGrid(20, 3);

test('Restart spends steps × repeats extra NFE, is deterministic and changes the sample', async () => {
  const init = noiseLatent(128, 1);
  const plain = await sample('euler', guided, init, grid);
  const opts = { atStep: 8, sigmaHigh: 0.9, steps: 3, repeats: 2 };
  const a = await sampleWithRestart('euler', guided, init, grid, { ...opts, noise: new NormalRng(3) });
  const b = await sampleWithRestart('euler', guided, init, grid, { ...opts, noise: new NormalRng(3) });
  assert.equal(a.nfe, plain.nfe + restartExtraNfe(opts));
  assert.deepEqual(a.x, b.x);
  assert.notDeepEqual(a.x, plain.x);
  await assert.rejects(sampleWithRestart('euler', guided, init, grid, { ...opts, sigmaHigh: 0.1, noise: new NormalRng(3) }), /restart σ_high must lie in/);
});

test('Restart jump keeps the marginal: x_b has variance (1−σ_b)²·Var(x0) + σ_b² for x_a drawn at σ_a', () => {
  // With x0 = 0: x_a = σ_a ε, x_b = α x_a + sqrt(σ_b² − α²σ_a²) ε' must have std σ_b.
  const sa = 0.3, sb = 0.8;
  const alpha = (1 - sb) / (1 - sa);
  const r = new NormalRng(1);
  let v = 0;
  const n = 200_000;
  for (let i = 0; i < n; i++) {
    const xb = alpha * sa * r.normal() + Math.sqrt(sb * sb - alpha * alpha * sa * sa) * r.normal();
    v += xb * xb;
  }
  assert.ok(Math.abs(Math.sqrt(v / n) - sb) < 0.005);
});

test('FreeInit: one pass equals the plain sampler; more passes resample the grid tail below σ_re', async () => {
  const init = noiseLatent(128, 2);
  const plain = await sample('unipc', guided, init, grid);
  const one = await sampleFreeInit('unipc', guided, init, grid, { passes: 1, sigmaRenoise: 0.95, noise: new NormalRng(1) });
  assert.deepEqual(one.x, plain.x);
  const three = await sampleFreeInit('unipc', guided, init, grid, { passes: 3, sigmaRenoise: 0.95, noise: new NormalRng(1) });
  const tail = tailGrid(grid, 0.95).sigmas.length - 1;
  assert.equal(three.nfe, 20 + 2 * tail);
  assert.notDeepEqual(three.x, plain.x);
  for (const v of three.x) assert.ok(Number.isFinite(v));
});

test('FreeInit with steps: the later pass restarts at σ_re on a coarser grid picked from the grid below it', async () => {
  const coarse = renoiseGrid(grid, 0.936, 12);
  assert.equal(coarse.sigmas.length, 13);
  assert.equal(coarse.sigmas[0], 0.936);
  assert.equal(coarse.sigmas[12], 0);
  const own = new Set(grid.sigmas);
  for (let i = 1; i < 12; i++) {
    assert.ok(coarse.sigmas[i] < coarse.sigmas[i - 1], 'strictly decreasing');
    assert.ok(own.has(coarse.sigmas[i]), 'interior values come from the grid');
  }
  assert.deepEqual(renoiseGrid(grid, 0.936, 50).sigmas, tailGrid(grid, 0.936).sigmas, 'more steps than the grid has: its own tail');
  assert.throws(() => renoiseGrid(grid, 0.936, 0), /integer ≥ 1/);
  assert.throws(() => renoiseGrid(grid, 0.936, 2.5), /integer ≥ 1/);
  const two = await sampleFreeInit('unipc', guided, noiseLatent(128, 2), grid, { passes: 2, sigmaRenoise: 0.936, steps: 12, noise: new NormalRng(1) });
  assert.equal(two.nfe, 20 + 12);
  for (const v of two.x) assert.ok(Number.isFinite(v));
});

/** FreeInit's 3-D Butterworth mask in its own centred layout: index (t, h, w) of the fftshifted spectrum. */
function centredButterworth(F: number, H: number, W: number, n = 4, ds = 0.25, dt = 0.25): (t: number, h: number, w: number) => number {
  return (t, h, w) => {
    const d2 = ((ds / dt) * ((2 * t) / F - 1)) ** 2 + ((2 * h) / H - 1) ** 2 + ((2 * w) / W - 1) ** 2;
    return 1 / (1 + (d2 / (ds * ds)) ** n);
  };
}

/** Naive 3-D DFT of a complex (re, im) volume; inverse = conjugate kernel and 1/N. */
function dft3(re: Float64Array, im: Float64Array, dims: readonly [number, number, number], inverse: boolean): [Float64Array, Float64Array] {
  const [F, H, W] = dims;
  const P = F * H * W;
  const outRe = new Float64Array(P);
  const outIm = new Float64Array(P);
  const sign = inverse ? 1 : -1;
  for (let kf = 0; kf < F; kf++)
    for (let kh = 0; kh < H; kh++)
      for (let kw = 0; kw < W; kw++) {
        let sr = 0;
        let si = 0;
        for (let f = 0; f < F; f++)
          for (let h = 0; h < H; h++)
            for (let w = 0; w < W; w++) {
              const a = sign * 2 * Math.PI * ((kf * f) / F + (kh * h) / H + (kw * w) / W);
              const p = (f * H + h) * W + w;
              sr += re[p] * Math.cos(a) - im[p] * Math.sin(a);
              si += re[p] * Math.sin(a) + im[p] * Math.cos(a);
            }
        const k = (kf * H + kh) * W + kw;
        outRe[k] = inverse ? sr / P : sr;
        outIm[k] = inverse ? si / P : si;
      }
  return [outRe, outIm];
}

test('FreeInit mixes the re-noised low frequencies with fresh high ones exactly as a direct 3-D DFT does', async () => {
  // Odd and even sizes (3 frames: Bluestein and an off-centre fftshift), two channels.
  const [C, F, H, W] = [2, 3, 4, 6];
  const P = F * H * W;
  const n = C * P;
  // A constant velocity c: Euler is exact, so the first pass ends at x0 = ε0 − c and a one-step second pass
  // from σ_re at z − σ_re·c, which gives back the mixed latent z.
  const c = noiseLatent(n, 41);
  const constant = {
    shape: [C, F, H, W] as [number, number, number, number],
    timestep: (sigma: number) => 1000 * sigma,
    evaluate: async (_x: Float32Array, _info: unknown, out: Float32Array) => {
      out.set(c);
      return 1;
    },
  };
  const sigma = 0.936;
  const eps0 = noiseLatent(n, 42);
  const run = await sampleFreeInit('euler', constant, eps0, grid, { passes: 2, sigmaRenoise: sigma, steps: 1, noise: new NormalRng(43) });
  assert.equal(run.nfe, 20 + 1);
  const z = Float64Array.from(run.x, (v, i) => v + sigma * c[i]);

  const x0 = (await sample('euler', constant, eps0, grid)).x;
  const eta = noiseLatent(n, 43);
  const mask = centredButterworth(F, H, W);
  const shift = (k: number, N: number): number => (k + Math.floor(N / 2)) % N; // fftshift: unshifted k → centred index
  let worst = 0;
  for (let ch = 0; ch < C; ch++) {
    const zeros = new Float64Array(P);
    const renoised = Float64Array.from({ length: P }, (_, p) => (1 - sigma) * x0[ch * P + p] + sigma * eps0[ch * P + p]);
    const fresh = Float64Array.from({ length: P }, (_, p) => sigma * eta[ch * P + p]);
    const [lr, li] = dft3(renoised, zeros, [F, H, W], false);
    const [hr, hi] = dft3(fresh, zeros, [F, H, W], false);
    const mr = new Float64Array(P);
    const mi = new Float64Array(P);
    for (let f = 0; f < F; f++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) {
          const k = (f * H + h) * W + w;
          const g = mask(shift(f, F), shift(h, H), shift(w, W));
          mr[k] = g * lr[k] + (1 - g) * hr[k];
          mi[k] = g * li[k] + (1 - g) * hi[k];
        }
    const [expected] = dft3(mr, mi, [F, H, W], true);
    for (let p = 0; p < P; p++) worst = Math.max(worst, Math.abs(z[ch * P + p] - expected[p]));
  }
  assert.ok(worst <= 1e-5, `largest difference from the direct computation ${worst}`);
  // The mix is not trivial: z is neither the re-noised latent nor the fresh noise.
  assert.ok(Math.abs(z[0] - ((1 - sigma) * x0[0] + sigma * eps0[0])) > 1e-3);
});

test('Butterworth low-pass: 1 at DC, small at the highest frequencies, symmetric', () => {
  const F = 4, H = 8, W = 8;
  const lpf = butterworthLowPass(F, H, W);
  assert.equal(lpf[0], 1, 'DC (unshifted index 0) passes');
  const at = (f: number, h: number, w: number): number => lpf[(f * H + h) * W + w];
  assert.ok(at(2, 4, 4) < 0.01, `Nyquist corner ${at(2, 4, 4)}`);
  assert.ok(Math.abs(at(0, 1, 0) - at(0, H - 1, 0)) < 1e-12, 'symmetric in ±h');
  assert.ok(at(0, 1, 0) > at(0, 2, 0));
});

test('best-of-N keeps the highest score and pays every candidate', async () => {
  const init = (k: number): Float32Array => noiseLatent(128, 10 + k);
  const r = await bestOfN(4, (k) => sample('euler', guided, init(k), grid), (x) => -Math.abs(x[0] - 0.5));
  assert.equal(r.nfe, 80);
  assert.equal(r.scores.length, 4);
  assert.equal(r.bestIndex, r.scores.indexOf(Math.max(...r.scores)));
  assert.equal(-Math.abs(r.x[0] - 0.5), r.scores[r.bestIndex]);
});
