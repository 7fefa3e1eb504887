import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceHalves } from '../../src/eval/evaluate.js';

test('reference halves alternate whole cycles of the conditions, so both see every scenario', () => {
  const items = Array.from({ length: 16 }, (_, i) => `s${i % 4}`);
  const [a, b] = referenceHalves(items, 4);
  assert.deepEqual([...new Set(a)].sort(), ['s0', 's1', 's2', 's3']);
  assert.deepEqual([...new Set(b)].sort(), ['s0', 's1', 's2', 's3']);
  assert.equal(a.length + b.length, 16);
  // Alternating single clips would have split the scenarios by parity.
  const [c] = referenceHalves(items.slice(0, 6), 4);
  assert.equal(c.length, 3, 'fewer than two cycles: alternate clips');
});
