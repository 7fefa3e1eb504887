import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { AutoguidedModel } from '../../src/models/autoguided.js';
import { formatWeightsId, loadCardModel, modelWeightsId } from '../../src/models/card-loader.js';
import type { ScenarioVelocityModel } from '../../src/models/sigma-experts.js';
import type { VelocityRequest } from '../../src/core/model.js';
import type { LatentShape } from '../../src/core/tensor.js';
import { NormalRng } from '../../src/core/rng.js';
import { runSampler } from '../../src/pipeline/run.js';
import { PHYSICS_DEFAULTS } from '../../src/pipeline/config.js';
import { assertSameVelocity, withShippedCopy } from './shipped-copy.js';

/** A stand-in network: velocity = value + (1 for the conditional branch), recording each call's batch labels. */
function stubModel(value: number, calls: (string | null)[][] = [], shape: LatentShape = [1, 1, 1, 2]): ScenarioVelocityModel & { disposed: boolean } {
  return {
    shape,
    disposed: false,
    timestep: (sigma: number) => sigma,
    scenarioId: (label) => (label === null ? 9 : 0),
    async velocity(req: readonly VelocityRequest[], _sigma: number, out: readonly Float32Array[]) {
      calls.push(req.map((r) => r.condition.label));
      req.forEach((r, i) => out[i].fill(value + (r.condition.label === null ? 0 : 1)));
    },
    async dispose() {
      this.disposed = true;
    },
  };
}

const cond: VelocityRequest = { x: new Float32Array(2), condition: { label: 'drift' } };
const uncond: VelocityRequest = { x: new Float32Array(2), condition: { label: null } };

test('autoguidance pushes the conditional velocity away from the guide, c + λ(c − guide), from fromSigma up; the unconditional branch is untouched', async () => {
  const guideCalls: (string | null)[][] = [];
  const main = stubModel(2);
  const guide = stubModel(0.5, guideCalls);
  const model = new AutoguidedModel(main, guide, { weight: 0.5, fromSigma: 0.8 });
  const out = [new Float32Array(2), new Float32Array(2)];
  await model.velocity([cond, uncond], 0.9, out);
  // main: c = 3, u = 2; guide: c = 1.5 → 3 + 0.5·(3 − 1.5) = 3.75
  assert.deepEqual([...out[0]], [3.75, 3.75]);
  assert.deepEqual([...out[1]], [2, 2]);
  assert.deepEqual(guideCalls, [['drift']], 'the guide evaluates the conditional request only');
  await model.velocity([cond, uncond], 0.7999, out);
  assert.deepEqual([...out[0]], [3, 3], 'below fromSigma the main network alone answers');
  assert.equal(guideCalls.length, 1);
  await model.velocity([uncond], 0.95, [out[1]]);
  assert.equal(guideCalls.length, 1, 'an unconditional-only batch needs no guide');
  const off = new AutoguidedModel(stubModel(2), stubModel(0.5, guideCalls), { weight: 0, fromSigma: 0 });
  await off.velocity([cond], 0.99, [out[0]]);
  assert.deepEqual([...out[0]], [3, 3]);
  assert.equal(guideCalls.length, 1, 'weight 0 never runs the guide');
  await model.dispose();
  assert.ok(main.disposed && guide.disposed);
  assert.throws(() => new AutoguidedModel(stubModel(1), stubModel(1), { weight: -1, fromSigma: 0 }), (e: Error) => e instanceof UsageError && /weight/.test(e.message));
  assert.throws(() => new AutoguidedModel(stubModel(1), stubModel(1), { weight: 1, fromSigma: 1 }), (e: Error) => e instanceof UsageError && /fromSigma/.test(e.message));
  assert.throws(() => new AutoguidedModel(stubModel(1), stubModel(1, [], [1, 1, 1, 3]), { weight: 1, fromSigma: 0 }), /latent shape/);
});

test('the sampler pipeline spends one NFE per guided velocity with autoguidance, and the guide runs only on the steps from fromSigma', async () => {
  const guideCalls: (string | null)[][] = [];
  const model = new AutoguidedModel(stubModel(1), stubModel(0, guideCalls), { weight: 0.3, fromSigma: 0.8 });
  const plain = stubModel(1);
  const noise = () => {
    const rng = new NormalRng(3);
    const initialNoise = new Float32Array(2);
    rng.fill(initialNoise);
    return { initialNoise, noise: rng };
  };
  const config = { ...PHYSICS_DEFAULTS, refine: { mode: 'none' as const } };
  const guided = await runSampler(config, { model, condition: { label: 'drift' }, ...noise() });
  const unguided = await runSampler(config, { model: plain, condition: { label: 'drift' }, ...noise() });
  assert.equal(guided.nfe, unguided.nfe);
  const highSteps = [...guided.grid.sigmas.subarray(0, -1)].filter((s) => s >= 0.8).length;
  assert.ok(highSteps > 0 && highSteps < guided.nfe);
  assert.equal(guideCalls.length, highSteps, 'the guide runs once per step from σ 0.8');
  assert.notDeepEqual([...guided.x], [...unguided.x], 'the guide changes the sample');
});

test('a card that names an autoguide network loads it (sha256 checked) and computes the plain model when the guide is the same network', async () => {
  await withShippedCopy('autoguide-', 'guide.onnx', async ({ dir, card, sha, writeCard, corruptExtra }) => {
    const guidedCard = writeCard('guided.json', { ...card, autoguide: { onnx: 'guide.onnx', sha256: sha, weight: 0.5, fromSigma: 0.8 } });
    const single = await loadCardModel(join(dir, 'single.json'), { threads: 1 });
    const guided = await loadCardModel(guidedCard, { threads: 1 });
    try {
      assert.ok(guided.network instanceof AutoguidedModel);
      assert.equal(formatWeightsId(modelWeightsId(guided.card)), `sha256 ${String(card.sha256).slice(0, 12)}…, autoguided by ${sha.slice(0, 12)}…, weight 0.5 from σ 0.8`);
      await assertSameVelocity(single.network, guided.network, [0.9], 'c + λ(c − c) = c');
    } finally {
      await guided.dispose();
      await single.dispose();
    }
    corruptExtra();
    await assert.rejects(loadCardModel(guidedCard, { threads: 1 }), (e: Error) => e instanceof UsageError && /guide\.onnx: sha256 .* does not match the model card/.test(e.message));
    const badCard = writeCard('bad.json', { ...card, autoguide: { onnx: 'guide.onnx', sha256: sha, weight: -1, fromSigma: 0.8 } });
    await assert.rejects(loadCardModel(badCard, { threads: 1 }), (e: Error) => e instanceof UsageError && /field 'autoguide\.weight'/.test(e.message));
  });
});
