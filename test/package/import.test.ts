// The package as a user imports it: by name, through package.json "exports" (node resolves a package's own name
// from inside it), the way the README and docs/world.md show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as selfrefine from 'selfrefine';
import { generateVideo, loadCardNetwork, loadCardModel, OnnxVelocityModel, PHYSICS_DEFAULTS, plannedNfe, type SamplerConfig } from 'selfrefine';
import * as world from 'selfrefine/world';
import * as evaluation from 'selfrefine/eval';

/** What docs/world.md lists under "Library", by subpath. */
const DOCUMENTED = {
  world: ['makeWorld', 'SCENARIOS', 'getScenario', 'simulateClip', 'simulate', 'renderClip', 'renderScene', 'exportDataset', 'loadDataset', 'writeDataset', 'generateTrueClips', 'clipInfoFromTruth', 'corruptClip'],
  eval: ['Tracker', 'trackVideo', 'clipMetrics', 'metricsFromTrack', 'evaluateBatch', 'evaluateVideos', 'evaluateDataset', 'setMetrics', 'buildReport', 'formatReport', 'bootstrapMean'],
  root: ['loadCardModel', 'loadCardNetwork', 'DEFAULT_MODEL_CARD', 'generateVideo', 'OnnxVelocityModel', 'loadFolderModel', 'sampleFolderModel', 'findPreset', 'runSampler', 'guidedVelocity', 'sampleUniPC', 'parsePlan', 'NormalRng', 'GaussianMixtureModel', 'readMixtureSpec', 'flowGrid', 'SwitchedExperts', 'UsageError'],
};

test("'selfrefine', 'selfrefine/world' and 'selfrefine/eval' export every name the docs show", () => {
  assert.deepEqual(DOCUMENTED.root.filter((name) => !(name in selfrefine)), []);
  assert.deepEqual(DOCUMENTED.world.filter((name) => !(name in world)), []);
  assert.deepEqual(DOCUMENTED.eval.filter((name) => !(name in evaluation)), []);
});

test('a deep path the package does not export is blocked', async () => {
  const deep = 'selfrefine/dist/src/core/rng.js';
  await assert.rejects(import(deep), (e: NodeJS.ErrnoException) => e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED');
});

test('from the package: load the shipped model, generate a short video with P&P, same seed gives the same bits', async () => {
  // 4 UniPC steps; P&P on steps 1-2 with K = 2 and no early exit: 4 + 2·2 = 8 NFE.
  const config: SamplerConfig = { ...PHYSICS_DEFAULTS, steps: 4, refine: { mode: 'pnp', plan: '1-2:2', tau: 0.25, earlyExit: false } };
  assert.equal(plannedNfe(config), 8);
  const model = await loadCardModel(undefined, { threads: 1 });
  try {
    const { frames: F, height: H, width: W } = model;
    const [C, latentF, h, w] = model.network.shape;
    const first = await generateVideo(model, { scenario: 'drop-bounce', config, seed: 10 });
    assert.equal(first.nfe, 8);
    assert.equal(first.nfeSaved, 0);
    assert.equal(first.pixels.length, 3 * F * H * W);
    assert.equal(first.latent.length, C * latentF * h * w);
    assert.ok(first.pixels.every((v) => v >= -1 && v <= 1), 'pixels are clamped to [−1, 1]');
    const again = await generateVideo(model, { scenario: 'drop-bounce', config, seed: 10 });
    assert.deepEqual(Buffer.from(again.latent.buffer), Buffer.from(first.latent.buffer), 'same seed, same latent bits');
    const other = await generateVideo(model, { scenario: 'drop-bounce', config, seed: 11 });
    assert.notDeepEqual(Buffer.from(other.latent.buffer), Buffer.from(first.latent.buffer), 'another seed, another latent');
  } finally {
    await model.dispose();
  }
  const network = await loadCardNetwork(undefined, { threads: 1 });
  try {
    assert.ok(network instanceof OnnxVelocityModel);
    assert.deepEqual(network.shape, [24, 16, 8, 8]);
  } finally {
    await network.dispose();
  }
});

test("from 'selfrefine/world' and 'selfrefine/eval': true clips of the physics world evaluate as valid and on-scenario", () => {
  const w = world.makeWorld();
  const { videos, truths } = world.generateTrueClips(4, 7, w);
  const evals = evaluation.evaluateBatch(videos, truths.map((t) => world.clipInfoFromTruth(t)), w);
  assert.deepEqual(evals.map((e) => [e.metrics.scenario, e.metrics.valid, e.metrics.scenarioMatch]), truths.map((t) => [t.scenario, true, true]));
});
