import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/errors.js';
import { COSMOS_FAMILY, denormaliseLatent, latentShapeFor, normaliseLatent, WAN_FAMILY, WAN_LATENTS_MEAN, WAN_LATENTS_STD, WAN_VAE_GEOMETRY, wanTimestep } from '../../../src/models/family.js';
import { padTextStates } from '../../../src/models/folder/text-states.js';
import { SwitchedExperts } from '../../../src/models/sigma-experts.js';
import type { VelocityModel } from '../../../src/core/model.js';
import { flowGrid } from '../../../src/core/schedules.js';

test('Wan geometry: 4k+1 frames, sizes in multiples of 16, the latent [16, (F−1)/4+1, H/8, W/8]', () => {
  assert.deepEqual(latentShapeFor(WAN_VAE_GEOMETRY, 17, 64, 48), [16, 5, 6, 8]);
  assert.deepEqual(latentShapeFor(WAN_VAE_GEOMETRY, 81, 832, 480), [16, 21, 60, 104]);
  assert.deepEqual(latentShapeFor(WAN_VAE_GEOMETRY, 1, 16, 16), [16, 1, 2, 2]);
  const oneLine = (re: RegExp) => (e: Error) => e instanceof UsageError && !e.message.includes('\n') && re.test(e.message);
  assert.throws(() => latentShapeFor(WAN_VAE_GEOMETRY, 16, 64, 48), oneLine(/--frames 16: the VAE needs 4k\+1 frames .*nearest valid count is 17/));
  assert.throws(() => latentShapeFor(WAN_VAE_GEOMETRY, 78, 64, 48), oneLine(/nearest valid count is 77/));
  assert.throws(() => latentShapeFor(WAN_VAE_GEOMETRY, 80, 64, 48), oneLine(/nearest valid count is 81/));
  assert.throws(() => latentShapeFor(WAN_VAE_GEOMETRY, 0, 64, 48), oneLine(/nearest valid count is 1/));
  assert.throws(() => latentShapeFor(WAN_VAE_GEOMETRY, 17, 70, 48), oneLine(/--size 70x48: .*multiples of 16; the nearest valid size is 64x48/));
  assert.throws(() => latentShapeFor(WAN_VAE_GEOMETRY, 17, 832, 490), oneLine(/nearest valid size is 832x496/));
  assert.throws(() => latentShapeFor(WAN_VAE_GEOMETRY, 17, 8, 8), oneLine(/nearest valid size is 16x16/));
});

test('model sampling: Wan feeds int(σ·1000) (the grid\'s own timesteps), Cosmos feeds σ', () => {
  const grid = flowGrid(50, 5);
  assert.deepEqual([...grid.sigmas.slice(0, 3)].map(WAN_FAMILY.timestep), [999, 995, 991]);
  assert.equal(wanTimestep(0.8759), 875);
  assert.equal(wanTimestep(0.999), 999);
  assert.equal(COSMOS_FAMILY.timestep(0.37), 0.37);
});

test('latent normalisation: diffusers\' 16 AutoencoderKLWan statistics, undone and redone exactly', () => {
  assert.equal(WAN_LATENTS_MEAN.length, 16);
  assert.equal(WAN_LATENTS_STD.length, 16);
  assert.equal(WAN_LATENTS_MEAN[0], -0.7571);
  assert.equal(WAN_LATENTS_STD[15], 1.916);
  const z = new Float32Array(32).fill(1);
  denormaliseLatent(z, WAN_LATENTS_MEAN, WAN_LATENTS_STD);
  assert.ok(Math.abs(z[0] - (2.8184 - 0.7571)) < 1e-6 && Math.abs(z[1] - (2.8184 - 0.7571)) < 1e-6, 'channel 0 is the first two values');
  assert.ok(Math.abs(z[2] - (1.4541 - 0.7089)) < 1e-6, 'channel 1');
  normaliseLatent(z, WAN_LATENTS_MEAN, WAN_LATENTS_STD);
  for (const v of z) assert.ok(Math.abs(v - 1) < 1e-6);
});

test('text states: [L, 4096] and [1, L, 4096] zero-padded to 512; wrong width and > 512 tokens refused', () => {
  const rows = new Float32Array(3 * 4).map((_, i) => i + 1);
  const padded = padTextStates(rows, [3, 4], 5, 4, 'pos.npy');
  assert.deepEqual([...padded], [...rows, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...padTextStates(rows, [1, 3, 4], 5, 4, 'pos.npy')], [...padded]);
  assert.throws(() => padTextStates(rows, [4, 3], 5, 4, 'pos.npy'), /pos\.npy: text states are 3 wide; this model reads 4-wide states/);
  assert.throws(() => padTextStates(new Float32Array(6 * 4), [6, 4], 5, 4, 'pos.npy'), /pos\.npy: 6 tokens; this model reads at most 5/);
  assert.throws(() => padTextStates(rows, [2, 3, 2], 5, 4, 'pos.npy'), /text states are \[L, 4\] or \[1, L, 4\]/);
});

test('two experts switch by the model\'s own timestep: transformer while int(σ·1000) ≥ 875, transformer_2 below', async () => {
  const calls: string[] = [];
  const expert = (name: string): VelocityModel => ({
    shape: [1, 1, 1, 1],
    timestep: wanTimestep,
    async velocity(_r, _s, out) {
      calls.push(name);
      out[0].fill(0);
    },
  });
  const pair = new SwitchedExperts(expert('high'), expert('low'), 875, wanTimestep);
  const out = [new Float32Array(1)];
  for (const sigma of [0.9, 0.875, 0.8759, 0.8749, 0.3]) await pair.velocity([], sigma, out);
  assert.deepEqual(calls, ['high', 'high', 'high', 'low', 'low']);
});
