import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadFolderModel } from '../../../src/models/folder/folder.js';
import { GraphDenoiser } from '../../../src/models/folder/denoiser.js';

const STANDIN = fileURLToPath(new URL('../../../../test/fixtures/folder-standin/', import.meta.url));

// The stand-ins compute out = 0.9·x + 0.001·t + mean(text states of the item): the output shows the timestep fed,
// which text went with which branch, and that a batched graph got both branches in one run.
test('a batch-1 graph runs CFG as two runs, a batched int64-timestep graph as one; both are fed int(σ·1000) and their own text', async () => {
  for (const [dir, batched] of [
    ['batch1', false],
    ['batched', true],
  ] as const) {
    const model = await loadFolderModel(`${STANDIN}${dir}`, { frames: 5, width: 32, height: 32, threads: 1 });
    try {
      assert.deepEqual(model.shape, [16, 2, 4, 4]);
      assert.deepEqual(model.textShape, [512, 4096]);
      assert.ok(model.network instanceof GraphDenoiser);
      assert.equal(model.network.binding.batched, batched, dir);
      const n = 16 * 2 * 4 * 4;
      const x = Float32Array.from({ length: n }, (_, i) => (i % 7) - 3);
      const pos = new Float32Array(512 * 4096).fill(0.5 * 512);
      pos.fill(0, 4096); // one token of 256 then zero padding: the mean over 512 × 4096 values is 0.5
      const neg = new Float32Array(512 * 4096);
      const out = [new Float32Array(n), new Float32Array(n)];
      await model.network.velocity([{ x, condition: { label: 'p', text: pos } }, { x, condition: { label: null, text: neg } }], 0.8759, out);
      for (let i = 0; i < n; i += 37) {
        assert.ok(Math.abs(out[0][i] - (0.9 * x[i] + 0.875 + 0.5)) < 1e-5, `${dir} cond ${out[0][i]}`);
        assert.ok(Math.abs(out[1][i] - (0.9 * x[i] + 0.875)) < 1e-5, `${dir} uncond ${out[1][i]}`);
      }
      assert.equal(model.network.timestep(0.8759), 875);
    } finally {
      await model.dispose();
    }
  }
});
