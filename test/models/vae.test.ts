import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPatchPcaVae } from '../../src/models/vae-file.js';
import { NormalRng } from '../../src/core/rng.js';
import { UsageError } from '../../src/errors.js';
import { scratchDir } from '../helpers/scratch.js';

const VAE_PATH = fileURLToPath(new URL('../../../models/physics/vae.json', import.meta.url));

test('the shipped VAE: decode then encode is the identity on latents (orthonormal PCA rows)', () => {
  const vae = readPatchPcaVae(VAE_PATH);
  const [C, F, h, w] = vae.latentShape(16, 32, 32);
  assert.deepEqual([C, F, h, w], [vae.channels, 16, 8, 8]);
  assert.ok(C >= 8 && C <= 48);
  const z = new Float32Array(C * F * h * w);
  new NormalRng(1).fill(z);
  const pixels = vae.decode(z, F, h, w);
  assert.equal(pixels.length, 3 * 16 * 32 * 32);
  const back = vae.encode(pixels, 16, 32, 32);
  let maxErr = 0;
  for (let i = 0; i < z.length; i++) maxErr = Math.max(maxErr, Math.abs(back[i] - z[i]));
  assert.ok(maxErr < 1e-3, `max round-trip error ${maxErr}`);
});

test('the shipped VAE reconstructs a uniform frame of the world background closely', () => {
  const vae = readPatchPcaVae(VAE_PATH);
  const pixels = new Float32Array(3 * 16 * 32 * 32).fill(32 / 127.5 - 1);
  const rec = vae.decode(vae.encode(pixels, 16, 32, 32), 16, 8, 8);
  let maxErr = 0;
  for (let i = 0; i < pixels.length; i++) maxErr = Math.max(maxErr, Math.abs(rec[i] - pixels[i]));
  assert.ok(maxErr * 127.5 < 3, `background reconstruction error ${(maxErr * 127.5).toFixed(2)} grey levels`);
});

test('bad VAE files and sizes get clear errors', () => {
  const dir = scratchDir('vae');
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ patch: [4, 4], channels: 2, pixelMean: [0], components: [], latentMean: [0, 0], latentStd: [1, 1] }));
  assert.throws(() => readPatchPcaVae(join(dir, 'bad.json')), (e: Error) => e instanceof UsageError && /pixelMean has 1 values, expected 48/.test(e.message));
  assert.throws(() => readPatchPcaVae(join(dir, 'missing.json')), /cannot read VAE .*ENOENT/);
  const vae = readPatchPcaVae(VAE_PATH);
  assert.throws(() => vae.latentShape(16, 30, 32), /not a multiple of the 4-pixel patch/);
});
