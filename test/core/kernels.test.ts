// The WebAssembly kernels give the same bits as the JavaScript loops they replace: the same call on arrays in
// a KernelArena (kernels) and on ordinary arrays (JavaScript), on sizes with ragged SIMD tails and partial masks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sharedArena } from '../../src/core/kernels.js';
import { perturb, refineIteration, UncertainRuns } from '../../src/core/refine.js';
import { NormalRng } from '../../src/core/rng.js';
import { sample } from '../../src/core/sample.js';
import { explicitGrid } from '../../src/core/schedules.js';
import type { LatentShape } from '../../src/core/tensor.js';
import type { StepCoefficients } from '../../src/core/solvers.js';
import { arenaFor, inArena, normals } from '../helpers/kernels.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

test('the committed kernel bytes are what kernels.wat compiles to', () => {
  execFileSync(process.execPath, ['scripts/build-kernels.mjs', '--check'], { cwd: repoRoot, stdio: 'pipe' });
});

test('arrays in one arena share it; an ordinary array or a second arena does not', () => {
  const a = arenaFor(64);
  const b = arenaFor(64);
  const x = a.float32(10);
  const y = a.float32(7);
  assert.equal(sharedArena(x, y), a);
  assert.equal(sharedArena(x, new Float32Array(7)), null);
  assert.equal(sharedArena(x, b.float32(3)), null);
  assert.equal(y.byteOffset % 16, 0, 'every array starts on a whole vector');
  assert.throws(() => a.float32(1 << 20), RangeError);
});

test('the noise kernel draws the JavaScript stream bit for bit (fill, fillAffine, many reject lists)', () => {
  // 300 001 draws list ~4 500 rejects: more than one kernel call's list.
  for (const n of [1, 7, 8, 4099, 300_001]) {
    const arena = arenaFor(4 * n + 64);
    const base = normals(n, 5);
    const plain = { rng: new NormalRng(n), fill: new Float32Array(n).fill(-1), affine: new Float32Array(n), alias: Float32Array.from(base) };
    const kern = { rng: new NormalRng(n), fill: inArena(arena, plain.fill), affine: arena.float32(n), alias: inArena(arena, base) };
    const baseInArena = inArena(arena, base);
    for (const s of [plain, kern]) {
      s.rng.fill(s.fill);
      s.rng.fillAffine(s.affine, s === kern ? baseInArena : base, 0.3, 0.7);
      s.rng.fillAffine(s.alias, s.alias, 0.1, 0.9);
    }
    assert.deepEqual(kern.fill, plain.fill, `fill, n = ${n}`);
    assert.deepEqual(kern.affine, plain.affine, `fillAffine, n = ${n}`);
    assert.deepEqual(kern.alias, plain.alias, `fillAffine in place, n = ${n}`);
    assert.equal(kern.rng.nextUint32(), plain.rng.nextUint32(), 'both generators end in the same state');
  }
});

test('the perturb kernel equals the JavaScript perturb bit for bit', () => {
  for (const n of [3, 64, 1001]) {
    const arena = arenaFor(3 * n + 16);
    const x0 = normals(n, 1);
    const eps = normals(n, 2);
    const out = new Float32Array(n);
    perturb(out, x0, eps, 0.73);
    const outK = arena.float32(n);
    perturb(outK, inArena(arena, x0), inArena(arena, eps), 0.73);
    assert.deepEqual(outK, out);
  }
});

test('the uncertainty and Euler fusion kernels equal the JavaScript loops bit for bit over a growing mask', () => {
  // P = 4 099 positions: several blocks, ragged vector tails on every run.
  const C = 5;
  const P = 4099;
  const n = C * P;
  const co: StepCoefficients = { a: 1, b: 0, c: -0.07, d: 0, extra: null };
  const arena = arenaFor(5 * n + P + 64);
  const js = { x0: normals(n, 3), next: normals(n, 4), usum: new Float32Array(P), certain: new Uint8Array(P), runs: new UncertainRuns(P) };
  const k = { x0: inArena(arena, js.x0), next: inArena(arena, js.next), usum: arena.float32(P), certain: new Uint8Array(P), runs: new UncertainRuns(P) };
  const xkK = arena.float32(n);
  const vkK = arena.float32(n);
  js.runs.reset();
  k.runs.reset();
  for (let it = 0; it < 4; it++) {
    // Per-position scales make some positions certain at each threshold, in scattered runs.
    const xk = normals(n, 10 + it);
    const vk = normals(n, 20 + it);
    for (let j = 0; j < n; j++) vk[j] *= 0.2 + ((j % P) % 13) / 6;
    xkK.set(xk);
    vkK.set(vk);
    refineIteration({ next: js.next, x0: js.x0, state: null, co }, xk, vk, 0.6, 0.9, js.usum, js.certain, js.runs);
    refineIteration({ next: k.next, x0: k.x0, state: null, co }, xkK, vkK, 0.6, 0.9, k.usum, k.certain, k.runs);
    assert.ok(js.runs.size > 0 && js.runs.size < P, `a partial mask at iteration ${it} (${js.runs.size} uncertain)`);
    assert.equal(k.runs.size, js.runs.size);
    assert.deepEqual(k.certain, js.certain);
    assert.deepEqual(k.x0, js.x0);
    assert.deepEqual(k.next, js.next);
  }
});

test('the next Perturb folded into the fusion pass equals a separate Perturb after it, with and without kernels', () => {
  const C = 3;
  const P = 5000;
  const n = C * P;
  const co: StepCoefficients = { a: 1, b: 0, c: -0.1, d: 0, extra: null };
  const arena = arenaFor(14 * n + 2 * P + 64);
  const x0 = normals(n, 31);
  const eps = normals(n, 32);
  const xk = normals(n, 33);
  const vk = normals(n, 34);
  // Positions past 3 000 are certain already: the last blocks only get the Perturb.
  for (let j = 0; j < n; j++) if (j % P >= 3000) vk[j] = 0;
  for (const place of [(a: Float32Array) => Float32Array.from(a), (a: Float32Array) => inArena(arena, a)]) {
    const run = (fold: boolean): Float32Array[] => {
      const bufs = { x0: place(x0), next: place(x0), xk: place(xk), vk: place(vk), eps: place(eps), usum: place(new Float32Array(P)) };
      const runs = new UncertainRuns(P);
      runs.reset();
      runs.swap(1, 3000);
      runs.bounds[0] = 0;
      runs.bounds[1] = 3000;
      refineIteration({ next: bufs.next, x0: bufs.x0, state: null, co }, bufs.xk, bufs.vk, 0.5, 0.3, bufs.usum, new Uint8Array(P), runs, fold ? bufs.eps : null);
      if (!fold) perturb(bufs.xk, bufs.x0, bufs.eps, 0.5);
      return [bufs.x0, bufs.next, bufs.xk];
    };
    const [x0a, nexta, xka] = run(true);
    const [x0b, nextb, xkb] = run(false);
    assert.deepEqual(x0a, x0b);
    assert.deepEqual(nexta, nextb);
    assert.deepEqual(xka, xkb);
    assert.notDeepEqual(xka, place(xk), 'xk was perturbed');
  }
});

test('a refined run on a latent large enough for the kernels gives the bits the JavaScript loops gave', async () => {
  // 76,800 values (over the sampler's kernel threshold). The hashes were computed with the JavaScript loops alone.
  const shape: LatentShape = [4, 5, 60, 64];
  const size = 4 * 5 * 60 * 64;
  const model = {
    shape,
    timestep: (sigma: number): number => sigma,
    async evaluate(x: Float32Array, info: { sigma: number }, out: Float32Array): Promise<number> {
      for (let i = 0; i < x.length; i++) out[i] = 0.8 * x[i] - (0.3 * ((i % 17) - 8)) / 8 + 0.05 * info.sigma;
      return 1;
    },
  };
  const init = new Float32Array(size);
  new NormalRng(11).fill(init);
  const expected = {
    euler: ['dd107f186928269fb6e578763de9b80bfa2155eae679fc15f3cb3b870f754469', [0.23427083333333332, 0.45843750000000005, 0.7146354166666666]],
    unipc: ['563c8816df3bf123eccc79b27ab28be6d04b5e8e00c19d255771f891335bba50', [0.23427083333333332, 0.45843750000000005, 0.7147395833333333]],
  } as const;
  for (const solver of ['euler', 'unipc'] as const) {
    const fractions: number[] = [];
    const plan = new Map([[0, 3], [1, 3], [2, 2]]);
    const result = await sample(solver, model, init, explicitGrid([1, 0.9, 0.75, 0.5, 0.2]), {
      refine: { plan, tau: 0.2, noise: new NormalRng(7), stopWhenUncertainBelow: 0 },
      observer: (report) => {
        if (report.uncertainFraction !== null) fractions.push(report.uncertainFraction);
      },
    });
    const hash = createHash('sha256').update(new Uint8Array(result.x.buffer, result.x.byteOffset, result.x.byteLength)).digest('hex');
    assert.equal(result.nfe, 13);
    assert.deepEqual(fractions, expected[solver][1], `${solver}: uncertain fractions`);
    assert.equal(hash, expected[solver][0], `${solver}: final latent`);
  }
});
