import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, WALL_FLOOR, WALL_RIGHT } from '../../src/world/simulate.js';
import { makeWorld, physics } from '../../src/world/config.js';
import { SCENARIOS, simulateClip, getScenario, eventWindow } from '../../src/world/scenarios.js';
import { Rng, hashSeed } from '../../src/world/rng.js';
import { UsageError } from '../../src/errors.js';

const base = { width: 32, height: 32, frames: 16, ballRestitution: 1 };

test('rng is deterministic, uniform in [0,1) and seed-sensitive', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const c = new Rng(8);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => c.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const m = xs.reduce((p, q) => p + q, 0) / xs.length;
  assert.ok(Math.abs(m - 0.5) < 0.05, `mean ${m}`);
  assert.notEqual(hashSeed(1, 2), hashSeed(2, 1));
});

test('free flight is exactly ballistic at every frame', () => {
  const g = 0.3;
  const sim = simulate([{ x: 10, y: 5, vx: 0.5, vy: -0.8, r: 3, colour: 0 }], { ...base, gravity: g, wallRestitution: 0.9 });
  assert.equal(sim.events.length, 0);
  for (let t = 0; t < 16; t++) {
    assert.ok(Math.abs(sim.states[t * 4] - (10 + 0.5 * t)) < 1e-9);
    assert.ok(Math.abs(sim.states[t * 4 + 1] - (5 - 0.8 * t + 0.5 * g * t * t)) < 1e-9);
    assert.ok(Math.abs(sim.states[t * 4 + 3] - (-0.8 + g * t)) < 1e-9);
  }
});

test('floor bounce happens at the analytic time with the restitution applied', () => {
  const g = 0.5;
  const e = 0.8;
  const y0 = 6;
  const r = 3;
  const sim = simulate([{ x: 16, y: y0, vx: 0, vy: 0, r, colour: 0 }], { ...base, gravity: g, wallRestitution: e });
  const tHit = Math.sqrt((2 * (32 - r - y0)) / g);
  const floorHits = sim.events.filter((ev) => ev.other === WALL_FLOOR);
  assert.ok(floorHits.length >= 1);
  assert.ok(Math.abs(floorHits[0].time - tHit) < 1e-9);
  assert.ok(Math.abs(floorHits[0].normalSpeed - g * tHit) < 1e-9);
  // state one frame after the bounce, from the analytic solution
  const t = Math.ceil(tHit);
  const dt = t - tHit;
  const vUp = -e * g * tHit;
  assert.ok(Math.abs(sim.states[t * 4 + 1] - (32 - r + vUp * dt + 0.5 * g * dt * dt)) < 1e-9);
});

test('side wall bounce scales the normal speed by the restitution', () => {
  const sim = simulate([{ x: 20, y: 16, vx: 2, vy: 0, r: 3, colour: 0 }], { ...base, gravity: 0, wallRestitution: 0.7 });
  const hit = sim.events.find((ev) => ev.other === WALL_RIGHT);
  assert.ok(hit);
  assert.ok(Math.abs(hit.time - (32 - 3 - 20) / 2) < 1e-12);
  assert.ok(Math.abs(sim.states[15 * 4 + 2] + 1.4) < 1e-12);
});

test('ball–ball collisions conserve momentum (mass ∝ r²) and kinetic energy', () => {
  const balls = [
    { x: 8, y: 16, vx: 1.5, vy: 0.2, r: 3, colour: 0 },
    { x: 24, y: 15, vx: -1, vy: 0, r: 4, colour: 1 },
  ];
  const sim = simulate(balls, { ...base, gravity: 0, wallRestitution: 1 });
  assert.ok(sim.events.some((e) => e.kind === 'ball'));
  const mom = (t: number): [number, number, number] => {
    let px = 0;
    let py = 0;
    let ke = 0;
    for (let b = 0; b < 2; b++) {
      const m = balls[b].r ** 2;
      const vx = sim.states[(t * 2 + b) * 4 + 2];
      const vy = sim.states[(t * 2 + b) * 4 + 3];
      px += m * vx;
      py += m * vy;
      ke += 0.5 * m * (vx * vx + vy * vy);
    }
    return [px, py, ke];
  };
  const firstWall = sim.events.find((e) => e.kind === 'wall')?.time ?? 99;
  const tAfter = Math.min(15, Math.floor(firstWall));
  const [px0, py0, ke0] = mom(0);
  const [px1, py1, ke1] = mom(tAfter);
  assert.ok(tAfter > sim.events.find((e) => e.kind === 'ball')!.time, 'a frame after the collision, before any wall contact');
  assert.ok(Math.abs(px0 - px1) < 1e-9 && Math.abs(py0 - py1) < 1e-9);
  assert.ok(Math.abs(ke0 - ke1) < 1e-9);
});

test('every scenario: deterministic, inside the box, no overlaps, promised contacts shown', () => {
  const w = makeWorld();
  const ph = physics(w);
  const [lo, hi] = eventWindow(w.frames);
  let withEvents = 0;
  let total = 0;
  for (const sc of SCENARIOS) {
    for (let seed = 0; seed < 60; seed++) {
      const c = simulateClip(sc, seed, w);
      const again = simulateClip(sc.name, seed, w);
      assert.deepEqual(c.sim.states, again.sim.states);
      const n = c.sim.balls;
      assert.equal(n, sc.colours.length);
      for (let t = 0; t < w.frames; t++) {
        for (let b = 0; b < n; b++) {
          const o = (t * n + b) * 4;
          const r = c.init[b].r;
          assert.ok(r >= ph.rMin && r <= ph.rMax);
          const x = c.sim.states[o];
          const y = c.sim.states[o + 1];
          assert.ok(x >= r - 1e-6 && x <= w.width - r + 1e-6 && y >= r - 1e-6 && y <= w.height - r + 1e-6, `${sc.name} ${seed} outside`);
          for (let q = b + 1; q < n; q++) {
            const o2 = (t * n + q) * 4;
            assert.ok(Math.hypot(c.sim.states[o2] - x, c.sim.states[o2 + 1] - y) >= r + c.init[q].r - 1e-6, `${sc.name} ${seed} overlap`);
          }
        }
      }
      const ev = c.sim.events;
      const inWin = ev.filter((e) => e.time >= lo && e.time <= hi);
      if (sc.expect === 'none') assert.equal(ev.length, 0);
      if (sc.expect === 'collision') assert.ok(inWin.some((e) => e.kind === 'ball'));
      if (sc.expect === 'floor-bounce') assert.ok(inWin.some((e) => e.kind === 'wall' && e.other === WALL_FLOOR));
      if (sc.expect === 'bounce') assert.ok(inWin.some((e) => e.kind === 'wall'));
      assert.equal(c.gravity, sc.gravity ? ph.g : 0);
      total++;
      if (ev.length > 0) withEvents++;
    }
  }
  const frac = withEvents / total;
  assert.ok(frac > 0.5 && frac < 0.75, `fraction of clips with a bounce or collision ${frac}`);
});

test('seeds give different clips; other sizes and frame counts work', () => {
  const w = makeWorld();
  assert.notDeepEqual(simulateClip('drift', 1, w).sim.states, simulateClip('drift', 2, w).sim.states);
  const big = makeWorld({ width: 64, height: 48, frames: 24 });
  for (const sc of SCENARIOS) assert.equal(simulateClip(sc, 3, big).sim.frames, 24);
});

test('unknown scenarios and bad world settings are usage errors', () => {
  assert.throws(() => getScenario('flying-saucer'), UsageError);
  assert.throws(() => makeWorld({ width: 3 }), UsageError);
  assert.throws(() => makeWorld({ frames: 2.5 }), UsageError);
});
