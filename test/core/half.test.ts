import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bfloat16ToFloat32, float16ToFloat32, float32ToFloat16, float32ToHalf, halfToFloat32 } from '../../src/core/half.js';

test('float32 → float16 rounds to nearest, ties to even, and saturates to Inf', () => {
  // 1 + 2^-11 lies halfway between 1 and the next half (1 + 2^-10): ties go to the even mantissa (1).
  assert.equal(float32ToFloat16(1 + 2 ** -11), 0x3c00);
  // 1 + 3·2^-11 lies halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even).
  assert.equal(float32ToFloat16(1 + 3 * 2 ** -11), 0x3c02);
  assert.equal(float32ToFloat16(65504), 0x7bff);
  assert.equal(float32ToFloat16(65520), 0x7c00, 'rounds up past the largest half into Inf');
  assert.equal(float32ToFloat16(-2), 0xc000);
  assert.equal(float32ToFloat16(2 ** -24), 0x0001, 'smallest subnormal');
});

test('the array conversions agree with the scalar ones on every half value', () => {
  const all = new Uint16Array(65536);
  for (let h = 0; h < all.length; h++) all[h] = h;
  const wide = halfToFloat32(all);
  for (let h = 0; h < all.length; h += 97) {
    const v = float16ToFloat32(h);
    if (Number.isNaN(v)) assert.ok(Number.isNaN(wide[h]));
    else assert.equal(wide[h], v);
  }
  // float32 → float16 → float32 is exact for values that are halves already (NaNs stay NaN).
  const back = float32ToHalf(wide);
  for (let h = 0; h < all.length; h++) {
    if (Number.isNaN(wide[h])) assert.ok(Number.isNaN(float16ToFloat32(back[h])));
    else assert.equal(back[h], h === 0x8000 ? 0x8000 : h, `half ${h.toString(16)}`);
  }
});

test('bfloat16 is the high half of a float32', () => {
  const out = bfloat16ToFloat32(Uint16Array.from([0x3f80, 0xc040, 0x0000]));
  assert.deepEqual([...out], [1, -3, 0]);
});
