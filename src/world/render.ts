/**
 * Renderer: anti-aliased discs on a uniform background, [3, F, H, W] uint8 (channel planes).
 * Coverage is a 1-px distance ramp, α = clamp(r − d + 0.5, 0, 1), d = distance from the pixel centre
 * (pixel (i, j) has its centre at (i + 0.5, j + 0.5)). Colours composite linearly,
 * pixel = bg + Σ α_k (c_k − bg), so a tracker can unmix them exactly. Only each disc's bounding box is touched.
 */
import { PALETTE, type Rgb, type WorldConfig } from './config.js';
import type { ClipTruth } from './scenarios.js';

export interface Disc {
  x: number;
  y: number;
  r: number;
  rgb: Rgb;
}

/** A general scene: per-frame lists of discs and a background (one colour, or one per frame). */
export interface Scene {
  width: number;
  height: number;
  frames: number;
  background: Rgb | Rgb[];
  discs: Disc[][];
}

/** Draw one disc into frame t of a [3, F, H, W] uint8 video starting at `offset`. */
export function drawDisc(
  out: Uint8Array,
  offset: number,
  F: number,
  H: number,
  W: number,
  t: number,
  x: number,
  y: number,
  r: number,
  rgb: Rgb,
  bg: Rgb,
): void {
  if (!(r > 0)) return;
  const x0 = Math.max(0, Math.floor(x - r - 0.5));
  const x1 = Math.min(W - 1, Math.ceil(x + r + 0.5));
  const y0 = Math.max(0, Math.floor(y - r - 0.5));
  const y1 = Math.min(H - 1, Math.ceil(y + r + 0.5));
  const plane = F * H * W;
  const base = offset + t * H * W;
  const dr = rgb[0] - bg[0];
  const dg = rgb[1] - bg[1];
  const db = rgb[2] - bg[2];
  const rIn = r - 0.5;
  const rIn2 = rIn > 0 ? rIn * rIn : -1;
  const rOut = r + 0.5;
  const rOut2 = rOut * rOut;
  for (let j = y0; j <= y1; j++) {
    const py = j + 0.5 - y;
    const py2 = py * py;
    const row = base + j * W;
    for (let i = x0; i <= x1; i++) {
      const px = i + 0.5 - x;
      const d2 = px * px + py2;
      if (d2 >= rOut2) continue;
      const a = d2 <= rIn2 ? 1 : rOut - Math.sqrt(d2);
      const o = row + i;
      out[o] = clampByte(out[o] + a * dr);
      out[o + plane] = clampByte(out[o + plane] + a * dg);
      out[o + 2 * plane] = clampByte(out[o + 2 * plane] + a * db);
    }
  }
}

function clampByte(v: number): number {
  // Uint8Array stores truncated values; round explicitly.
  return v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
}

/** Fill the background of a [3, F, H, W] video (one colour, or one per frame). */
export function fillBackground(out: Uint8Array, offset: number, F: number, H: number, W: number, background: Rgb | Rgb[]): void {
  const frame = H * W;
  const plane = F * frame;
  if (isRgb(background)) {
    for (let c = 0; c < 3; c++) out.fill(background[c], offset + c * plane, offset + (c + 1) * plane);
    return;
  }
  for (let c = 0; c < 3; c++) {
    for (let t = 0; t < F; t++) {
      const s = offset + c * plane + t * frame;
      out.fill(Math.round(background[t][c]), s, s + frame);
    }
  }
}

function isRgb(b: Rgb | Rgb[]): b is Rgb {
  return typeof b[0] === 'number';
}

/** Render a general scene to [3, F, H, W] uint8 (into `out` at `offset` if given). */
export function renderScene(scene: Scene, out?: Uint8Array, offset = 0): Uint8Array {
  const { width: W, height: H, frames: F } = scene;
  const dst = out ?? new Uint8Array(3 * F * H * W);
  fillBackground(dst, offset, F, H, W, scene.background);
  for (let t = 0; t < F; t++) {
    const bg = isRgb(scene.background) ? scene.background : scene.background[t];
    for (const d of scene.discs[t] ?? []) drawDisc(dst, offset, F, H, W, t, d.x, d.y, d.r, d.rgb, bg);
  }
  return dst;
}

/** Render a simulated clip (fast path, no intermediate scene). */
export function renderClip(truth: ClipTruth, out?: Uint8Array, offset = 0): Uint8Array {
  const w: WorldConfig = truth.world;
  const { width: W, height: H, frames: F } = w;
  const dst = out ?? new Uint8Array(3 * F * H * W);
  fillBackground(dst, offset, F, H, W, w.background);
  const n = truth.sim.balls;
  const st = truth.sim.states;
  for (let t = 0; t < F; t++) {
    for (let b = 0; b < n; b++) {
      const o = (t * n + b) * 4;
      drawDisc(dst, offset, F, H, W, t, st[o], st[o + 1], truth.init[b].r, PALETTE[truth.init[b].colour].rgb, w.background);
    }
  }
  return dst;
}

/** The scene of a simulated clip, for editing (corruptions) before rendering. */
export function clipScene(truth: ClipTruth): Scene {
  const w = truth.world;
  const n = truth.sim.balls;
  const st = truth.sim.states;
  const discs: Disc[][] = [];
  for (let t = 0; t < w.frames; t++) {
    const row: Disc[] = [];
    for (let b = 0; b < n; b++) {
      const o = (t * n + b) * 4;
      row.push({ x: st[o], y: st[o + 1], r: truth.init[b].r, rgb: PALETTE[truth.init[b].colour].rgb });
    }
    discs.push(row);
  }
  return { width: w.width, height: w.height, frames: w.frames, background: w.background, discs };
}
