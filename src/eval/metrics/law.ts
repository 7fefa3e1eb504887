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
import { fitPieces, median, segmentPos, type Pieces, type Segment, type Series } from './law-pieces.js';

export { BREAK_PENALTY_PX2, SHORT_PIECE_PENALTY_PX2 } from './law-pieces.js';
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

export interface LawOptions {
  width: number;
  height: number;
}

/** The tracked balls of one fit and the box they move in. */
interface LawScene {
  track: Track;
  /** Track colour index of each ball. */
  colours: readonly number[];
  width: number;
  height: number;
  series: Series[];
}

/** One ball's present frames: times, centroids and radii. */
function collectSeries(track: Track, colours: readonly number[]): Series[] {
  const K = track.colours;
  return colours.map((k) => {
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
}

/** Position of ball b at frame t (NaN if absent). */
function posAt(sc: LawScene, b: number, t: number): [number, number] {
  const k = sc.colours[b];
  const K = sc.track.colours;
  if (!isPresent(sc.track, t, k)) return [NaN, NaN];
  return [sc.track.cx[t * K + k], sc.track.cy[t * K + k]];
}

/** Distance from a disc to the nearest wall (negative when it pokes through). */
function wallGap(sc: LawScene, x: number, y: number, r: number): number {
  return Math.min(x - r, sc.width - r - x, y - r, sc.height - r - y);
}

/** Distance from ball b's disc at frame t to the nearest other ball present then. */
function ballGap(sc: LawScene, b: number, t: number, x: number, y: number, r: number): number {
  let g = Infinity;
  for (let c = 0; c < sc.series.length; c++) {
    if (c === b) continue;
    const [ox, oy] = posAt(sc, c, t);
    if (Number.isNaN(ox)) continue;
    g = Math.min(g, Math.hypot(ox - x, oy - y) - r - sc.series[c].r);
  }
  return g;
}

interface AllowedBreaks {
  /** Per ball, per gap between consecutive points: may a piece end there. */
  allowed: boolean[][];
  /** Per ball, per gap: the reach (px) the contact test used (Infinity across missing frames). */
  reaches: number[][];
}

/** Breaks are allowed across missing frames and where a wall or another ball is within reach of either end. */
function allowedBreaks(sc: LawScene): AllowedBreaks {
  const reaches: number[][] = sc.series.map(() => []);
  const allowed: boolean[][] = sc.series.map((s, b) => {
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
        if (wallGap(sc, s.x[j], s.y[j], s.r) < reach || ballGap(sc, b, s.t[j], s.x[j], s.y[j], s.r) < reach) ok = true;
      }
      out.push(ok);
    }
    return out;
  });
  return { allowed, reaches };
}

/** Where ball c is at fractional time t: on its fitted piece, else interpolated between tracked frames. */
function otherPos(sc: LawScene, pieces: Pieces, c: number, t: number): [number, number] {
  // the last segment starting at or before t
  const s = sc.series[c];
  let sg: Segment | null = null;
  for (const cand of pieces.segs[c]) if (s.t[cand.a] <= Math.floor(t)) sg = cand;
  if (sg && sg.b > sg.a) return segmentPos(sg, t, pieces.gUse);
  const t0 = Math.floor(t);
  const [x0, y0] = posAt(sc, c, t0);
  const [x1, y1] = posAt(sc, c, t0 + 1);
  if (Number.isNaN(x1)) return [x0, y0];
  if (Number.isNaN(x0)) return [x1, y1];
  const f = t - t0;
  return [x0 + f * (x1 - x0), y0 + f * (y1 - y0)];
}

/** The contacts found so far; a ball pair colliding at one frame is recorded once. */
class ContactLog {
  readonly bounces: Bounce[] = [];
  readonly collisions: Collision[] = [];
  private readonly seenPairs = new Set<string>();

  collision(b: number, c: number, frame: number, time: number): void {
    const key = `${Math.min(b, c)}-${Math.max(b, c)}-${Math.floor(frame)}`;
    if (this.seenPairs.has(key)) return;
    this.seenPairs.add(key);
    this.collisions.push({ ball: Math.min(b, c), other: Math.max(b, c), time });
  }
}

/** A break between two consecutive pieces A and B of ball b, spanning frames ta (A's last) to tb (B's first). */
interface Break {
  b: number;
  s: Series;
  A: Segment;
  B: Segment;
  ta: number;
  tb: number;
}

/** Wall bounces at a verified break, judged where each axis's two pieces cross; true when one is found. */
function verifiedWallBounces(sc: LawScene, br: Break, tcx: number, tcy: number, gUse: number, log: ContactLog): boolean {
  const { b, A, B, ta, tb } = br;
  const r = br.s.r;
  const clampT = (t: number): number => Math.min(tb, Math.max(ta, t));
  let explained = false;
  if (Number.isFinite(tcx)) {
    const t = clampT(tcx);
    const [x] = segmentPos(A, t, gUse);
    for (const wall of ['left', 'right'] as const) {
      const gap = wall === 'left' ? x - r : sc.width - r - x;
      if (Math.abs(gap) > CONTACT_TOL_PX) continue;
      explained = true;
      const sign = wall === 'left' ? -1 : 1; // outward normal
      const vin = sign * A.vx;
      const vout = -sign * B.vx;
      log.bounces.push({ ball: b, wall, time: t, restitution: vin >= MIN_BOUNCE_SPEED_PX ? vout / vin : NaN });
    }
  }
  if (Number.isFinite(tcy)) {
    const t = clampT(tcy);
    const [, y] = segmentPos(A, t, gUse);
    for (const wall of ['top', 'floor'] as const) {
      const gap = wall === 'top' ? y - r : sc.height - r - y;
      if (Math.abs(gap) > CONTACT_TOL_PX) continue;
      explained = true;
      const sign = wall === 'top' ? -1 : 1;
      const vin = sign * (A.vy + gUse * t);
      const vout = -sign * (B.vy + gUse * t);
      log.bounces.push({ ball: b, wall, time: t, restitution: vin >= MIN_BOUNCE_SPEED_PX ? vout / vin : NaN });
    }
  }
  return explained;
}

/**
 * A break whose pieces both have ≥ 3 points, so their velocities are trustworthy: the jump between the pieces,
 * wall bounces where they cross, and other balls touched where they come closest.
 */
function explainVerifiedBreak(sc: LawScene, pieces: Pieces, br: Break, log: ContactLog): { explained: boolean; jumpPx: number } {
  const { b, A, B, ta, tb } = br;
  const gUse = pieces.gUse;
  const dx0 = A.x0 - B.x0;
  const dvx = A.vx - B.vx;
  const dy0 = A.y0 - B.y0;
  const dvy = A.vy - B.vy;
  const crossing = (d0: number, dv: number): number => (Math.abs(dv) >= MIN_DV_PX ? -d0 / dv : NaN);
  const tcx = crossing(dx0, dvx);
  const tcy = crossing(dy0, dvy);
  const compJump = (d0: number, dv: number, tc: number): number =>
    Number.isFinite(tc) && tc >= ta - 0.25 && tc <= tb + 0.25 ? 0 : Math.min(Math.abs(d0 + dv * ta), Math.abs(d0 + dv * tb));
  const jumpPx = Math.hypot(compJump(dx0, dvx, tcx), compJump(dy0, dvy, tcy));
  let explained = verifiedWallBounces(sc, br, tcx, tcy, gUse, log);
  // other balls, at the time the two pieces come closest
  const a2 = dvx * dvx + dvy * dvy;
  const tc = Math.min(tb, Math.max(ta, a2 > 1e-12 ? -(dx0 * dvx + dy0 * dvy) / a2 : 0.5 * (ta + tb)));
  const [x, y] = segmentPos(A, tc, gUse);
  for (let c = 0; c < sc.series.length; c++) {
    if (c === b) continue;
    const [ox, oy] = otherPos(sc, pieces, c, tc);
    if (!Number.isNaN(ox) && Math.hypot(ox - x, oy - y) - br.s.r - sc.series[c].r <= CONTACT_TOL_PX) {
      explained = true;
      log.collision(b, c, ta, tc);
    }
  }
  return { explained, jumpPx };
}

/**
 * A break next to a piece too short for velocities: explained by the nearest contact within reach at either end.
 * A wall whose normal velocity does not reverse only explains the break as a last resort.
 */
function explainShortBreak(sc: LawScene, br: Break, reach: number, log: ContactLog): boolean {
  const { b, s, A, B, ta, tb } = br;
  const r = s.r;
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
      ['right', sc.width - r - s.x[i], reverses(0, 1)],
      ['top', s.y[i] - r, reverses(1, -1)],
      ['floor', sc.height - r - s.y[i], reverses(1, 1)],
    ];
    for (const [wall, gp] of gaps) {
      if (gp < anyGap) {
        anyGap = gp;
        anyWall = wall;
      }
    }
    for (const [wall, gp, consistent] of gaps) {
      const score = consistent ? gp : gp + reach;
      if (score < bestGap) {
        bestGap = score;
        bestWall = wall;
        bestBall = -1;
      }
    }
    for (let c = 0; c < sc.series.length; c++) {
      if (c === b) continue;
      const [ox, oy] = posAt(sc, c, s.t[i]);
      if (Number.isNaN(ox)) continue;
      const gp = Math.hypot(ox - s.x[i], oy - s.y[i]) - r - sc.series[c].r;
      if (gp < bestGap) {
        bestGap = gp;
        bestWall = null;
        bestBall = c;
      }
    }
  }
  if (bestWall === null && bestBall < 0) bestWall = anyWall;
  if (bestBall >= 0) {
    log.collision(b, bestBall, ta, 0.5 * (ta + tb));
    return true;
  }
  if (bestWall === null) return false;
  log.bounces.push({ ball: b, wall: bestWall, time: 0.5 * (ta + tb), restitution: NaN });
  return true;
}

interface BreakFindings {
  bounces: Bounce[];
  collisions: Collision[];
  unexplained: number;
  jumpPx: number;
}

/** Explain every break of every ball by a wall or ball contact. */
function explainBreaks(sc: LawScene, pieces: Pieces, reaches: number[][]): BreakFindings {
  const log = new ContactLog();
  let unexplained = 0;
  let jumpPx = 0;
  for (let b = 0; b < sc.series.length; b++) {
    const s = sc.series[b];
    const list = pieces.segs[b];
    for (let q = 1; q < list.length; q++) {
      const A = list[q - 1];
      const B = list[q];
      const br: Break = { b, s, A, B, ta: s.t[A.b], tb: s.t[B.a] };
      let explained: boolean;
      if (A.b - A.a >= 2 && B.b - B.a >= 2) {
        const v = explainVerifiedBreak(sc, pieces, br, log);
        jumpPx = Math.max(jumpPx, v.jumpPx);
        explained = v.explained;
      } else {
        explained = explainShortBreak(sc, br, reaches[b][A.b], log);
      }
      if (!explained) unexplained++;
    }
  }
  return { bounces: log.bounces, collisions: log.collisions, unexplained, jumpPx };
}

/** Deepest penetration (px) of a wall or another ball over all tracked frames (may be negative: no contact). */
function deepestPenetration(sc: LawScene): number {
  const { track, colours } = sc;
  const K = track.colours;
  let penetrationPx = 0;
  for (let t = 0; t < track.frames; t++) {
    for (let b = 0; b < sc.series.length; b++) {
      const [x, y] = posAt(sc, b, t);
      if (Number.isNaN(x)) continue;
      const r = track.radius[t * K + colours[b]];
      penetrationPx = Math.max(penetrationPx, -wallGap(sc, x, y, r));
      for (let c = b + 1; c < sc.series.length; c++) {
        const [ox, oy] = posAt(sc, c, t);
        if (Number.isNaN(ox)) continue;
        penetrationPx = Math.max(penetrationPx, r + track.radius[t * K + colours[c]] - Math.hypot(ox - x, oy - y));
      }
    }
  }
  return penetrationPx;
}

/** Fit the piecewise ballistic law to the tracked balls `colours` (track colour indices). */
export function fitLaw(track: Track, colours: readonly number[], opts: LawOptions): LawFit {
  const series = collectSeries(track, colours);
  const sc: LawScene = { track, colours, width: opts.width, height: opts.height, series };
  const { allowed, reaches } = allowedBreaks(sc);
  const pieces = fitPieces(series, allowed);
  let sse = 0;
  let points = 0;
  for (let b = 0; b < series.length; b++) {
    points += series[b].t.length;
    for (const sg of pieces.segs[b]) sse += sg.sse;
  }
  const found = explainBreaks(sc, pieces, reaches);
  return {
    rmsPx: points > 0 ? Math.sqrt(sse / points) : NaN,
    gFit: pieces.gFit,
    bounces: found.bounces,
    collisions: found.collisions,
    unexplained: found.unexplained,
    jumpPx: found.jumpPx,
    penetrationPx: Math.max(0, deepestPenetration(sc)),
    points,
    pieces: series.map((s, b) => pieces.segs[b].map((sg): [number, number] => [s.t[sg.a], s.t[sg.b]])),
  };
}
