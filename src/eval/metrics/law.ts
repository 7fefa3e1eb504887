/**
 * Law residual: piecewise ballistic fit of tracked centroids, split at bounces and collisions.
 *
 * Per ball, breakpoints may only be placed in frame gaps where the ball is within reach of a wall or another
 * ball (reach = largest nearby displacement + 1 px), so a velocity change in mid-air cannot be explained away.
 * Segments follow x = x0 + vx·t, y = y0 + vy·t + ½·g·t² with ONE gravity g shared by all segments and balls.
 * The segmentation minimises SSE + λ·(breaks) by dynamic programming; g is then re-fitted in closed form and the
 * segmentation redone (two rounds). Each break is then checked: the two pieces must meet inside the gap
 * (jump), the contact must be real (a wall or another ball touched at the crossing time), and wall bounces
 * give a restitution −v_n,after / v_n,before.
 */
import type { Track } from '../track.js';
import { isPresent } from '../track.js';

export const BREAK_PENALTY_PX2 = 0.02;
/**
 * Extra cost of a two-point piece. Two points fit any straight piece exactly, so a two-point piece can straddle an
 * event and tie with the true segmentation (one point joined to its neighbour, which stays consistent). The
 * penalty breaks such ties toward the longer consistent pieces.
 */
export const SHORT_PIECE_PENALTY_PX2 = 0.01;
export const CONTACT_TOL_PX = 1.0;
export const MIN_DV_PX = 0.2;
export const MIN_BOUNCE_SPEED_PX = 0.5;

export interface Bounce {
  ball: number;
  wall: 'left' | 'right' | 'top' | 'floor';
  time: number;
  /** Restitution −v_n,after / v_n,before (NaN when the approach was too slow to judge or a piece was too short). */
  restitution: number;
}

export interface Collision {
  ball: number;
  other: number;
  time: number;
}

export interface LawFit {
  /** RMS distance (px) between tracked centroids and the piecewise ballistic fit, over all balls and frames. */
  rmsPx: number;
  /** Fitted gravity (px / frame², y down); NaN when no piece has 3 points. */
  gFit: number;
  bounces: Bounce[];
  collisions: Collision[];
  /** Breaks where neither a wall nor another ball was touched. */
  unexplained: number;
  /** Largest gap between the two pieces of a break (px; 0 for a continuous path). */
  jumpPx: number;
  /** Deepest penetration of a wall or another ball (px, ≥ 0). */
  penetrationPx: number;
  /** Number of points fitted. */
  points: number;
  /** Per ball, the fitted pieces as [first frame, last frame]. */
  pieces: [number, number][][];
}

interface Series {
  k: number; // colour index in the track
  t: number[];
  x: number[];
  y: number[];
  r: number; // median radius
  rFrame: number[];
}

interface Segment {
  a: number; // first point index
  b: number; // last point index (inclusive)
  x0: number;
  vx: number;
  y0: number; // of z = y − ½ g t²
  vy: number;
  sse: number;
}

function median(v: number[]): number {
  if (v.length === 0) return NaN;
  const s = [...v].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** Least-squares line through (t, z) for points a..b; returns [z0, v, sse]. */
function lineFit(t: number[], z: (i: number) => number, a: number, b: number): [number, number, number] {
  const n = b - a + 1;
  if (n === 1) return [z(a), NaN, 0];
  let st = 0;
  let sz = 0;
  for (let i = a; i <= b; i++) {
    st += t[i];
    sz += z(i);
  }
  const mt = st / n;
  const mz = sz / n;
  let stt = 0;
  let stz = 0;
  for (let i = a; i <= b; i++) {
    const dt = t[i] - mt;
    stt += dt * dt;
    stz += dt * (z(i) - mz);
  }
  const v = stz / stt;
  const z0 = mz - v * mt;
  let sse = 0;
  for (let i = a; i <= b; i++) {
    const e = z(i) - z0 - v * t[i];
    sse += e * e;
  }
  return [z0, v, sse];
}

function fitSegment(s: Series, a: number, b: number, g: number): Segment {
  const [x0, vx, sx] = lineFit(s.t, (i) => s.x[i], a, b);
  const [y0, vy, sy] = lineFit(s.t, (i) => s.y[i] - 0.5 * g * s.t[i] * s.t[i], a, b);
  return { a, b, x0, vx, y0, vy, sse: sx + sy };
}

function segmentPos(seg: Segment, t: number, g: number): [number, number] {
  return [seg.x0 + seg.vx * t, seg.y0 + seg.vy * t + 0.5 * g * t * t];
}

/** Best segmentation of one ball's series (DP over allowed breaks); piece costs from prefix sums. */
function segmentSeries(s: Series, allowed: boolean[], g: number): Segment[] {
  const n = s.t.length;
  if (n === 0) return [];
  const P = new Float64Array((n + 1) * 8); // prefix sums of t, t², x, tx, x², z, tz, z²
  for (let i = 0; i < n; i++) {
    const t = s.t[i];
    const x = s.x[i];
    const z = s.y[i] - 0.5 * g * t * t;
    const o = i * 8;
    const q = o + 8;
    P[q] = P[o] + t;
    P[q + 1] = P[o + 1] + t * t;
    P[q + 2] = P[o + 2] + x;
    P[q + 3] = P[o + 3] + t * x;
    P[q + 4] = P[o + 4] + x * x;
    P[q + 5] = P[o + 5] + z;
    P[q + 6] = P[o + 6] + t * z;
    P[q + 7] = P[o + 7] + z * z;
  }
  const cost = (a: number, b: number): number => {
    const m = b - a + 1;
    if (m <= 2) return 0;
    const o = a * 8;
    const q = (b + 1) * 8;
    const st = P[q] - P[o];
    const stt = P[q + 1] - P[o + 1];
    const det = m * stt - st * st;
    let sse = 0;
    for (let c = 2; c <= 5; c += 3) {
      const sz = P[q + c] - P[o + c];
      const stz = P[q + c + 1] - P[o + c + 1];
      const szz = P[q + c + 2] - P[o + c + 2];
      sse += Math.max(0, szz - (stt * sz * sz - 2 * st * sz * stz + m * stz * stz) / det);
    }
    return sse;
  };
  const best = new Float64Array(n + 1).fill(Infinity);
  const from = new Int32Array(n + 1);
  best[0] = 0;
  for (let j = 1; j <= n; j++) {
    for (let i = 0; i < j; i++) {
      if (i > 0 && !allowed[i - 1]) continue;
      if (best[i] === Infinity) continue;
      const c = best[i] + cost(i, j - 1) + (i > 0 ? BREAK_PENALTY_PX2 : 0) + (j - i === 2 ? SHORT_PIECE_PENALTY_PX2 : 0);
      if (c < best[j]) {
        best[j] = c;
        from[j] = i;
      }
    }
  }
  const segs: Segment[] = [];
  let j = n;
  while (j > 0) {
    const i = from[j];
    segs.push(fitSegment(s, i, j - 1, g));
    j = i;
  }
  return segs.reverse();
}

/** Closed-form joint gravity for a fixed segmentation (segments with ≥ 3 points). */
function fitGravity(series: Series[], segs: Segment[][]): number {
  let num = 0;
  let den = 0;
  for (let b = 0; b < series.length; b++) {
    const s = series[b];
    for (const seg of segs[b]) {
      if (seg.b - seg.a + 1 < 3) continue;
      // residuals of y and q = ½t² after removing a line
      const [y0, vy] = lineFit(s.t, (i) => s.y[i], seg.a, seg.b);
      const [q0, vq] = lineFit(s.t, (i) => 0.5 * s.t[i] * s.t[i], seg.a, seg.b);
      for (let i = seg.a; i <= seg.b; i++) {
        const ry = s.y[i] - y0 - vy * s.t[i];
        const rq = 0.5 * s.t[i] * s.t[i] - q0 - vq * s.t[i];
        num += ry * rq;
        den += rq * rq;
      }
    }
  }
  return den > 1e-9 ? num / den : NaN;
}

/** Robust initial gravity: median second difference of y away from possible contacts. */
function initialGravity(series: Series[], allowed: boolean[][]): number {
  const free: number[] = [];
  const all: number[] = [];
  for (let b = 0; b < series.length; b++) {
    const s = series[b];
    for (let i = 1; i + 1 < s.t.length; i++) {
      if (s.t[i] - s.t[i - 1] !== 1 || s.t[i + 1] - s.t[i] !== 1) continue;
      const a = s.y[i + 1] - 2 * s.y[i] + s.y[i - 1];
      all.push(a);
      if (!allowed[b][i - 1] && !allowed[b][i]) free.push(a);
    }
  }
  const m = median(free.length >= 2 ? free : all);
  return Number.isFinite(m) ? m : 0;
}

export interface LawOptions {
  width: number;
  height: number;
}

/** Fit the piecewise ballistic law to the tracked balls `colours` (track colour indices). */
export function fitLaw(track: Track, colours: readonly number[], opts: LawOptions): LawFit {
  const { width: W, height: H } = opts;
  const K = track.colours;
  const series: Series[] = colours.map((k) => {
    const s: Series = { k, t: [], x: [], y: [], r: NaN, rFrame: [] };
    for (let t = 0; t < track.frames; t++) {
      if (!isPresent(track, t, k)) continue;
      s.t.push(t);
      s.x.push(track.cx[t * K + k]);
      s.y.push(track.cy[t * K + k]);
      s.rFrame.push(track.radius[t * K + k]);
    }
    s.r = median(s.rFrame);
    return s;
  });
  // position of ball b at frame t (NaN if absent)
  const posAt = (b: number, t: number): [number, number] => {
    const k = colours[b];
    if (!isPresent(track, t, k)) return [NaN, NaN];
    return [track.cx[t * K + k], track.cy[t * K + k]];
  };
  const wallGap = (x: number, y: number, r: number): number => Math.min(x - r, W - r - x, y - r, H - r - y);
  const ballGap = (b: number, t: number, x: number, y: number, r: number): number => {
    let g = Infinity;
    for (let c = 0; c < series.length; c++) {
      if (c === b) continue;
      const [ox, oy] = posAt(c, t);
      if (Number.isNaN(ox)) continue;
      g = Math.min(g, Math.hypot(ox - x, oy - y) - r - series[c].r);
    }
    return g;
  };
  // allowed breaks per ball, and the reach used for them
  const reaches: number[][] = series.map(() => []);
  const allowed: boolean[][] = series.map((s, b) => {
    const n = s.t.length;
    const out: boolean[] = [];
    for (let i = 0; i + 1 < n; i++) {
      if (s.t[i + 1] - s.t[i] > 1) {
        out.push(true);
        reaches[b].push(Infinity);
        continue;
      }
      let reach = Math.hypot(s.x[i + 1] - s.x[i], s.y[i + 1] - s.y[i]);
      if (i > 0 && s.t[i] - s.t[i - 1] === 1) reach = Math.max(reach, Math.hypot(s.x[i] - s.x[i - 1], s.y[i] - s.y[i - 1]));
      if (i + 2 < n && s.t[i + 2] - s.t[i + 1] === 1) reach = Math.max(reach, Math.hypot(s.x[i + 2] - s.x[i + 1], s.y[i + 2] - s.y[i + 1]));
      reach += CONTACT_TOL_PX;
      reaches[b].push(reach);
      let ok = false;
      for (const j of [i, i + 1]) {
        if (wallGap(s.x[j], s.y[j], s.r) < reach || ballGap(b, s.t[j], s.x[j], s.y[j], s.r) < reach) ok = true;
      }
      out.push(ok);
    }
    return out;
  });
  let g = initialGravity(series, allowed);
  let segs = series.map((s, b) => segmentSeries(s, allowed[b], g));
  for (let round = 0; round < 2; round++) {
    const g2 = fitGravity(series, segs);
    if (!Number.isFinite(g2)) break;
    g = g2;
    segs = series.map((s, b) => segmentSeries(s, allowed[b], g));
  }
  const gFit = fitGravity(series, segs);
  const gUse = Number.isFinite(gFit) ? gFit : g;
  if (Number.isFinite(gFit)) segs = series.map((s, b) => s.t.length ? segs[b].map((sg) => fitSegment(s, sg.a, sg.b, gUse)) : []);

  let sse = 0;
  let points = 0;
  for (let b = 0; b < series.length; b++) {
    points += series[b].t.length;
    for (const sg of segs[b]) sse += sg.sse;
  }

  // segment of ball c covering frame time t (the last segment starting at or before t)
  const segmentAt = (c: number, t: number): Segment | null => {
    const s = series[c];
    let found: Segment | null = null;
    for (const sg of segs[c]) if (s.t[sg.a] <= t) found = sg;
    return found;
  };
  const otherPos = (c: number, t: number): [number, number] => {
    const sg = segmentAt(c, Math.floor(t));
    if (sg && sg.b > sg.a) return segmentPos(sg, t, gUse);
    const t0 = Math.floor(t);
    const [x0, y0] = posAt(c, t0);
    const [x1, y1] = posAt(c, t0 + 1);
    if (Number.isNaN(x1)) return [x0, y0];
    if (Number.isNaN(x0)) return [x1, y1];
    const f = t - t0;
    return [x0 + f * (x1 - x0), y0 + f * (y1 - y0)];
  };

  const bounces: Bounce[] = [];
  const collisions: Collision[] = [];
  const seenPairs = new Set<string>();
  let unexplained = 0;
  let jumpPx = 0;
  for (let b = 0; b < series.length; b++) {
    const s = series[b];
    const list = segs[b];
    for (let q = 1; q < list.length; q++) {
      const A = list[q - 1];
      const B = list[q];
      const ta = s.t[A.b];
      const tb = s.t[B.a];
      const r = s.r;
      let explained = false;
      const addCollision = (c: number, time: number): void => {
        explained = true;
        const key = `${Math.min(b, c)}-${Math.max(b, c)}-${Math.floor(ta)}`;
        if (!seenPairs.has(key)) {
          seenPairs.add(key);
          collisions.push({ ball: Math.min(b, c), other: Math.max(b, c), time });
        }
      };
      if (A.b - A.a >= 2 && B.b - B.a >= 2) {
        // verified break: both pieces have ≥ 3 points, so their velocities are trustworthy
        const dx0 = A.x0 - B.x0;
        const dvx = A.vx - B.vx;
        const dy0 = A.y0 - B.y0;
        const dvy = A.vy - B.vy;
        const crossing = (d0: number, dv: number): number => (Math.abs(dv) >= MIN_DV_PX ? -d0 / dv : NaN);
        const tcx = crossing(dx0, dvx);
        const tcy = crossing(dy0, dvy);
        const compJump = (d0: number, dv: number, tc: number): number =>
          Number.isFinite(tc) && tc >= ta - 0.25 && tc <= tb + 0.25 ? 0 : Math.min(Math.abs(d0 + dv * ta), Math.abs(d0 + dv * tb));
        jumpPx = Math.max(jumpPx, Math.hypot(compJump(dx0, dvx, tcx), compJump(dy0, dvy, tcy)));
        const clampT = (t: number): number => Math.min(tb, Math.max(ta, t));
        // walls
        if (Number.isFinite(tcx)) {
          const t = clampT(tcx);
          const [x] = segmentPos(A, t, gUse);
          for (const wall of ['left', 'right'] as const) {
            const gap = wall === 'left' ? x - r : W - r - x;
            if (Math.abs(gap) > CONTACT_TOL_PX) continue;
            explained = true;
            const sign = wall === 'left' ? -1 : 1; // outward normal
            const vin = sign * A.vx;
            const vout = -sign * B.vx;
            bounces.push({ ball: b, wall, time: t, restitution: vin >= MIN_BOUNCE_SPEED_PX ? vout / vin : NaN });
          }
        }
        if (Number.isFinite(tcy)) {
          const t = clampT(tcy);
          const [, y] = segmentPos(A, t, gUse);
          for (const wall of ['top', 'floor'] as const) {
            const gap = wall === 'top' ? y - r : H - r - y;
            if (Math.abs(gap) > CONTACT_TOL_PX) continue;
            explained = true;
            const sign = wall === 'top' ? -1 : 1;
            const vin = sign * (A.vy + gUse * t);
            const vout = -sign * (B.vy + gUse * t);
            bounces.push({ ball: b, wall, time: t, restitution: vin >= MIN_BOUNCE_SPEED_PX ? vout / vin : NaN });
          }
        }
        // other balls, at the time the two pieces come closest
        const a2 = dvx * dvx + dvy * dvy;
        const tc = clampT(a2 > 1e-12 ? -(dx0 * dvx + dy0 * dvy) / a2 : 0.5 * (ta + tb));
        const [x, y] = segmentPos(A, tc, gUse);
        for (let c = 0; c < series.length; c++) {
          if (c === b) continue;
          const [ox, oy] = otherPos(c, tc);
          if (!Number.isNaN(ox) && Math.hypot(ox - x, oy - y) - r - series[c].r <= CONTACT_TOL_PX) addCollision(c, tc);
        }
      } else {
        // a piece too short for velocities: explain the break by the nearest contact within reach at either end
        const reach = reaches[b][A.b];
        let bestGap = reach;
        let anyWall: Bounce['wall'] | null = null;
        let anyGap = reach;
        let bestWall: Bounce['wall'] | null = null;
        let bestBall = -1;
        // chord velocities just before and after the gap, when those frames exist
        const vb = A.b > 0 && s.t[A.b] - s.t[A.b - 1] === 1 ? [s.x[A.b] - s.x[A.b - 1], s.y[A.b] - s.y[A.b - 1]] : null;
        const va = B.a + 1 < s.t.length && s.t[B.a + 1] - s.t[B.a] === 1 ? [s.x[B.a + 1] - s.x[B.a], s.y[B.a + 1] - s.y[B.a]] : null;
        const reverses = (axis: number, outward: number): boolean =>
          (vb === null || vb[axis] * outward > -MIN_DV_PX) && (va === null || va[axis] * outward < MIN_DV_PX);
        for (const i of [A.b, B.a]) {
          const gaps: [Bounce['wall'], number, boolean][] = [
            ['left', s.x[i] - r, reverses(0, -1)],
            ['right', W - r - s.x[i], reverses(0, 1)],
            ['top', s.y[i] - r, reverses(1, -1)],
            ['floor', H - r - s.y[i], reverses(1, 1)],
          ];
          for (const [wall, gp] of gaps) {
            if (gp < anyGap) {
              anyGap = gp;
              anyWall = wall;
            }
          }
          for (const [wall, gp, consistent] of gaps) {
            // a wall whose normal velocity does not reverse only explains the break as a last resort
            const score = consistent ? gp : gp + reach;
            if (score < bestGap) {
              bestGap = score;
              bestWall = wall;
              bestBall = -1;
            }
          }
          for (let c = 0; c < series.length; c++) {
            if (c === b) continue;
            const [ox, oy] = posAt(c, s.t[i]);
            if (Number.isNaN(ox)) continue;
            const gp = Math.hypot(ox - s.x[i], oy - s.y[i]) - r - series[c].r;
            if (gp < bestGap) {
              bestGap = gp;
              bestWall = null;
              bestBall = c;
            }
          }
        }
        if (bestWall === null && bestBall < 0) bestWall = anyWall;
        if (bestBall >= 0) addCollision(bestBall, 0.5 * (ta + tb));
        else if (bestWall !== null) {
          explained = true;
          bounces.push({ ball: b, wall: bestWall, time: 0.5 * (ta + tb), restitution: NaN });
        }
      }
      if (!explained) unexplained++;
    }
  }

  let penetrationPx = 0;
  for (let t = 0; t < track.frames; t++) {
    for (let b = 0; b < series.length; b++) {
      const [x, y] = posAt(b, t);
      if (Number.isNaN(x)) continue;
      const r = track.radius[t * K + colours[b]];
      penetrationPx = Math.max(penetrationPx, -wallGap(x, y, r));
      for (let c = b + 1; c < series.length; c++) {
        const [ox, oy] = posAt(c, t);
        if (Number.isNaN(ox)) continue;
        penetrationPx = Math.max(penetrationPx, r + track.radius[t * K + colours[c]] - Math.hypot(ox - x, oy - y));
      }
    }
  }
  return {
    rmsPx: points > 0 ? Math.sqrt(sse / points) : NaN,
    gFit,
    bounces,
    collisions,
    unexplained,
    jumpPx,
    penetrationPx: Math.max(0, penetrationPx),
    points,
    pieces: series.map((s, b) => segs[b].map((sg): [number, number] => [s.t[sg.a], s.t[sg.b]])),
  };
}
