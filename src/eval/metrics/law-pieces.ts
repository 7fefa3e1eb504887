/**
 * The piecewise ballistic fit itself: per ball, pieces x = x0 + vx·t, y = y0 + vy·t + ½·g·t² split only at allowed
 * breaks, chosen by dynamic programming to minimise SSE + λ·(breaks), with one gravity g shared by all pieces
 * and balls, re-fitted in closed form between segmentation rounds.
 */
export const BREAK_PENALTY_PX2 = 0.02;
/**
 * Extra cost of a two-point piece. Two points fit any straight piece exactly, so a two-point piece can straddle an
 * event and tie with the true segmentation (one point joined to its neighbour, which stays consistent). The
 * penalty breaks such ties toward the longer consistent pieces.
 */
export const SHORT_PIECE_PENALTY_PX2 = 0.01;

/** One ball's present frames. */
export interface Series {
  k: number; // colour index in the track
  t: number[];
  x: number[];
  y: number[];
  r: number; // median radius
  rFrame: number[];
}

/** One ballistic piece over points a..b (indices into the series). */
export interface Segment {
  a: number; // first point index
  b: number; // last point index (inclusive)
  x0: number;
  vx: number;
  y0: number; // of z = y − ½ g t²
  vy: number;
  sse: number;
}

/** Median of a list (NaN when empty). */
export function median(v: number[]): number {
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

export function fitSegment(s: Series, a: number, b: number, g: number): Segment {
  const [x0, vx, sx] = lineFit(s.t, (i) => s.x[i], a, b);
  const [y0, vy, sy] = lineFit(s.t, (i) => s.y[i] - 0.5 * g * s.t[i] * s.t[i], a, b);
  return { a, b, x0, vx, y0, vy, sse: sx + sy };
}

export function segmentPos(seg: Segment, t: number, g: number): [number, number] {
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

export interface Pieces {
  segs: Segment[][];
  /** Gravity re-fitted on the final segmentation (NaN when no piece has 3 points). */
  gFit: number;
  /** The gravity the pieces were fitted with. */
  gUse: number;
}

/** Segment every ball, alternating with the closed-form gravity fit (two rounds), then refit pieces with the final g. */
export function fitPieces(series: Series[], allowed: boolean[][]): Pieces {
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
  return { segs, gFit, gUse };
}
