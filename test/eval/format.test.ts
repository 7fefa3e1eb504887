import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatInterval, formatNumber } from '../../src/eval/format.js';
import type { Interval } from '../../src/eval/stats.js';

const interval = (mean: number, lo: number, hi: number, n = 10): Interval => ({ mean, lo, hi, n });

test('formatNumber: three decimals, one from 100 up, exponent form for the very small and the very large', () => {
  assert.equal(formatNumber(0.95), '0.950');
  assert.equal(formatNumber(-1), '-1.000');
  assert.equal(formatNumber(123.456), '123.5');
  assert.equal(formatNumber(32, 1), '32.0');
  assert.equal(formatNumber(6.29e-4), '6.29e-4');
  assert.equal(formatNumber(2.5e5), '2.50e+5');
  assert.equal(formatNumber(0), '0.000');
  assert.equal(formatNumber(Number.NaN), '—');
});

test('formatInterval: plain values, rates in percent, signed differences marked when they exclude 0', () => {
  assert.equal(formatInterval(interval(0.064, -0.133, 0.004)), '0.064 [-0.133, 0.004]');
  assert.equal(formatInterval(interval(0.688, 0.563, 0.813), { percent: true }), '68.8 % [56.3, 81.3]');
  assert.equal(formatInterval(interval(0.146, 0.021, 0.271), { percent: true, signed: true }), '+14.6 pp [+2.1, +27.1] *');
  assert.equal(formatInterval(interval(0.104, -0.021, 0.229), { percent: true, signed: true }), '+10.4 pp [-2.1, +22.9]');
  assert.equal(formatInterval(interval(-0.664, -1.368, -0.201), { signed: true }), '-0.664 [-1.368, -0.201] *');
  assert.equal(formatInterval(interval(0.5, 0.4, 0.6), { percent: true, signed: true, bounds: false }), '+50.0 pp');
});

test('formatInterval: no interval, no samples or no finite mean give a dash; infinite bounds are left out', () => {
  assert.equal(formatInterval(null), '—');
  assert.equal(formatInterval(undefined), '—');
  assert.equal(formatInterval(interval(1, 0, 2, 0)), '—');
  assert.equal(formatInterval(interval(Number.NaN, 0, 2)), '—');
  assert.equal(formatInterval(interval(1.5, Number.NaN, Number.NaN), { signed: true }), '+1.500');
});
