// The folder's VAE on the tiny Wan fixture: the decoder's geometry, the latent de-normalised before it, the encoder's
// latent normalised after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NormalRng } from '../../../src/core/rng.js';
import type { LatentShape } from '../../../src/core/tensor.js';
import { WAN_FAMILY } from '../../../src/models/family.js';
import { OnnxGraph } from '../../../src/models/onnx/graph.js';
import { VaeDecoder, VaeEncoder } from '../../../src/models/wan/vae.js';

const FULL = fileURLToPath(new URL('../../../../test/fixtures/wan-tiny/full', import.meta.url));
const OPTIONS = { threads: 1, geometry: WAN_FAMILY.geometry, latentsMean: WAN_FAMILY.latentsMean, latentsStd: WAN_FAMILY.latentsStd };
const SHAPE: LatentShape = [16, 5, 6, 8];

async function rawRun(path: string, input: Float32Array, dims: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const graph = await OnnxGraph.open(path, { threads: 1 });
  try {
    const out = await graph.run({ [graph.inputs[0].name]: { dtype: 'float32', data: input, dims } }, [graph.outputs[0].name]);
    const t = out[graph.outputs[0].name];
    return { data: t.data as Float32Array, dims: t.dims };
  } finally {
    await graph.dispose();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('the decoder maps the normalised latent [16, 5, 6, 8] to 17 frames of 64×48 in [−1, 1], through z·std + mean', async () => {
  const zn = new Float32Array(16 * 5 * 6 * 8);
  new NormalRng(3).fill(zn);
  const decoder = await VaeDecoder.open(join(FULL, 'vae_decoder', 'model.onnx'), OPTIONS);
  let clip;
  try {
    clip = await decoder.decode(zn, SHAPE);
  } finally {
    await decoder.dispose();
  }
  assert.deepEqual([clip.frames, clip.height, clip.width], [17, 48, 64]);
  assert.equal(clip.pixels.length, 3 * 17 * 48 * 64);
  assert.ok(clip.pixels.every((v) => v >= -1 && v <= 1));

  const per = 5 * 6 * 8;
  const z = Float32Array.from(zn, (v, i) => v * WAN_FAMILY.latentsStd[Math.floor(i / per)] + WAN_FAMILY.latentsMean[Math.floor(i / per)]);
  const raw = await rawRun(join(FULL, 'vae_decoder', 'model.onnx'), z, [1, ...SHAPE]);
  assert.deepEqual(raw.dims, [1, 3, 17, 48, 64]);
  const clamped = raw.data.map((v) => Math.min(1, Math.max(-1, v)));
  assert.ok(maxAbsDiff(clip.pixels, clamped) < 1e-6, 'decode() feeds the de-normalised latent');
  const asIs = (await rawRun(join(FULL, 'vae_decoder', 'model.onnx'), Float32Array.from(zn), [1, ...SHAPE])).data.map((v) => Math.min(1, Math.max(-1, v)));
  assert.ok(maxAbsDiff(clip.pixels, asIs) > 1e-3, 'the normalised latent itself decodes to another clip');
});

test('the encoder maps 17 frames of 64×48 to the normalised latent [16, 5, 6, 8]: (z − mean) / std of its output', async () => {
  const pixels = new Float32Array(3 * 17 * 48 * 64);
  new NormalRng(4).fill(pixels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.tanh(pixels[i]);
  const encoder = await VaeEncoder.open(join(FULL, 'vae_encoder', 'model.onnx'), OPTIONS);
  let encoded;
  try {
    encoded = await encoder.encode(pixels, 17, 48, 64);
  } finally {
    await encoder.dispose();
  }
  assert.deepEqual(encoded.shape, SHAPE);
  const raw = await rawRun(join(FULL, 'vae_encoder', 'model.onnx'), Float32Array.from(pixels), [1, 3, 17, 48, 64]);
  const per = 5 * 6 * 8;
  const want = Float32Array.from(raw.data.subarray(0, 16 * per), (v, i) => (v - WAN_FAMILY.latentsMean[Math.floor(i / per)]) / WAN_FAMILY.latentsStd[Math.floor(i / per)]);
  assert.ok(maxAbsDiff(encoded.latent, want) < 1e-5);
});
