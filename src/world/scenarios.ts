/**
 * The fixed vocabulary of scenarios (the text conditions of the shipped model). Each scenario samples initial
 * conditions and is accepted by rejection sampling on the exact simulation, so that what the prompt promises
 * (a bounce, a collision, nothing touching) really happens inside the clip and is visible (≥ 2 frames either side).
 */
import { UsageError } from '../errors.js';
import { PALETTE, WALL_RESTITUTION_RANGE, BALL_RESTITUTION, physics, type WorldConfig, type Physics } from './config.js';
import { Rng, hashSeed } from './rng.js';
import { simulate, WALL_FLOOR, type BallInit, type SimResult } from './simulate.js';

/** What the prompt promises about contacts. */
export type Expectation = 'bounce' | 'floor-bounce' | 'collision' | 'none' | 'any';

export interface Scenario {
  readonly name: string;
  readonly prompt: string;
  /** Palette indices of the balls, in ball order. */
  readonly colours: readonly number[];
  readonly gravity: boolean;
  readonly expect: Expectation;
  /** Draw initial conditions (may return null to reject early). */
  sample(rng: Rng, world: WorldConfig, ph: Physics): BallInit[] | null;
  /** Extra acceptance condition on the simulated clip, on top of the expectation checks. */
  accept?(sim: SimResult, world: WorldConfig): boolean;
}

const TWO_PI = Math.PI * 2;

function radius(rng: Rng, ph: Physics): number {
  return rng.uniform(ph.rMin, ph.rMax);
}

function ball(x: number, y: number, vx: number, vy: number, r: number, colour: number): BallInit {
  return { x, y, vx, vy, r, colour };
}

function dropBall(rng: Rng, world: WorldConfig, ph: Physics, colour: number, xLo: number, xHi: number): BallInit | null {
  const r = radius(rng, ph);
  const lo = Math.max(xLo, 0) + r + 1;
  const hi = Math.min(xHi, world.width) - r - 1;
  if (hi <= lo) return null;
  const U = ph.speedUnit;
  return ball(
    rng.uniform(lo, hi),
    rng.uniform(r + 1, r + 1 + 0.35 * (world.height - 2 * r)),
    rng.sign() * rng.uniform(0, 0.2) * U,
    rng.uniform(-0.15, 0.25) * U,
    r,
    colour,
  );
}

function freeBall(rng: Rng, world: WorldConfig, ph: Physics, colour: number, speedLo: number, speedHi: number): BallInit {
  const r = radius(rng, ph);
  const speed = rng.uniform(speedLo, speedHi) * ph.speedUnit;
  const a = rng.uniform(0, TWO_PI);
  return ball(rng.uniform(r + 0.5, world.width - r - 0.5), rng.uniform(r + 0.5, world.height - r - 0.5), speed * Math.cos(a), speed * Math.sin(a), r, colour);
}

function overlapping(balls: readonly BallInit[], margin: number): boolean {
  for (let i = 0; i < balls.length; i++) {
    for (let j = i + 1; j < balls.length; j++) {
      if (Math.hypot(balls[i].x - balls[j].x, balls[i].y - balls[j].y) < balls[i].r + balls[j].r + margin) return true;
    }
  }
  return false;
}

const RED = 0;
const GREEN = 1;
const BLUE = 2;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'drop-bounce',
    prompt: 'a red ball falls and bounces on the floor',
    colours: [RED],
    gravity: true,
    expect: 'floor-bounce',
    sample: (rng, w, ph) => {
      const b = dropBall(rng, w, ph, RED, 0, w.width);
      return b ? [b] : null;
    },
  },
  {
    name: 'throw-arc',
    prompt: 'a green ball is thrown and flies in an arc without touching anything',
    colours: [GREEN],
    gravity: true,
    expect: 'none',
    sample: (rng, w, ph) => {
      const T = w.frames - 1;
      const r = radius(rng, ph);
      const tApex = rng.uniform(0.3, 0.7) * T;
      const yApex = rng.uniform(r + 1.5, r + 1.5 + 0.3 * (w.height - 2 * r));
      const dir = rng.sign();
      const vx = dir * rng.uniform(0.15, 0.45) * ph.speedUnit;
      const x0 = rng.uniform(r + 1.5, r + 1.5 + 0.35 * (w.width - 2 * r));
      return [ball(dir > 0 ? x0 : w.width - x0, yApex + 0.5 * ph.g * tApex * tApex, vx, -ph.g * tApex, r, GREEN)];
    },
  },
  {
    name: 'drift',
    prompt: 'a blue ball drifts slowly with no gravity',
    colours: [BLUE],
    gravity: false,
    expect: 'none',
    sample: (rng, w, ph) => [freeBall(rng, w, ph, BLUE, 0.25, 0.55)],
  },
  {
    name: 'wall-bounce',
    prompt: 'a green ball bounces off the walls with no gravity',
    colours: [GREEN],
    gravity: false,
    expect: 'bounce',
    sample: (rng, w, ph) => [freeBall(rng, w, ph, GREEN, 0.7, 1.3)],
  },
  {
    name: 'two-collide',
    prompt: 'a red ball and a blue ball collide with no gravity',
    colours: [RED, BLUE],
    gravity: false,
    expect: 'collision',
    sample: (rng, w, ph) => {
      const T = w.frames - 1;
      const s = Math.min(w.width, w.height);
      const r1 = radius(rng, ph);
      const r2 = radius(rng, ph);
      const tau = rng.uniform(0.3, 0.7) * T;
      const px = w.width / 2 + rng.uniform(-0.15, 0.15) * s;
      const py = w.height / 2 + rng.uniform(-0.15, 0.15) * s;
      const theta = rng.uniform(0, TWO_PI);
      const nx = Math.cos(theta);
      const ny = Math.sin(theta);
      const s1 = rng.uniform(0.5, 1.1) * ph.speedUnit;
      const s2 = rng.uniform(0.5, 1.1) * ph.speedUnit;
      const a1 = theta + rng.uniform(-0.6, 0.6);
      const a2 = theta + Math.PI + rng.uniform(-0.6, 0.6);
      const v1x = s1 * Math.cos(a1);
      const v1y = s1 * Math.sin(a1);
      const v2x = s2 * Math.cos(a2);
      const v2y = s2 * Math.sin(a2);
      const b1 = ball(px - r1 * nx - v1x * tau, py - r1 * ny - v1y * tau, v1x, v1y, r1, RED);
      const b2 = ball(px + r2 * nx - v2x * tau, py + r2 * ny - v2y * tau, v2x, v2y, r2, BLUE);
      for (const b of [b1, b2]) {
        if (b.x < b.r + 0.5 || b.x > w.width - b.r - 0.5 || b.y < b.r + 0.5 || b.y > w.height - b.r - 0.5) return null;
      }
      return [b1, b2];
    },
  },
  {
    name: 'two-fall',
    prompt: 'a red ball and a green ball fall side by side and bounce on the floor',
    colours: [RED, GREEN],
    gravity: true,
    expect: 'floor-bounce',
    sample: (rng, w, ph) => {
      const a = dropBall(rng, w, ph, RED, 0, w.width / 2);
      const b = dropBall(rng, w, ph, GREEN, w.width / 2, w.width);
      return a && b ? [a, b] : null;
    },
    accept: (sim, w) => everyBallBouncesOnFloor(sim, w),
  },
  {
    name: 'two-pass',
    prompt: 'a green ball and a blue ball glide past each other with no gravity',
    colours: [GREEN, BLUE],
    gravity: false,
    expect: 'none',
    sample: (rng, w, ph) => {
      const r1 = radius(rng, ph);
      const r2 = radius(rng, ph);
      const U = ph.speedUnit;
      const dir = rng.sign();
      const top = rng.sign();
      const y1 = top > 0 ? rng.uniform(r1 + 1, w.height / 2 - 1) : rng.uniform(w.height / 2 + 1, w.height - r1 - 1);
      const y2 = top > 0 ? rng.uniform(w.height / 2 + 1, w.height - r2 - 1) : rng.uniform(r2 + 1, w.height / 2 - 1);
      const x1 = dir > 0 ? rng.uniform(r1 + 1, 0.3 * w.width) : rng.uniform(0.7 * w.width, w.width - r1 - 1);
      const x2 = dir > 0 ? rng.uniform(0.7 * w.width, w.width - r2 - 1) : rng.uniform(r2 + 1, 0.3 * w.width);
      return [
        ball(x1, y1, dir * rng.uniform(0.4, 0.8) * U, rng.uniform(-0.1, 0.1) * U, r1, GREEN),
        ball(x2, y2, -dir * rng.uniform(0.4, 0.8) * U, rng.uniform(-0.1, 0.1) * U, r2, BLUE),
      ];
    },
  },
  {
    name: 'three-box',
    prompt: 'a red, a green and a blue ball move around a box with no gravity',
    colours: [RED, GREEN, BLUE],
    gravity: false,
    expect: 'any',
    sample: (rng, w, ph) => {
      const balls = [freeBall(rng, w, ph, RED, 0.06, 0.25), freeBall(rng, w, ph, GREEN, 0.06, 0.25), freeBall(rng, w, ph, BLUE, 0.06, 0.25)];
      return overlapping(balls, 1) ? null : balls;
    },
  },
  {
    name: 'three-fall',
    prompt: 'a red, a green and a blue ball fall and bounce on the floor',
    colours: [RED, GREEN, BLUE],
    gravity: true,
    expect: 'floor-bounce',
    sample: (rng, w, ph) => {
      const third = w.width / 3;
      const a = dropBall(rng, w, ph, RED, 0, third);
      const b = dropBall(rng, w, ph, GREEN, third, 2 * third);
      const c = dropBall(rng, w, ph, BLUE, 2 * third, w.width);
      return a && b && c ? [a, b, c] : null;
    },
  },
];

const BY_NAME = new Map(SCENARIOS.map((s) => [s.name, s]));

export function scenarioNames(): string[] {
  return SCENARIOS.map((s) => s.name);
}

/** Look a scenario up by name (UsageError listing the known names if unknown). */
export function getScenario(name: string): Scenario {
  const s = BY_NAME.get(name);
  if (s === undefined) throw new UsageError(`unknown scenario '${name}' (known: ${scenarioNames().join(', ')})`);
  return s;
}

/** Events must fall in this window (frames) to count as "shown": at least two frames before and after. */
export function eventWindow(frames: number): [number, number] {
  return [1.5, frames - 2.5];
}

function everyBallBouncesOnFloor(sim: SimResult, w: WorldConfig): boolean {
  const [lo, hi] = eventWindow(w.frames);
  for (let b = 0; b < sim.balls; b++) {
    if (!sim.events.some((e) => e.kind === 'wall' && e.other === WALL_FLOOR && e.ball === b && e.time >= lo && e.time <= hi)) return false;
  }
  return true;
}

/** Conditions every accepted clip meets: no Zeno, no near-resting contacts, motion in every frame transition, clear margins. */
function acceptable(sc: Scenario, sim: SimResult, w: WorldConfig, ph: Physics, init: readonly BallInit[]): boolean {
  if (!sim.ok) return false;
  const minContactSpeed = 0.12 * ph.speedUnit;
  for (const e of sim.events) if (e.normalSpeed < minContactSpeed) return false;
  const n = sim.balls;
  const st = sim.states;
  for (let f = 0; f + 1 < sim.frames; f++) {
    let maxMove = 0;
    for (let b = 0; b < n; b++) {
      const o = (f * n + b) * 4;
      const o2 = ((f + 1) * n + b) * 4;
      maxMove = Math.max(maxMove, Math.hypot(st[o2] - st[o], st[o2 + 1] - st[o + 1]));
    }
    if (maxMove < 0.25) return false;
  }
  const [lo, hi] = eventWindow(w.frames);
  const minShown = 0.3 * ph.speedUnit;
  switch (sc.expect) {
    case 'bounce':
      if (!sim.events.some((e) => e.kind === 'wall' && e.time >= lo && e.time <= hi && e.normalSpeed >= minShown)) return false;
      break;
    case 'floor-bounce':
      if (!sim.events.some((e) => e.kind === 'wall' && e.other === WALL_FLOOR && e.time >= lo && e.time <= hi && e.normalSpeed >= minShown)) return false;
      break;
    case 'collision':
      if (!sim.events.some((e) => e.kind === 'ball' && e.time >= lo && e.time <= hi && e.normalSpeed >= minShown)) return false;
      break;
    case 'none': {
      if (sim.events.length > 0) return false;
      // keep a clear margin to walls and between balls, so "nothing touches" is unambiguous from pixels
      for (let f = 0; f < sim.frames; f++) {
        for (let b = 0; b < n; b++) {
          const o = (f * n + b) * 4;
          const r = init[b].r;
          const x = st[o];
          const y = st[o + 1];
          if (Math.min(x - r, w.width - r - x, y - r, w.height - r - y) < 1.5) return false;
          for (let c = b + 1; c < n; c++) {
            const o2 = (f * n + c) * 4;
            if (Math.hypot(st[o2] - x, st[o2 + 1] - y) < r + init[c].r + 1.5) return false;
          }
        }
      }
      break;
    }
    case 'any':
      break;
  }
  return sc.accept ? sc.accept(sim, w) : true;
}

export interface ClipTruth {
  scenario: string;
  seed: number;
  world: WorldConfig;
  /** Gravity used (px / frame²; 0 when off). */
  gravity: number;
  wallRestitution: number;
  init: BallInit[];
  sim: SimResult;
}

export interface SimulateClipOptions {
  /** Multiply gravity (e.g. −1 to reverse it; used by corruptions). Applied after sampling: acceptance is not re-checked. */
  gravityScale?: number;
}

const MAX_ATTEMPTS = 2000;

/** Sample and simulate one clip of a scenario; deterministic in (scenario, seed, world). */
export function simulateClip(scenario: Scenario | string, seed: number, world: WorldConfig, opts: SimulateClipOptions = {}): ClipTruth {
  const sc = typeof scenario === 'string' ? getScenario(scenario) : scenario;
  const ph = physics(world);
  const rng = new Rng(hashSeed(seed, 0x5ce4a10));
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const init = sc.sample(rng, world, ph);
    const wallRestitution = rng.uniform(WALL_RESTITUTION_RANGE[0], WALL_RESTITUTION_RANGE[1]);
    if (init === null || overlapping(init, 0.5)) continue;
    const gravity = sc.gravity ? ph.g : 0;
    const params = { width: world.width, height: world.height, frames: world.frames, gravity, wallRestitution, ballRestitution: BALL_RESTITUTION };
    const sim = simulate(init, params);
    if (!acceptable(sc, sim, world, ph, init)) continue;
    const scale = opts.gravityScale ?? 1;
    if (scale !== 1) {
      const g2 = gravity * scale;
      return { scenario: sc.name, seed, world, gravity: g2, wallRestitution, init, sim: simulate(init, { ...params, gravity: g2 }) };
    }
    return { scenario: sc.name, seed, world, gravity, wallRestitution, init, sim };
  }
  throw new Error(`scenario '${sc.name}' found no acceptable clip in ${MAX_ATTEMPTS} attempts for world ${world.width}x${world.height}x${world.frames} (seed ${seed})`);
}

export function colourNames(sc: Scenario): string[] {
  return sc.colours.map((c) => PALETTE[c].name);
}
