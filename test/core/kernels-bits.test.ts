// Bit-level evidence that the WebAssembly kernels reproduce the JavaScript loops exactly: the noise kernel on
// many seeds and sizes, through fill, fillAffine and checkpoint/rollback, with signed zeros and non-finite values
// in the buffer a fill overwrites; and one inner iteration with the next Perturb folded in, over scattered masks
// with ragged runs; and the reuse of a released arena. Arrays are compared as raw 32-bit words, so -0 against +0
// and NaN payloads count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { KernelArena } from '../../src/core/kernels.js';
import { refineIteration, UncertainRuns } from '../../src/core/refine.js';
import { NormalRng } from '../../src/core/rng.js';
import { sample } from '../../src/core/sample.js';
import { explicitGrid } from '../../src/core/schedules.js';
import type { LatentShape } from '../../src/core/tensor.js';
import type { StepCoefficients } from '../../src/core/solvers.js';
import { arenaFor, inArena, normals } from '../helpers/kernels.js';

function words(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const x = words(actual);
  const y = words(expected);
  assert.equal(x.length, y.length, `${what}: length`);
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) assert.fail(`${what}: element ${i} is 0x${x[i].toString(16)}, expected 0x${y[i].toString(16)}`);
  }
}

/** What a fill overwrites: normals with signed zeros, infinities and NaN sprinkled in. */
function awkward(n: number, seed: number): Float32Array {
  const a = normals(n, seed);
  const specials = [0, -0, Infinity, -Infinity, NaN, -0, 0];
  for (let i = 0; i < n; i += 37) a[i] = specials[(i / 37) % specials.length];
  return a;
}

test('the noise kernel gives the JavaScript stream bit for bit on many seeds, sizes and affine coefficients', () => {
  const seeds = [0, 1, 42, 2 ** 31 + 5, 2 ** 40 + 3, -7];
  const sizes = [5, 64, 1027, 70_001];
  const coefficients: ReadonlyArray<readonly [number, number]> = [[0, 1], [-0, 1], [0.25, 0.75], [1, 0], [0.9, -0.3]];
  for (const n of sizes) {
    const arena = arenaFor(2 * KernelArena.footprint(n));
    const out = arena.float32(n);
    const base = arena.float32(n);
    for (const seed of seeds) {
      const js = new NormalRng(seed);
      const wasm = new NormalRng(seed);
      for (const [a, b] of coefficients) {
        const start = awkward(n, seed + n);
        const expected = Float32Array.from(start);
        const jsBase = normals(n, seed + 1);
        base.set(jsBase);
        out.set(start);
        js.fillAffine(expected, a === 0 && b === 1 ? expected : jsBase, a, b);
        wasm.fillAffine(out, a === 0 && b === 1 ? out : base, a, b);
        assertSameBits(out, expected, `seed ${seed}, n ${n}, a ${Object.is(a, -0) ? '-0' : a}, b ${b}`);
      }
      assert.equal(wasm.nextUint32(), js.nextUint32(), `seed ${seed}, n ${n}: both end in the same state`);
    }
  }
});

test('a fill over signed zeros and non-finite values gives the JavaScript bits (the float32 fill path)', () => {
  const n = 100_003;
  const arena = arenaFor(KernelArena.footprint(n));
  const out = arena.float32(n);
  for (const seed of [3, 4]) {
    const start = awkward(n, seed);
    const expected = Float32Array.from(start);
    out.set(start);
    new NormalRng(seed).fill(expected);
    new NormalRng(seed).fill(out);
    assertSameBits(out, expected, `seed ${seed}`);
  }
});

test('checkpoint and rollback give the same stream in the kernel as in JavaScript', () => {
  const n = 9_001;
  const arena = arenaFor(3 * KernelArena.footprint(n));
  const draw = (rng: NormalRng, place: (a: Float32Array) => Float32Array): Float32Array[] => {
    const a = place(new Float32Array(n));
    const b = place(new Float32Array(n));
    const c = place(normals(n, 8));
    rng.fill(a);
    rng.checkpoint();
    rng.fill(b);
    rng.rollback();
    rng.fillAffine(c, c, 0.4, 0.6);
    return [a, b, c];
  };
  const js = draw(new NormalRng(77), (a) => a);
  const wasm = draw(new NormalRng(77), (a) => inArena(arena, a));
  for (let i = 0; i < 3; i++) assertSameBits(wasm[i], js[i], `latent ${i}`);
});

test('an inner iteration with the next Perturb folded in gives the JavaScript bits over scattered masks', () => {
  // P = 4 099 positions: runs of every length mod 4 begin and end anywhere, so every vector tail is exercised.
  const C = 5;
  const P = 4099;
  const n = C * P;
  const co: StepCoefficients = { a: 1, b: 0, c: -0.07, d: 0, extra: null };
  const arena = arenaFor(6 * KernelArena.footprint(n) + KernelArena.footprint(P));
  const make = (place: (a: Float32Array) => Float32Array) => ({
    x0: place(normals(n, 3)),
    next: place(normals(n, 4)),
    xk: place(new Float32Array(n)),
    vk: place(new Float32Array(n)),
    eps: place(new Float32Array(n)),
    usum: place(new Float32Array(P)),
    certain: new Uint8Array(P),
    runs: new UncertainRuns(P),
  });
  const js = make((a) => a);
  const k = make((a) => inArena(arena, a));
  js.runs.reset();
  k.runs.reset();
  js.xk.set(normals(n, 9));
  k.xk.set(js.xk);
  for (let it = 0; it < 5; it++) {
    const vk = normals(n, 20 + it);
    for (let j = 0; j < n; j++) vk[j] *= 0.1 + (((j % P) * 7919) % 23) / 7;
    const eps = normals(n, 40 + it);
    for (const s of [js, k]) {
      s.vk.set(vk);
      s.eps.set(eps);
      refineIteration({ next: s.next, x0: s.x0, state: null, co }, s.xk, s.vk, 0.6, 0.9, s.usum, s.certain, s.runs, s.eps);
    }
    assert.ok(js.runs.count > 10 && js.runs.size < P, `iteration ${it}: a scattered partial mask (${js.runs.count} runs)`);
    assert.equal(k.runs.count, js.runs.count);
    assert.deepEqual(k.runs.bounds.subarray(0, 2 * k.runs.count), js.runs.bounds.subarray(0, 2 * js.runs.count));
    assert.deepEqual(k.certain, js.certain);
    assertSameBits(k.x0, js.x0, `x0 after iteration ${it}`);
    assertSameBits(k.next, js.next, `next after iteration ${it}`);
    assertSameBits(k.xk, js.xk, `the perturbed state after iteration ${it}`);
  }
});

test('long streams keep the bits they had before the kernels and the wedge bounds (golden hashes)', () => {
  // sha256 of fill then fillAffine(0.25, 0.75) in place over 3 000 001 values, and the next 32 bits, computed with the
  // plain JavaScript generator (Math.exp in every wedge test); ~90 000 draws fall outside their box per stream.
  const golden: ReadonlyArray<readonly [number, string, number]> = [
    [1, '1f5824659880f3566d58cfcec1a5d12cf4e3cf2b9fe075923397f3faad5a4bc2', 1776437526],
    [2024, 'ec13c9fb127b9c3c7394303f665387777698e65d8173099038407cee1211fa4a', 4110355577],
    [2 ** 33 + 7, '0495839bea593b2d3dd244c18a9c8c6762a8aa8096151bcf1598af11aa559e01', 2976589505],
  ];
  const n = 3_000_001;
  const inKernelArena = arenaFor(KernelArena.footprint(n)).float32(n);
  for (const [seed, hash, next] of golden) {
    for (const place of ['JavaScript', 'kernel'] as const) {
      const values = place === 'kernel' ? inKernelArena : new Float32Array(n);
      const rng = new NormalRng(seed);
      rng.fill(values);
      rng.fillAffine(values, values, 0.25, 0.75);
      const digest = createHash('sha256').update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest('hex');
      assert.equal(digest, hash, `seed ${seed} (${place})`);
      assert.equal(rng.nextUint32(), next, `seed ${seed} (${place}): the state after the stream`);
    }
  }
});

test('a released arena comes back zeroed for the next arena of its size, and only once', () => {
  const a = arenaFor(1000);
  const x = a.float32(600);
  x.fill(7);
  a.release();
  a.release();
  const b = arenaFor(1000);
  assert.equal(b, a, 'the same size gets the released arena');
  const y = b.float32(600);
  assert.equal(y.byteOffset, x.byteOffset, 'allocation starts over');
  assert.ok(y.every((v) => v === 0), 'and hands out zeroed values');
  assert.notEqual(arenaFor(1000), b, 'an arena in use is not handed out again');
  b.release();
  assert.notEqual(arenaFor(50_000), b, 'another size gets a memory of its own');
});

test('refined runs give the same bits whether their arena is fresh or reused', async () => {
  const shape: LatentShape = [4, 5, 60, 64];
  const size = 4 * 5 * 60 * 64;
  const model = {
    shape,
    timestep: (sigma: number): number => sigma,
    async evaluate(x: Float32Array, info: { sigma: number }, out: Float32Array): Promise<number> {
      for (let i = 0; i < x.length; i++) out[i] = 0.7 * x[i] - 0.02 * (i % 11) + 0.1 * info.sigma;
      return 1;
    },
  };
  const init = normals(size, 5);
  const run = async (): Promise<Float32Array> => {
    const plan = new Map([[0, 3], [1, 2]]);
    const result = await sample('euler', model, init, explicitGrid([1, 0.8, 0.5, 0]), {
      refine: { plan, tau: 0.2, noise: new NormalRng(3), stopWhenUncertainBelow: 0 },
    });
    return result.x;
  };
  const first = await run();
  const second = await run();
  assertSameBits(second, first, 'the second run (reused arena)');
});
