import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/world/rng.js';
import { renderClip } from '../../src/world/render.js';
import { clipInfoFromTruth } from '../../src/world/dataset/truth.js';
import { corruptClip } from '../../src/world/corrupt.js';
import { SCENARIOS, simulateClip } from '../../src/world/scenarios.js';
import { findClip, metricsOf, world } from './helpers.js';

const size = 3 * world.frames * world.height * world.width;
const numbersFinite = (o: object): boolean =>
  Object.values(o).every((v) => typeof v !== 'number' || Number.isFinite(v) || Number.isNaN(v));

test('blank, noisy, saturated and NaN videos do not crash and are invalid', () => {
  const t = findClip('three-fall', () => true);
  const info = clipInfoFromTruth(t);
  const rng = new Rng(3);
  const blank = new Uint8Array(size).fill(32);
  const noise = new Float32Array(size).map(() => rng.uniform(-1, 1));
  const white = new Float32Array(size).fill(1);
  const nan = new Float32Array(size).fill(NaN);
  const blobs = new Uint8Array(size).map(() => (rng.next() < 0.1 ? 255 : 32));
  for (const v of [blank, noise, white, nan, blobs]) {
    const m = metricsOf(v, info);
    assert.equal(m.valid, false);
    assert.equal(m.violation, true);
    assert.equal(m.scenarioMatch, false);
    assert.ok(numbersFinite(m));
  }
  assert.ok(metricsOf(blank, info).invalidReasons.includes('missing'));
});

test('float32 videos in [-1, 1] give the same metrics as uint8', () => {
  const t = findClip('two-collide', () => true);
  const u8 = renderClip(t);
  const f32 = Float32Array.from(u8, (v) => v / 127.5 - 1);
  const a = metricsOf(u8, clipInfoFromTruth(t));
  const b = metricsOf(f32, clipInfoFromTruth(t));
  assert.equal(a.valid, b.valid);
  assert.ok(Math.abs(a.lawResidualPx - b.lawResidualPx) < 1e-6);
  assert.ok(Math.abs(a.trajectoryErrorPx - b.trajectoryErrorPx) < 1e-6);
});

test('mild pixel noise (±5 levels) keeps a clip valid and lawful; background flicker sees it', () => {
  const t = findClip('drop-bounce', () => true);
  const rng = new Rng(11);
  const v = Float32Array.from(renderClip(t), (x) => x / 127.5 - 1 + rng.uniform(-0.04, 0.04));
  const m = metricsOf(v, clipInfoFromTruth(t));
  assert.equal(m.valid, true);
  assert.equal(m.violation, false);
  assert.ok(m.flickerBg < 0.995, `background flicker ${m.flickerBg}`);
});

test('jitter corruption: σ 0 is the true render, one seed gives one video, another seed another', () => {
  const t = findClip('drift', () => true);
  assert.deepEqual(corruptClip(t, 'jitter', { jitter: 0 }), renderClip(t));
  const a = corruptClip(t, 'jitter', { jitter: 0.3, seed: 5 });
  assert.deepEqual(corruptClip(t, 'jitter', { jitter: 0.3, seed: 5 }), a);
  assert.notDeepEqual(corruptClip(t, 'jitter', { jitter: 0.3, seed: 6 }), a);
  assert.throws(() => corruptClip(t, 'jitter', { jitter: -1 }), /jitter must be/);
});

test('centroid jitter: the law residual follows it, and sub-pixel jitter (0.05 px) keeps clips valid and matching', () => {
  const perScenario = 6;
  for (const sc of SCENARIOS) {
    const resid = [0, 0.05, 0.3].map((sd) => {
      let sum = 0;
      let match = 0;
      let valid = 0;
      for (let seed = 0; seed < perScenario; seed++) {
        const t = simulateClip(sc, seed, world);
        const m = metricsOf(corruptClip(t, 'jitter', { jitter: sd, seed: 1000 + seed }), clipInfoFromTruth(t));
        sum += m.lawResidualPx / perScenario;
        match += Number(m.scenarioMatch);
        valid += Number(m.valid);
      }
      if (sd === 0.05) {
        assert.equal(valid, perScenario, `${sc.name}: ${valid} of ${perScenario} valid at 0.05 px`);
        assert.ok(match >= perScenario - 1, `${sc.name}: ${match} of ${perScenario} match at 0.05 px`);
      }
      return sum;
    });
    assert.ok(resid[0] < 0.02, `${sc.name}: residual of true clips ${resid[0]}`);
    assert.ok(resid[1] > 2 * resid[0] && resid[1] < 0.1, `${sc.name}: residual at 0.05 px ${resid[1]}`);
    assert.ok(resid[2] > resid[1], `${sc.name}: residual at 0.3 px ${resid[2]} not above 0.05 px's ${resid[1]}`);
  }
});
