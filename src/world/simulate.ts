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

export function simulate(init: readonly BallInit[], p: SimParams): SimResult {
  const n = init.length;
  const F = p.frames;
  const W = p.width;
  const H = p.height;
  const g = p.gravity;
  const maxEvents = p.maxEvents ?? 256;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const vx = new Float64Array(n);
  const vy = new Float64Array(n);
  const r = new Float64Array(n);
  const m = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = init[i].x;
    y[i] = init[i].y;
    vx[i] = init[i].vx;
    vy[i] = init[i].vy;
    r[i] = init[i].r;
    m[i] = init[i].r * init[i].r;
  }
  const states = new Float64Array(F * n * 4);
  const events: SimEvent[] = [];
  let ok = true;

  const record = (f: number): void => {
    for (let i = 0; i < n; i++) {
      const o = (f * n + i) * 4;
      states[o] = x[i];
      states[o + 1] = y[i];
      states[o + 2] = vx[i];
      states[o + 3] = vy[i];
    }
  };
  const drift = (s: number): void => {
    for (let i = 0; i < n; i++) {
      x[i] += vx[i] * s;
      y[i] += vy[i] * s + 0.5 * g * s * s;
      vy[i] += g * s;
    }
  };

  let time = 0;
  record(0);
  for (let f = 1; f < F; f++) {
    for (;;) {
      const left = f - time;
      let best = left;
      let kind = -1; // -1 none, 0 wall, 1 pair
      let bi = -1;
      let bo = -1;
      if (ok) {
        for (let i = 0; i < n; i++) {
          const xi = x[i];
          const yi = y[i];
          const vxi = vx[i];
          const vyi = vy[i];
          const ri = r[i];
          // side walls: linear in time
          if (vxi < -EPS) {
            const s = Math.max((ri - xi) / vxi, 0);
            if (s < best) { best = s; kind = 0; bi = i; bo = WALL_LEFT; }
          } else if (vxi > EPS) {
            const s = Math.max((W - ri - xi) / vxi, 0);
            if (s < best) { best = s; kind = 0; bi = i; bo = WALL_RIGHT; }
          }
          // top and floor: quadratic with gravity
          const sTop = quadContact(0.5 * g, vyi, yi - ri, (s) => -(vyi + g * s));
          if (sTop < best) { best = sTop; kind = 0; bi = i; bo = WALL_TOP; }
          const sFloor = quadContact(0.5 * g, vyi, yi - (H - ri), (s) => vyi + g * s);
          if (sFloor < best) { best = sFloor; kind = 0; bi = i; bo = WALL_FLOOR; }
          // pairs: gravity cancels in relative motion
          for (let j = i + 1; j < n; j++) {
            const dx = x[j] - xi;
            const dy = y[j] - yi;
            const ux = vx[j] - vxi;
            const uy = vy[j] - vyi;
            const b = dx * ux + dy * uy;
            if (b >= -EPS) continue;
            const a = ux * ux + uy * uy;
            const R = ri + r[j];
            const c = dx * dx + dy * dy - R * R;
            const disc = b * b - a * c;
            if (disc < 0) continue;
            const s = c <= 0 ? 0 : c / (-b + Math.sqrt(disc));
            if (s < best) { best = s; kind = 1; bi = i; bo = j; }
          }
        }
      }
      drift(best);
      time += best;
      if (kind < 0) {
        time = f;
        break;
      }
      if (kind === 0) {
        const i = bi;
        let vn: number;
        if (bo === WALL_LEFT || bo === WALL_RIGHT) {
          vn = Math.abs(vx[i]);
          vx[i] = -p.wallRestitution * vx[i];
          x[i] = bo === WALL_LEFT ? r[i] : W - r[i];
        } else {
          vn = Math.abs(vy[i]);
          vy[i] = -p.wallRestitution * vy[i];
          y[i] = bo === WALL_TOP ? r[i] : H - r[i];
        }
        events.push({ time, kind: 'wall', ball: i, other: bo, normalSpeed: vn });
      } else {
        const i = bi;
        const j = bo;
        let dx = x[j] - x[i];
        let dy = y[j] - y[i];
        const d = Math.hypot(dx, dy) || 1;
        dx /= d;
        dy /= d;
        const un = (vx[j] - vx[i]) * dx + (vy[j] - vy[i]) * dy;
        const J = (-(1 + p.ballRestitution) * un) / (1 / m[i] + 1 / m[j]);
        vx[i] -= (J / m[i]) * dx;
        vy[i] -= (J / m[i]) * dy;
        vx[j] += (J / m[j]) * dx;
        vy[j] += (J / m[j]) * dy;
        events.push({ time, kind: 'ball', ball: i, other: j, normalSpeed: -un });
      }
      if (events.length >= maxEvents) ok = false;
    }
    record(f);
  }
  return { frames: F, balls: n, states, events, ok };
}
