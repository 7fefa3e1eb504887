/**
 * Event-driven, exact simulation of balls in a box: ballistic flight between events, wall bounces with
 * restitution, elastic ball–ball collisions (mass ∝ r²). Contact times are solved in closed form
 * (linear or quadratic), so the result does not depend on a step size.
 */

export interface BallInit {
  x: number;
  y: number;
  vx: number;
  vy: number;
  r: number;
  /** Palette index. */
  colour: number;
}

export interface SimParams {
  width: number;
  height: number;
  frames: number;
  /** px / frame², y down. 0 turns gravity off; negative values point up (used by corruptions). */
  gravity: number;
  wallRestitution: number;
  ballRestitution: number;
  /** Stop resolving contacts after this many events (Zeno guard); the result is then marked not ok. */
  maxEvents?: number;
}

export const WALL_LEFT = 0;
export const WALL_RIGHT = 1;
export const WALL_TOP = 2;
export const WALL_FLOOR = 3;
export const WALL_NAMES = ['left', 'right', 'top', 'floor'] as const;

export interface SimEvent {
  /** Time in frames (fractional). */
  time: number;
  kind: 'wall' | 'ball';
  ball: number;
  /** Wall id (WALL_*) for 'wall', the other ball's index for 'ball'. */
  other: number;
  /** Approach speed along the contact normal before the event (px / frame, ≥ 0). */
  normalSpeed: number;
}

export interface SimResult {
  frames: number;
  balls: number;
  /** [frames, balls, 4]: x, y, vx, vy at each integer frame time. */
  states: Float64Array;
  events: SimEvent[];
  /** False when the event cap was hit (the remaining motion ignores contacts). */
  ok: boolean;
}

const EPS = 1e-9;

/** Smallest s ≥ 0 with a·s² + b·s + c = 0 where the contact is approached (dir(s) > 0). */
function quadContact(a: number, b: number, c: number, dirAt: (s: number) => number): number {
  if (Math.abs(a) < 1e-15) {
    if (Math.abs(b) < 1e-15) return Infinity;
    const s = -c / b;
    return s >= -EPS && dirAt(s) > EPS ? Math.max(s, 0) : Infinity;
  }
  const disc = b * b - 4 * a * c;
  if (disc < 0) return Infinity;
  const sq = Math.sqrt(disc);
  const q = -0.5 * (b + (b >= 0 ? sq : -sq));
  const r1 = q / a;
  const r2 = q !== 0 ? c / q : r1;
  let best = Infinity;
  for (const s of [r1, r2]) {
    if (s >= -EPS && s < best && dirAt(s) > EPS) best = Math.max(s, 0);
  }
  return best;
}

/** Positions, velocities, radii and masses (∝ r²) of the balls, updated in place. */
interface Balls {
  n: number;
  x: Float64Array;
  y: Float64Array;
  vx: Float64Array;
  vy: Float64Array;
  r: Float64Array;
  m: Float64Array;
}

/** The earliest contact found so far: after `s` frames, of ball i with wall or ball `other`. */
interface Contact {
  s: number;
  kind: 'none' | 'wall' | 'ball';
  i: number;
  other: number;
}

function initialBalls(init: readonly BallInit[]): Balls {
  const n = init.length;
  const b: Balls = {
    n,
    x: new Float64Array(n),
    y: new Float64Array(n),
    vx: new Float64Array(n),
    vy: new Float64Array(n),
    r: new Float64Array(n),
    m: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    b.x[i] = init[i].x;
    b.y[i] = init[i].y;
    b.vx[i] = init[i].vx;
    b.vy[i] = init[i].vy;
    b.r[i] = init[i].r;
    b.m[i] = init[i].r * init[i].r;
  }
  return b;
}

/** Store every ball's x, y, vx, vy as frame f of `states` ([frames, balls, 4]). */
function record(b: Balls, states: Float64Array, f: number): void {
  for (let i = 0; i < b.n; i++) {
    const o = (f * b.n + i) * 4;
    states[o] = b.x[i];
    states[o + 1] = b.y[i];
    states[o + 2] = b.vx[i];
    states[o + 3] = b.vy[i];
  }
}

/** Ballistic flight of every ball for s frames. */
function drift(b: Balls, s: number, g: number): void {
  for (let i = 0; i < b.n; i++) {
    b.x[i] += b.vx[i] * s;
    b.y[i] += b.vy[i] * s + 0.5 * g * s * s;
    b.vy[i] += g * s;
  }
}

/** Earlier wall contacts of ball i than `c.s` (side walls linear in time, top and floor quadratic with gravity). */
function wallContact(b: Balls, i: number, p: SimParams, c: Contact): void {
  const g = p.gravity;
  const xi = b.x[i];
  const yi = b.y[i];
  const vxi = b.vx[i];
  const vyi = b.vy[i];
  const ri = b.r[i];
  const found = (s: number, wall: number): void => {
    if (s < c.s) {
      c.s = s;
      c.kind = 'wall';
      c.i = i;
      c.other = wall;
    }
  };
  if (vxi < -EPS) found(Math.max((ri - xi) / vxi, 0), WALL_LEFT);
  else if (vxi > EPS) found(Math.max((p.width - ri - xi) / vxi, 0), WALL_RIGHT);
  found(quadContact(0.5 * g, vyi, yi - ri, (s) => -(vyi + g * s)), WALL_TOP);
  found(quadContact(0.5 * g, vyi, yi - (p.height - ri), (s) => vyi + g * s), WALL_FLOOR);
}

/** Earlier contacts of ball i with balls j > i than `c.s` (gravity cancels in relative motion). */
function pairContacts(b: Balls, i: number, c: Contact): void {
  const { x, y, vx, vy, r } = b;
  for (let j = i + 1; j < b.n; j++) {
    const dx = x[j] - x[i];
    const dy = y[j] - y[i];
    const ux = vx[j] - vx[i];
    const uy = vy[j] - vy[i];
    const bb = dx * ux + dy * uy;
    if (bb >= -EPS) continue;
    const a = ux * ux + uy * uy;
    const R = r[i] + r[j];
    const cc = dx * dx + dy * dy - R * R;
    const disc = bb * bb - a * cc;
    if (disc < 0) continue;
    const s = cc <= 0 ? 0 : cc / (-bb + Math.sqrt(disc));
    if (s < c.s) {
      c.s = s;
      c.kind = 'ball';
      c.i = i;
      c.other = j;
    }
  }
}

/** Bounce ball i off a wall (placed on it, normal velocity reversed and damped); returns the approach speed. */
function bounceOffWall(b: Balls, i: number, wall: number, p: SimParams): number {
  let vn: number;
  if (wall === WALL_LEFT || wall === WALL_RIGHT) {
    vn = Math.abs(b.vx[i]);
    b.vx[i] = -p.wallRestitution * b.vx[i];
    b.x[i] = wall === WALL_LEFT ? b.r[i] : p.width - b.r[i];
  } else {
    vn = Math.abs(b.vy[i]);
    b.vy[i] = -p.wallRestitution * b.vy[i];
    b.y[i] = wall === WALL_TOP ? b.r[i] : p.height - b.r[i];
  }
  return vn;
}

/** Exchange the impulse of a collision of balls i and j along their centre line; returns the approach speed. */
function collide(b: Balls, i: number, j: number, restitution: number): number {
  const { x, y, vx, vy, m } = b;
  let dx = x[j] - x[i];
  let dy = y[j] - y[i];
  const d = Math.hypot(dx, dy) || 1;
  dx /= d;
  dy /= d;
  const un = (vx[j] - vx[i]) * dx + (vy[j] - vy[i]) * dy;
  const J = (-(1 + restitution) * un) / (1 / m[i] + 1 / m[j]);
  vx[i] -= (J / m[i]) * dx;
  vy[i] -= (J / m[i]) * dy;
  vx[j] += (J / m[j]) * dx;
  vy[j] += (J / m[j]) * dy;
  return -un;
}

export function simulate(init: readonly BallInit[], p: SimParams): SimResult {
  const F = p.frames;
  const maxEvents = p.maxEvents ?? 256;
  const b = initialBalls(init);
  const states = new Float64Array(F * b.n * 4);
  const events: SimEvent[] = [];
  const c: Contact = { s: 0, kind: 'none', i: -1, other: -1 };
  let ok = true;
  let time = 0;
  record(b, states, 0);
  for (let f = 1; f < F; f++) {
    // advance from event to event until frame f
    for (;;) {
      c.s = f - time;
      c.kind = 'none';
      if (ok) {
        for (let i = 0; i < b.n; i++) {
          wallContact(b, i, p, c);
          pairContacts(b, i, c);
        }
      }
      drift(b, c.s, p.gravity);
      time += c.s;
      if (c.kind === 'none') {
        time = f;
        break;
      }
      if (c.kind === 'wall') {
        const normalSpeed = bounceOffWall(b, c.i, c.other, p);
        events.push({ time, kind: 'wall', ball: c.i, other: c.other, normalSpeed });
      } else {
        const normalSpeed = collide(b, c.i, c.other, p.ballRestitution);
        events.push({ time, kind: 'ball', ball: c.i, other: c.other, normalSpeed });
      }
      if (events.length >= maxEvents) ok = false;
    }
    record(b, states, f);
  }
  return { frames: F, balls: b.n, states, events, ok };
}
