// `selfrefine generate --model DIR --image first.png` end to end: the first-frame mask and the image's VAE latent
// reach a 36-channel transformer in diffusers' channel order. The stand-in transformer (tools/standin_i2v_transformer.py)
// returns the image latent times the mask's first channel as its velocity, so an Euler run from σ_0 to 0 must end
// at init − σ_0 · image latent on latent frame 0 and at init everywhere else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { readNpyFloat32 } from '../../src/io/npy.js';
import { readPngPixels } from '../../src/io/video.js';
import { WAN_FAMILY } from '../../src/models/family.js';
import { firstFrameVideo } from '../../src/models/wan/i2v.js';
import { VaeEncoder } from '../../src/models/wan/vae.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const COMMON = join(FIXTURES, 'wan-tiny', 'cases', 'common');

test('--image: the transformer reads [noisy latent, first-frame mask, normalised image latent]; without --image an I2V model asks for it', async () => {
  const dir = scratchDir('gen-i2v');
  const folder = join(dir, 'i2v');
  cpSync(join(FIXTURES, 'folder-i2v', 'transformer'), join(folder, 'transformer'), { recursive: true });
  cpSync(join(FIXTURES, 'wan-tiny', 'full', 'vae_encoder'), join(folder, 'vae_encoder'), { recursive: true });
  const png = new PNG({ width: 64, height: 48 });
  for (let i = 0; i < 64 * 48; i++) png.data.set([(i % 64) * 4, 120, Math.floor(i / 64) * 5, 255], i * 4);
  const image = join(dir, 'first.png');
  writeFileSync(image, PNG.sync.write(png));

  const common = ['generate', '--model', folder, '--preset', 'wan2.2-i2v-a14b', '--prompt-embeds', join(COMMON, 'pos.npy'), '--negative-embeds', join(COMMON, 'neg.npy'),
    '--frames', '17', '--size', '64x48', '--init', join(COMMON, 'init.npy'), '--solver', 'euler', '--steps', '4', '--refine', 'none'];
  const r = runCli(...common, '--image', image, '--out', join(dir, 'x.npy'));
  assert.equal(r.code, 0, r.stderr);

  const encoder = await VaeEncoder.open(join(folder, 'vae_encoder', 'model.onnx'), { threads: 1, geometry: WAN_FAMILY.geometry, latentsMean: WAN_FAMILY.latentsMean, latentsStd: WAN_FAMILY.latentsStd });
  let imageLatent: Float32Array;
  try {
    imageLatent = (await encoder.encode(firstFrameVideo(readPngPixels(image, 64, 48), 17, 48, 64), 17, 48, 64)).latent;
  } finally {
    await encoder.dispose();
  }
  const init = readNpyFloat32(join(COMMON, 'init.npy'), [16, 5, 6, 8]).data;
  const x = readNpyFloat32(join(dir, 'x.npy'), [16, 5, 6, 8]).data;
  const plane = 6 * 8;
  // σ_0 from the data: the least-squares factor between init − x and the image latent on frame 0.
  let num = 0;
  let den = 0;
  for (let c = 0; c < 16; c++) {
    for (let i = 0; i < plane; i++) {
      const k = c * 5 * plane + i;
      num += (init[k] - x[k]) * imageLatent[k];
      den += imageLatent[k] * imageLatent[k];
    }
  }
  const sigma0 = num / den;
  assert.ok(sigma0 > 0.99 && sigma0 <= 1 + 1e-6, `σ_0 ${sigma0}`);
  let maxErr = 0;
  for (let c = 0; c < 16; c++) {
    for (let f = 0; f < 5; f++) {
      for (let i = 0; i < plane; i++) {
        const k = (c * 5 + f) * plane + i;
        const want = init[k] - (f === 0 ? sigma0 * imageLatent[k] : 0);
        maxErr = Math.max(maxErr, Math.abs(x[k] - want));
      }
    }
  }
  assert.ok(maxErr < 1e-4, `max |x − (init − σ0·mask·image latent)| = ${maxErr}`);

  const without = runCli(...common, '--out', join(dir, 'y.npy'));
  assert.equal(without.code, 2);
  assert.match(without.stderr, /reads 36 channels \(image-to-video\); give --image/);
});

test('--image on the tiny Wan2.2-I2V network (the real architecture, 36 channels): another image gives another clip', () => {
  const dir = scratchDir('gen-i2v-tiny');
  const write = (name: string, shade: number): string => {
    const png = new PNG({ width: 64, height: 48 });
    for (let i = 0; i < 64 * 48; i++) png.data.set([shade, (i % 64) * 4, 255 - shade, 255], i * 4);
    writeFileSync(join(dir, name), PNG.sync.write(png));
    return join(dir, name);
  };
  const run = (image: string, out: string): Float32Array => {
    const r = runCli('generate', '--model', join(FIXTURES, 'wan-tiny', 'i2v'), '--preset', 'wan2.2-i2v-a14b', '--prompt-embeds', join(COMMON, 'pos.npy'),
      '--negative-embeds', join(COMMON, 'neg.npy'), '--frames', '17', '--size', '64x48', '--init', join(COMMON, 'init.npy'), '--solver', 'euler', '--steps', '3',
      '--refine', 'none', '--image', image, '--out', out);
    assert.equal(r.code, 0, r.stderr);
    return readNpyFloat32(out, [16, 5, 6, 8]).data;
  };
  const a = run(write('dark.png', 20), join(dir, 'a.npy'));
  const b = run(write('light.png', 230), join(dir, 'b.npy'));
  assert.ok(a.every(Number.isFinite));
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  assert.ok(diff > 1e-3, `the image changed the final latent by at most ${diff}`);
});
