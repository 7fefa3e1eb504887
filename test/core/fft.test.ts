import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ComplexFft, Fft3 } from '../../src/core/fft.js';
import { NormalRng } from '../../src/core/rng.js';

function naiveDft(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    let re = 0, im = 0;
    for (let t = 0; t < n; t++) {
      const ang = (-2 * Math.PI * k * t) / n;
      re += x[2 * t] * Math.cos(ang) - x[2 * t + 1] * Math.sin(ang);
      im += x[2 * t] * Math.sin(ang) + x[2 * t + 1] * Math.cos(ang);
    }
    out[2 * k] = re;
    out[2 * k + 1] = im;
  }
  return out;
}

function randomComplex(n: number, seed: number): Float64Array {
  const r = new NormalRng(seed);
  return Float64Array.from({ length: 2 * n }, () => r.normal());
}

for (const n of [1, 2, 3, 4, 7, 8, 13, 21, 60, 104]) {
  test(`1-D FFT of length ${n} matches the DFT and inverts`, () => {
    const x = randomComplex(n, n);
    const y = Float64Array.from(x);
    const fft = new ComplexFft(n);
    fft.forward(y);
    const ref = naiveDft(x, n);
    for (let i = 0; i < 2 * n; i++) assert.ok(Math.abs(y[i] - ref[i]) < 1e-9 * (1 + Math.abs(ref[i])), `bin ${i}: ${y[i]} vs ${ref[i]}`);
    fft.inverse(y);
    for (let i = 0; i < 2 * n; i++) assert.ok(Math.abs(y[i] - x[i]) < 1e-10);
  });
}

test('3-D FFT equals a separable DFT and inverts', () => {
  const dims = [3, 4, 5] as const;
  const n = 60;
  const x = randomComplex(n, 1);
  const y = Float64Array.from(x);
  new Fft3(dims).forward(y);
  // DC bin is the plain sum.
  let sr = 0, si = 0;
  for (let i = 0; i < n; i++) { sr += x[2 * i]; si += x[2 * i + 1]; }
  assert.ok(Math.abs(y[0] - sr) < 1e-9 && Math.abs(y[1] - si) < 1e-9);
  // A generic bin (f=1, h=2, w=3) by direct summation.
  let re = 0, im = 0;
  for (let f = 0; f < 3; f++) for (let h = 0; h < 4; h++) for (let w = 0; w < 5; w++) {
    const ang = -2 * Math.PI * ((1 * f) / 3 + (2 * h) / 4 + (3 * w) / 5);
    const j = (f * 4 + h) * 5 + w;
    re += x[2 * j] * Math.cos(ang) - x[2 * j + 1] * Math.sin(ang);
    im += x[2 * j] * Math.sin(ang) + x[2 * j + 1] * Math.cos(ang);
  }
  const bin = (1 * 4 + 2) * 5 + 3;
  assert.ok(Math.abs(y[2 * bin] - re) < 1e-9 && Math.abs(y[2 * bin + 1] - im) < 1e-9);
  new Fft3(dims).inverse(y);
  for (let i = 0; i < 2 * n; i++) assert.ok(Math.abs(y[i] - x[i]) < 1e-10);
});
