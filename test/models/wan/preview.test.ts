import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latentPreviewPixels, WAN21_LATENT_RGB } from '../../../src/models/wan/preview.js';
import { halfBlockPicture } from '../../../src/cli/terminal-preview.js';
import { UsageError } from '../../../src/errors.js';

test('the Wan latent preview: a zero latent is the bias colour, one channel adds its factor row, values clamp to [−1, 1]', () => {
  const shape = [16, 2, 1, 3];
  const n = 2 * 1 * 3;
  const zero = latentPreviewPixels(new Float32Array(16 * n), shape);
  assert.equal(zero.length, 3 * n);
  for (let k = 0; k < 3; k++) for (let i = 0; i < n; i++) assert.equal(zero[k * n + i], Math.fround(WAN21_LATENT_RGB.bias[k]));

  const z = new Float32Array(16 * n);
  z[2 * n + 4] = 1; // channel 2, frame 1, x 1
  const px = latentPreviewPixels(z, shape);
  for (let k = 0; k < 3; k++) {
    assert.ok(Math.abs(px[k * n + 4] - (WAN21_LATENT_RGB.bias[k] + WAN21_LATENT_RGB.weights[2][k])) < 1e-6);
    assert.equal(px[k * n + 3], zero[k * n + 3]);
  }
  z[6 * n] = 10; // channel 6 is negative in every colour
  const dark = latentPreviewPixels(z, shape);
  for (let k = 0; k < 3; k++) assert.equal(dark[k * n], -1);
});

test('the preview rejects a latent whose channels do not match the factors', () => {
  assert.throws(() => latentPreviewPixels(new Float32Array(4 * 2), [4, 1, 1, 2]), (e: Error) => e instanceof UsageError && /16 channels; the latent has 4/.test(e.message));
  assert.throws(() => latentPreviewPixels(new Float32Array(5), [16, 1, 1, 1]), UsageError);
});

test('the half-block terminal picture: two pixel rows per line, upper pixel as foreground, lower as background', () => {
  // 2×2 image: red, green / blue, white.
  const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
  const text = halfBlockPicture(rgb, 2, 2);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 16); // 32 columns wide → 32 pixel rows → 16 lines
  const cells = lines[0].replace(/\x1b\[0m$/, '').split('▀').filter((s) => s.length > 0);
  assert.equal(cells.length, 32);
  assert.equal(cells[0], '\x1b[38;2;255;0;0m\x1b[48;2;255;0;0m');
  assert.equal(cells[31], '\x1b[38;2;0;255;0m\x1b[48;2;0;255;0m');
  const last = lines[15].replace(/\x1b\[0m$/, '').split('▀').filter((s) => s.length > 0);
  assert.equal(last[0], '\x1b[38;2;0;0;255m\x1b[48;2;0;0;255m');
  assert.equal(last[31], '\x1b[38;2;255;255;255m\x1b[48;2;255;255;255m');
});
