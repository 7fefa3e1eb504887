import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { formatWeightsId, loadCardModel, modelWeightsId } from '../../src/models/card-loader.js';
import { SigmaSwitchedExperts, type ScenarioVelocityModel } from '../../src/models/sigma-experts.js';
import type { VelocityRequest } from '../../src/core/model.js';
import type { LatentShape } from '../../src/core/tensor.js';
import { NormalRng } from '../../src/core/rng.js';
import { runSampler } from '../../src/pipeline/run.js';
import { PHYSICS_DEFAULTS } from '../../src/pipeline/config.js';
import { assertSameVelocity, withShippedCopy } from './shipped-copy.js';

/** A stand-in network whose velocity is a constant, so a call shows which expert answered. */
function constantModel(value: number, shape: LatentShape = [1, 1, 1, 2], calls: number[] = []): ScenarioVelocityModel & { disposed: boolean } {
  return {
    shape,
    disposed: false,
    timestep: (sigma: number) => sigma,
    scenarioId: (label) => (label === null ? 9 : value),
    async velocity(_req: readonly VelocityRequest[], sigma: number, out: readonly Float32Array[]) {
      calls.push(sigma);
      for (const o of out) o.fill(value);
    },
    async dispose() {
      this.disposed = true;
    },
  };
}

test('sigma-switched experts: the high-noise expert answers for σ ≥ fromSigma, the low-noise one below; both are disposed', async () => {
  const highCalls: number[] = [];
  const lowCalls: number[] = [];
  const high = constantModel(1, undefined, highCalls);
  const low = constantModel(2, undefined, lowCalls);
  const pair = new SigmaSwitchedExperts(high, low, 0.8);
  const out = [new Float32Array(2)];
  const req = [{ x: new Float32Array(2), condition: { label: 'drift' } }];
  for (const sigma of [1, 0.9, 0.8, 0.7999, 0.3]) await pair.velocity(req, sigma, out);
  assert.deepEqual(highCalls, [1, 0.9, 0.8]);
  assert.deepEqual(lowCalls, [0.7999, 0.3]);
  assert.equal(out[0][0], 2);
  assert.equal(pair.scenarioId(null), 9);
  await pair.dispose();
  assert.ok(high.disposed && low.disposed);
  assert.throws(() => new SigmaSwitchedExperts(constantModel(1, [1, 1, 1, 3]), constantModel(2), 0.8), /share one latent shape/);
  assert.throws(() => new SigmaSwitchedExperts(constantModel(1), constantModel(2), 1), (e: Error) => e instanceof UsageError && /fromSigma/.test(e.message));
});

test('a card with a high-noise expert loads both files as one model, checks both sha256, and computes what the single model does when the expert is the same network', async () => {
  await withShippedCopy('experts-', 'high.onnx', async ({ dir, card, sha, writeCard, corruptExtra }) => {
    // The shipped card may itself name an expert and a guide: the single model is its low-noise network alone.
    const single = await loadCardModel(join(dir, 'single.json'), { threads: 1 });
    assert.ok(!(single.network instanceof SigmaSwitchedExperts));
    // The expert here is the same network, so the pair must compute exactly what the single model does.
    const pairCard = writeCard('pair.json', { ...card, highNoiseExpert: { onnx: 'high.onnx', sha256: sha, fromSigma: 0.8 } });
    const paired = await loadCardModel(pairCard, { threads: 1 });
    try {
      assert.ok(paired.network instanceof SigmaSwitchedExperts);
      assert.equal((paired.network as SigmaSwitchedExperts).fromSigma, 0.8);
      assert.notEqual(modelWeightsId(paired.card), modelWeightsId(single.card), 'a bench cache tells the pair from the single model');
      assert.equal(formatWeightsId(modelWeightsId(single.card)), `sha256 ${String(card.sha256).slice(0, 12)}…`);
      assert.equal(formatWeightsId(modelWeightsId(paired.card)), `sha256 ${String(card.sha256).slice(0, 12)}…, high-noise expert ${sha.slice(0, 12)}… from σ 0.8`);
      await assertSameVelocity(single.network, paired.network, [0.9, 0.5]);
    } finally {
      await paired.dispose();
      await single.dispose();
    }

    corruptExtra();
    await assert.rejects(loadCardModel(pairCard, { threads: 1 }), (e: Error) => e instanceof UsageError && /high\.onnx: sha256 .* does not match the model card/.test(e.message));
    rmSync(join(dir, 'high.onnx'));
    await assert.rejects(loadCardModel(pairCard, { threads: 1 }), (e: Error) => e instanceof UsageError && /cannot read model file .*high\.onnx/.test(e.message));
    const badCard = writeCard('bad.json', { ...card, highNoiseExpert: { onnx: 'high.onnx', sha256: sha, fromSigma: 1.5 } });
    await assert.rejects(loadCardModel(badCard, { threads: 1 }), (e: Error) => e instanceof UsageError && /field 'highNoiseExpert\.fromSigma'/.test(e.message));
  });
});

test('the sampler pipeline runs a sigma-switched pair as one model: each expert answers on its own steps, refinement included', async () => {
  // Regression: the pipeline once took any object with `high` and `low` for a Wan2.2 expert pair and ran `high` alone.
  const highCalls: number[] = [];
  const lowCalls: number[] = [];
  const shape: LatentShape = [1, 1, 1, 2];
  const pair = new SigmaSwitchedExperts(constantModel(1, shape, highCalls), constantModel(2, shape, lowCalls), 0.8);
  const rng = new NormalRng(1);
  const initialNoise = new Float32Array(2);
  rng.fill(initialNoise);
  const config = { ...PHYSICS_DEFAULTS, refine: { mode: 'pnp' as const, plan: '1-6:2', tau: 0.25, earlyExit: false } };
  const result = await runSampler(config, { model: pair, condition: { label: 'drift' }, initialNoise, noise: rng });
  assert.ok(highCalls.length > 0 && lowCalls.length > 0, `high ${highCalls.length} calls, low ${lowCalls.length}`);
  assert.ok(highCalls.every((s) => s >= 0.8) && lowCalls.every((s) => s < 0.8));
  assert.equal(highCalls.length + lowCalls.length, result.nfe, 'one batched cond+uncond call per NFE');
});
