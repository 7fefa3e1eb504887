import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipInfoFromTruth, generateTrueClips } from '../../src/world/dataset/truth.js';
import { corruptClip } from '../../src/world/corrupt.js';
import { evaluateBatch } from '../../src/eval/evaluate.js';
import { buildReport, REPORTED_METRICS } from '../../src/eval/report.js';
import { world } from './helpers.js';

test('the report holds every reported metric as the generated mean, in the order of REPORTED_METRICS', () => {
  const { videos, truths } = generateTrueClips(12, 404, world);
  // half of the clips frozen, so the rates are neither 0 nor 1
  const per = 3 * world.frames * world.height * world.width;
  for (let i = 0; i < 6; i++) videos.data.set(corruptClip(truths[i], 'freeze'), i * per);
  const evals = evaluateBatch(videos, truths.map((t) => clipInfoFromTruth(t)), world);
  const report = buildReport(evals.map((e) => e.metrics), [], null, null, { resamples: 50 });
  const keys = Object.keys(report);
  assert.deepEqual(keys.slice(0, 2), ['clips', 'referenceClips']);
  assert.deepEqual(keys.slice(2, 2 + REPORTED_METRICS.length), REPORTED_METRICS.map((m) => m.key));
  for (const m of REPORTED_METRICS) {
    const values = evals.map((e) => m.get(e.metrics)).filter(Number.isFinite);
    const mean = values.reduce((a, v) => a + v, 0) / values.length;
    assert.equal(report[m.key], report.metrics[m.key].value.mean, m.key);
    assert.ok(Math.abs(report[m.key] - mean) <= 1e-12 * Math.max(1, Math.abs(mean)), `${m.key}: ${report[m.key]} vs ${mean}`);
  }
  assert.ok(report.frozenRate > 0 && report.frozenRate < 1, `frozen rate ${report.frozenRate}`);
});
