import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateTrueClips, clipInfoFromTruth } from '../../src/world/dataset/truth.js';
import { evaluateBatch } from '../../src/eval/evaluate.js';
import { Tracker } from '../../src/eval/track.js';
import { LAW_RESIDUAL_FLOOR_PX, TRAJECTORY_FLOOR_PX, LAW_RESIDUAL_LIMIT_PX } from '../../src/eval/floor.js';
import { mean } from '../../src/eval/stats.js';
import { world } from './helpers.js';

// One fresh set of true clips (seed unrelated to the floor measurement) shared by the checks below.
const N = 1200;
const { videos, truths } = generateTrueClips(N, 424242, world);
const evals = evaluateBatch(videos, truths.map((t) => clipInfoFromTruth(t)), world);
const m = evals.map((e) => e.metrics);

test('true clips: all valid, violation rate ≤ 1%, scenario match ≥ 99%', () => {
  assert.equal(m.filter((c) => c.valid).length, N);
  const violation = m.filter((c) => c.violation).length / N;
  const match = m.filter((c) => c.scenarioMatch).length / N;
  assert.ok(violation <= 0.01, `violation rate ${violation}`);
  assert.ok(match >= 0.99, `scenario match ${match}`);
  assert.ok(m.every((c) => !c.frozen && c.dynamicDegree === 1 && !c.bgDrifting && c.flickerBg === 1));
});

test('ground-truth floors: the stored constants match a re-measurement (within 15%)', () => {
  const law = mean(m.map((c) => c.lawResidualPx));
  const traj = mean(m.map((c) => c.trajectoryErrorPx));
  assert.ok(Math.abs(law / LAW_RESIDUAL_FLOOR_PX - 1) < 0.15, `law residual floor re-measured ${law}, stored ${LAW_RESIDUAL_FLOOR_PX}`);
  assert.ok(Math.abs(traj / TRAJECTORY_FLOOR_PX - 1) < 0.15, `trajectory floor re-measured ${traj}, stored ${TRAJECTORY_FLOOR_PX}`);
  const above = m.filter((c) => c.lawResidualPx > LAW_RESIDUAL_LIMIT_PX).length / N;
  assert.ok(above < 0.005, `share of true clips above 3 × floor: ${above}`);
});

test('trajectory error of true clips is at the floor; fitted gravity and restitution match the simulation', () => {
  assert.ok(Math.max(...m.map((c) => c.trajectoryErrorPx)) < 0.05);
  for (let i = 0; i < N; i++) {
    const t = truths[i];
    assert.ok(Math.abs(m[i].gFit - t.gravity) < 0.02, `clip ${i}: g_fit ${m[i].gFit} vs ${t.gravity}`);
  }
  const judged = m.map((c, i) => [c.restitution, truths[i].wallRestitution]).filter(([e]) => Number.isFinite(e));
  assert.ok(judged.length > N / 4);
  const err = mean(judged.map(([e, truth]) => Math.abs(e - truth)));
  assert.ok(err < 0.03, `mean restitution error ${err}`);
});

test('tracker recovers centres to a few hundredths of a pixel', () => {
  const tr = new Tracker(world.frames, world.height, world.width);
  const per = 3 * world.frames * world.height * world.width;
  let worst = 0;
  for (let i = 0; i < 100; i++) {
    const track = tr.track({ data: videos.data, offset: i * per, frames: world.frames, height: world.height, width: world.width });
    const t = truths[i];
    const n = t.sim.balls;
    for (let f = 0; f < world.frames; f++) {
      for (let b = 0; b < n; b++) {
        const k = t.init[b].colour;
        const o = (f * n + b) * 4;
        worst = Math.max(worst, Math.hypot(track.cx[f * 3 + k] - t.sim.states[o], track.cy[f * 3 + k] - t.sim.states[o + 1]));
        assert.ok(Math.abs(track.radius[f * 3 + k] - t.init[b].r) < 0.1);
        assert.equal(track.components[f * 3 + k], 1);
      }
    }
  }
  assert.ok(worst < 0.06, `worst centroid error ${worst}`);
});

test('bounce and collision counts follow the simulation on most clips', () => {
  let agree = 0;
  for (let i = 0; i < N; i++) {
    const ev = truths[i].sim.events.filter((e) => e.time <= world.frames - 2);
    const wall = ev.filter((e) => e.kind === 'wall').length;
    if (m[i].bounces === wall) agree++;
  }
  assert.ok(agree / N > 0.9, `bounce counts agree on ${agree / N}`);
});
