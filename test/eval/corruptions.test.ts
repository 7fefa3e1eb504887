import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corruptClip } from '../../src/world/corrupt.js';
import { clipInfoFromTruth } from '../../src/world/dataset/truth.js';
import { LAW_RESIDUAL_LIMIT_PX } from '../../src/eval/floor.js';
import { mismatchReasons } from '../../src/eval/report.js';
import { findClip, metricsOf, trueMetrics } from './helpers.js';

// Each corruption of a true clip must be caught by the metric meant for it, while the clean clip passes.

test('a ball that vanishes for one frame: validity (missing)', () => {
  const t = findClip('two-pass', () => true);
  assert.equal(trueMetrics(t).valid, true);
  const m = metricsOf(corruptClip(t, 'vanish', { frame: 7, ball: 1 }), clipInfoFromTruth(t));
  assert.equal(m.valid, false);
  assert.ok(m.invalidReasons.includes('missing'));
  assert.equal(m.violation, true);
});

test('a ball that teleports: law residual (valid clip, physics violation)', () => {
  const t = findClip('drift', () => true);
  const clean = trueMetrics(t);
  assert.equal(clean.violation, false);
  const m = metricsOf(corruptClip(t, 'teleport', { frame: 8, distance: 5 }), clipInfoFromTruth(t));
  assert.equal(m.valid, true);
  assert.equal(m.violation, true);
  assert.ok(m.lawResidualPx > 10 * LAW_RESIDUAL_LIMIT_PX, `residual ${m.lawResidualPx}`);
  assert.ok(m.violationReasons.includes('residual') || m.violationReasons.includes('jump'));
});

test('a ball that splits in two: validity (components)', () => {
  const t = findClip('drop-bounce', () => true);
  const m = metricsOf(corruptClip(t, 'split', { frame: 6 }), clipInfoFromTruth(t));
  assert.equal(m.valid, false);
  assert.deepEqual(m.invalidReasons.includes('split'), true);
});

test('reversed gravity: gravity error, physics violation, scenario mismatch', () => {
  for (const name of ['drop-bounce', 'throw-arc']) {
    const t = findClip(name, () => true, 3);
    const clean = trueMetrics(t);
    assert.equal(clean.scenarioMatch, true);
    assert.deepEqual(mismatchReasons(clean), []);
    assert.ok(clean.gravityError < 0.05);
    const m = metricsOf(corruptClip(t, 'reverse-gravity'), clipInfoFromTruth(t));
    assert.ok(m.gravityError > 1.5, `${name}: gravity error ${m.gravityError}`);
    assert.ok(m.violationReasons.includes('gravity'), `${name}: ${m.violationReasons.join(',')}`);
    assert.equal(m.scenarioMatch, false);
    assert.equal(m.scenarioDetail.gravity, false);
    assert.ok(mismatchReasons(m).includes('gravity'), `${name}: ${mismatchReasons(m).join(',')}`);
  }
});

test('a clip that freezes: dynamic degree', () => {
  const t = findClip('three-box', () => true);
  const clean = trueMetrics(t);
  assert.equal(clean.dynamicDegree, 1);
  assert.equal(clean.frozen, false);
  const m = metricsOf(corruptClip(t, 'freeze', { frame: 8 }), clipInfoFromTruth(t));
  assert.equal(m.frozen, true);
  assert.ok(m.dynamicDegree < 0.6, `dynamic degree ${m.dynamicDegree}`);
  assert.equal(m.valid, true); // the frames themselves are clean: only the dynamics metric can see it
});

test('a ball that changes colour: subject consistency, validity and scenario match', () => {
  const t = findClip('drop-bounce', () => true);
  const clean = trueMetrics(t);
  const m = metricsOf(corruptClip(t, 'recolour', { frame: 8 }), clipInfoFromTruth(t));
  assert.ok(m.subjectConsistency < clean.subjectConsistency - 0.3, `subject consistency ${m.subjectConsistency} vs ${clean.subjectConsistency}`);
  assert.equal(m.valid, false);
  assert.ok(m.invalidReasons.includes('missing') && m.invalidReasons.includes('stray'));
});

test('a background that drifts in colour: background drift and consistency', () => {
  const t = findClip('two-fall', () => true);
  const clean = trueMetrics(t);
  assert.equal(clean.bgDrift, 0);
  assert.equal(clean.bgDrifting, false);
  const m = metricsOf(corruptClip(t, 'bg-drift'), clipInfoFromTruth(t));
  assert.equal(m.bgDrifting, true);
  assert.ok(m.bgDrift > 40, `drift ${m.bgDrift}`);
  assert.ok(m.backgroundConsistency < clean.backgroundConsistency - 0.02);
  assert.ok(m.flickerBg < clean.flickerBg);
  // the tracker follows the drifting background, so the balls themselves are still measured correctly
  assert.equal(m.valid, true);
  assert.ok(m.trajectoryErrorPx < 0.2, `trajectory error ${m.trajectoryErrorPx}`);
});
