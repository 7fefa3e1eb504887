import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstFrameMask, firstFrameVideo, i2vCondition } from '../../../src/models/wan/i2v.js';
import { UsageError } from '../../../src/errors.js';

test('the I2V first-frame mask: all 4 channels of latent frame 0 are 1, every later cell 0 (one given image)', () => {
  const F = 5;
  const plane = 3 * 2;
  const mask = firstFrameMask(F, 3, 2);
  assert.equal(mask.length, 4 * F * plane);
  for (let k = 0; k < 4; k++) {
    for (let f = 0; f < F; f++) {
      const cell = mask.subarray((k * F + f) * plane, (k * F + f + 1) * plane);
      assert.deepEqual([...new Set(cell)], [f === 0 ? 1 : 0], `channel ${k}, latent frame ${f}`);
    }
  }
});

test('the I2V mask folds pixel frames into channels: 6 given pixel frames mark frame 0 and channels 0–1 of frame 1', () => {
  // Pixel frames 0..5 given. The list with frame 0 repeated 4 times has 1s at 0..8, i.e. latent frame 0 (4 values),
  // latent frame 1 (all 4: pixel frames 1–4) and channel 0 of latent frame 2 (pixel frame 5).
  const F = 3;
  const mask = firstFrameMask(F, 1, 1, 6);
  const at = (k: number, f: number): number => mask[k * F + f];
  assert.deepEqual([0, 1, 2, 3].map((k) => at(k, 0)), [1, 1, 1, 1]);
  assert.deepEqual([0, 1, 2, 3].map((k) => at(k, 1)), [1, 1, 1, 1]);
  assert.deepEqual([0, 1, 2, 3].map((k) => at(k, 2)), [1, 0, 0, 0]);
  assert.throws(() => firstFrameMask(F, 1, 1, 4 * (F - 1) + 2), UsageError);
});

test('the I2V encoder input is the image then zero frames; the condition stacks mask then latent', () => {
  const image = Float32Array.from({ length: 3 * 2 }, (_, i) => i + 1);
  const video = firstFrameVideo(image, 5, 1, 2);
  assert.equal(video.length, 3 * 5 * 2);
  assert.deepEqual([...video.subarray(0, 2)], [1, 2]);
  assert.deepEqual([...video.subarray(2, 10)], new Array(8).fill(0));
  assert.deepEqual([...video.subarray(10, 12)], [3, 4]);
  assert.deepEqual([...video.subarray(20, 22)], [5, 6]);
  const shape = [16, 2, 1, 1];
  const mask = firstFrameMask(2, 1, 1);
  const latent = Float32Array.from({ length: 32 }, (_, i) => 100 + i);
  const cond = i2vCondition(mask, latent, shape);
  assert.equal(cond.length, 20 * 2);
  assert.deepEqual([...cond.subarray(0, 8)], [1, 0, 1, 0, 1, 0, 1, 0]);
  assert.equal(cond[8], 100);
  assert.equal(cond[39], 131);
  assert.throws(() => i2vCondition(mask, latent.subarray(1), shape), UsageError);
});
