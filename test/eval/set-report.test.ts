import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frechetDistance, knnPrecisionRecall, bounceHistogram, setMetrics } from '../../src/eval/metrics/set.js';
import { bootstrapMean, symmetricEigen } from '../../src/eval/stats.js';
import { Rng } from '../../src/world/rng.js';
import { exportDataset } from '../../src/world/dataset/export.js';
import { loadDataset } from '../../src/world/dataset/load.js';
import { evaluateDataset } from '../../src/eval/evaluate.js';
import { formatReport } from '../../src/eval/report.js';
import { corruptClip } from '../../src/world/corrupt.js';
import { simulateClip } from '../../src/world/scenarios.js';
import { encodeNpy } from '../../src/io/npy.js';
import { world } from './helpers.js';

function gaussianSet(n: number, d: number, shift: number, scale: number, seed: number): Float64Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Float64Array.from({ length: d }, () => shift + scale * (rng.next() + rng.next() + rng.next() - 1.5)));
}

test('Fréchet distance: ~0 for the same distribution, grows with a shift; k-NN recall catches collapse', () => {
  const a = gaussianSet(600, 8, 0, 1, 1);
  const b = gaussianSet(600, 8, 0, 1, 2);
  const c = gaussianSet(600, 8, 1, 1, 3);
  assert.ok(frechetDistance(a, a) < 1e-6);
  assert.ok(frechetDistance(a, b) < 0.2);
  assert.ok(Math.abs(frechetDistance(a, c) - 8) < 1);
  const pr = knnPrecisionRecall(b, a);
  assert.ok(pr.precision > 0.85 && pr.recall > 0.85);
  const collapsed = Array.from({ length: 600 }, (_, i) => Float64Array.from(a[i % 3]));
  const pc = knnPrecisionRecall(collapsed, a);
  assert.ok(pc.precision > 0.9, `precision ${pc.precision}`);
  assert.ok(pc.recall < 0.2, `recall ${pc.recall}`);
  assert.deepEqual(bounceHistogram([0, 1, 1, 7]), [0.25, 0.5, 0, 0, 0.25]);
  assert.equal(setMetrics(a, a, [0, 1], [2, 3]).bounceHistogramTV, 1);
});

test('bootstrap interval brackets the mean, is deterministic, and ignores NaN; eigen reconstructs', () => {
  const rng = new Rng(5);
  const v = Array.from({ length: 400 }, () => rng.next());
  const i1 = bootstrapMean([...v, NaN], { seed: 1 });
  const i2 = bootstrapMean(v, { seed: 1 });
  assert.deepEqual(i1, i2);
  assert.ok(i1.lo < i1.mean && i1.mean < i1.hi && i1.hi - i1.lo < 0.1 && i1.n === 400);
  const m = Float64Array.from([4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2]);
  const { values, vectors } = symmetricEigen(m, 3);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
    let s = 0;
    for (let k = 0; k < 3; k++) s += vectors[i * 3 + k] * values[k] * vectors[j * 3 + k];
    assert.ok(Math.abs(s - m[i * 3 + j]) < 1e-9);
  }
});

test('evaluateDataset: report JSON fields, floors beside values, givenFrames, corrupted generated set', () => {
  const d = mkdtempSync(join(tmpdir(), 'sr-eval-'));
  try {
    exportDataset(d, { clips: 36, seed: 77, givenFrames: 2 });
    const { report } = evaluateDataset(d, { referenceClips: 72, resamples: 200 });
    for (const k of ['clips', 'validity', 'violationRate', 'scenarioMatch', 'lawResidualPx', 'flicker', 'dynamicDegree', 'perClip'] as const) {
      assert.ok(k in report, k);
    }
    assert.equal(report.clips, 36);
    assert.equal(report.perClip.length, 36);
    // Every true clip is valid; the rates are the per-clip flags' means.
    assert.equal(report.perClip.filter((c) => c.valid === true).length, 36);
    assert.equal(report.perClip.filter((c) => c.violation === true).length / 36, report.violationRate);
    assert.equal(report.validity, 1);
    assert.ok(report.trajectoryErrorPx < 0.05);
    assert.ok(report.metrics.lawResidualPx.floor !== null && report.metrics.lawResidualPx.floor.n === 72);
    assert.ok(report.set !== null && report.setFloor !== null);
    assert.ok(report.set.precision > 0.5 && report.set.recall > 0.5);
    const json = JSON.parse(JSON.stringify(report)) as { violationRate: number };
    assert.equal(json.violationRate, report.violationRate, 'the rate survives JSON');
    assert.match(formatReport(report), /physics-violation rate/);
    const mismatched = report.perClip.filter((c) => !c.scenarioMatch).length;
    assert.equal(Object.keys(report.mismatchReasons).length === 0, mismatched === 0);

    // a "generated" set: every clip frozen after frame 4 — dynamic degree and frozen rate must collapse
    const ds = loadDataset(d);
    const per = 3 * world.frames * world.height * world.width;
    const frozen = new Uint8Array(ds.videos.data.length);
    const entries = JSON.parse(readFileSync(join(d, 'clips.json'), 'utf8')) as { clips: { seed: number; scenario: string }[] };
    entries.clips.forEach((e, i) => frozen.set(corruptClip(simulateClip(e.scenario, e.seed, world), 'freeze', { frame: 4 }), i * per));
    writeFileSync(join(d, 'videos.npy'), encodeNpy(frozen, [36, 3, world.frames, world.height, world.width]));
    const bad = evaluateDataset(d, { referenceClips: 0, resamples: 100 }).report;
    assert.equal(bad.frozenRate, 1);
    assert.ok(bad.dynamicDegree < 0.4);
    assert.ok(bad.trajectoryErrorPx > 1);
    assert.ok(bad.violationRate > 0.5);
    // frozen balls stop falling and bouncing: the scenario match must blame gravity or the missing contacts
    const badMismatched = bad.perClip.filter((c) => !c.scenarioMatch).length;
    assert.ok(badMismatched > 0);
    assert.ok((bad.mismatchReasons.gravity ?? 0) + (bad.mismatchReasons.events ?? 0) >= badMismatched);
    assert.match(formatReport(bad), /scenario mismatches: .*(gravity|events) \d+/);
    const perScenario = formatReport(bad).split('\n').filter((l) => /^[a-z-]+\s+\d+\s+[\d.]+ %\s+[\d.]+ %\s+[\d.]+ %$/.test(l));
    assert.equal(perScenario.length, Object.keys(bad.byScenario).length, 'one line per scenario');
    assert.equal(bad.set, null);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
