/**
 * Tracker from pixels. Per frame: estimate the background colour (per-channel median), unmix every pixel into
 * palette coverages α = A·(p − bg) (exact for ≤ 3 palette colours linearly independent of the background, which
 * the renderer's linear compositing makes true), then per colour: binary core mask α > 0.5, 8-connected components,
 * main (largest) component, soft area and sub-pixel centroid over the main component dilated by one pixel (which
 * holds all anti-aliased edge pixels), radius √(area/π), stray pixels (core pixels outside the main component and
 * faint α > 0.25 pixels away from it), and mixed/foreign pixels that no single palette colour explains.
 */
import { PALETTE, BACKGROUND, type Rgb } from '../world/config.js';

/** One clip in [3, F, H, W] layout: uint8 0–255 or float32 in [−1, 1], starting at `offset`. */
export interface VideoView {
  data: Uint8Array | Float32Array;
  offset: number;
  frames: number;
  height: number;
  width: number;
}

/** The view of clip `index` of a batch of same-sized clips (index 0: a buffer that holds one clip). */
export function clipView(
  data: Uint8Array | Float32Array,
  size: { readonly frames: number; readonly height: number; readonly width: number },
  index = 0,
): VideoView {
  const { frames, height, width } = size;
  return { data, offset: index * 3 * frames * height * width, frames, height, width };
}

export interface TrackPalette {
  colours: readonly Rgb[];
  background: Rgb;
}

export const DEFAULT_TRACK_PALETTE: TrackPalette = { colours: PALETTE.map((c) => c.rgb), background: BACKGROUND };

/** Thresholds of the extractor (documented in docs/world.md). */
export const CORE_ALPHA = 0.5;
export const FAINT_ALPHA = 0.25;
export const MIXED_ALPHA = 0.6;
export const DARK_ALPHA = -0.35;
export const BG_ALPHA = 0.08;
/** A colour counts as present in a frame when its main component has at least this many core pixels. */
export const MIN_PRESENT_PIXELS = 2;

export interface Track {
  frames: number;
  colours: number;
  width: number;
  height: number;
  /** [F, K] soft area (px²), sub-pixel centroid (px, pixel centres at i + 0.5), radius √(area/π). NaN where absent. */
  area: Float64Array;
  cx: Float64Array;
  cy: Float64Array;
  radius: Float64Array;
  /** [F, K] number of 8-connected components of the core mask, size of the main one, stray pixels. */
  components: Int32Array;
  mainPixels: Int32Array;
  strayPixels: Int32Array;
  /** [F, K, 3] mean pixel colour (0–255) over the main component's core. NaN where absent. */
  meanRgb: Float64Array;
  /** [F] pixels explained by no single colour (two colours > 0.6, or much darker than the background). */
  foreignPixels: Int32Array;
  /** [F, 3] estimated background colour (0–255). */
  background: Float64Array;
  /** [F, K, H·W] soft masks restricted to each main component's neighbourhood (0 elsewhere). */
  alpha: Float32Array;
  /** [F, H·W] 1 where the pixel is background (all |α| small, not near a ball). */
  bgMask: Uint8Array;
  /** [F, 3, H·W] frames as floats 0–255. */
  pixels: Float32Array;
}

function solvePseudoInverse(colours: readonly Rgb[], bg: ArrayLike<number>, out: Float64Array): boolean {
  // A = (MᵀM)⁻¹Mᵀ, M = [c_k − bg] (3 × K). Returns false when ill-conditioned.
  const K = colours.length;
  const M: number[][] = colours.map((c) => [c[0] - bg[0], c[1] - bg[1], c[2] - bg[2]]);
  const G: number[][] = [];
  for (let i = 0; i < K; i++) {
    G.push([]);
    for (let j = 0; j < K; j++) G[i].push(M[i][0] * M[j][0] + M[i][1] * M[j][1] + M[i][2] * M[j][2]);
  }
  const inv = invertSmall(G);
  if (inv === null) return false;
  for (let i = 0; i < K; i++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let j = 0; j < K; j++) s += inv[i][j] * M[j][c];
      out[i * 3 + c] = s;
    }
  }
  return true;
}

function invertSmall(G: number[][]): number[][] | null {
  const n = G.length;
  const a = G.map((row, i) => [...row, ...G.map((_, j) => (i === j ? 1 : 0))]);
  const scale = Math.max(...G.map((r) => Math.max(...r.map(Math.abs))), 1e-12);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) piv = r;
    if (Math.abs(a[piv][col]) < 1e-3 * scale) return null;
    [a[col], a[piv]] = [a[piv], a[col]];
    const p = a[col][col];
    for (let c = 0; c < 2 * n; c++) a[col][c] /= p;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r][col];
      if (f !== 0) for (let c = 0; c < 2 * n; c++) a[r][c] -= f * a[col][c];
    }
  }
  return a.map((row) => row.slice(n));
}

/**
 * A tracker with preallocated buffers for one clip shape. `track()` returns a Track that views those buffers:
 * it stays valid until the next call (use `trackVideo` for an independent result).
 */
export class Tracker {
  readonly F: number;
  readonly H: number;
  readonly W: number;
  readonly K: number;
  private readonly palette: TrackPalette;
  private readonly out: Track;
  private readonly labels: Int32Array;
  private readonly stack: Int32Array;
  private readonly near: Int32Array;
  /** Per colour: indices of core (α > 0.5) and faint (0.25 < α ≤ 0.5) pixels of the current frame. */
  private readonly coreList: Int32Array[];
  private readonly coreCount: Int32Array;
  private readonly faintList: Int32Array[];
  private readonly faintCount: Int32Array;
  private readonly mainList: Int32Array;
  /** Generation stamps: labels and near flags of earlier (frame, colour) passes are stale without clearing. */
  private stamp = 0;
  private readonly hist: Int32Array;
  private readonly A: Float64Array;
  private readonly nominalA: Float64Array;
  private readonly alphaAll: Float32Array;
  /** The 3×3 neighbourhood of the pixel being visited: [yLo, yHi, xLo, xHi]. */
  private readonly box = new Int32Array(4);
  /** Largest component of the last labelComponents pass: its label and size. */
  private mainLabel = 0;
  private mainSize = 0;

  /** A tracker for clips of this world: its size, the ball palette and the world's background colour. */
  static forWorld(world: { readonly frames: number; readonly height: number; readonly width: number; readonly background: Rgb }): Tracker {
    return new Tracker(world.frames, world.height, world.width, { colours: DEFAULT_TRACK_PALETTE.colours, background: world.background });
  }

  constructor(frames: number, height: number, width: number, palette: TrackPalette = DEFAULT_TRACK_PALETTE) {
    if (palette.colours.length < 1 || palette.colours.length > 3) throw new Error('the tracker supports 1 to 3 palette colours');
    this.F = frames;
    this.H = height;
    this.W = width;
    this.K = palette.colours.length;
    this.palette = palette;
    const HW = height * width;
    const FK = frames * this.K;
    this.out = {
      frames,
      colours: this.K,
      width,
      height,
      area: new Float64Array(FK),
      cx: new Float64Array(FK),
      cy: new Float64Array(FK),
      radius: new Float64Array(FK),
      components: new Int32Array(FK),
      mainPixels: new Int32Array(FK),
      strayPixels: new Int32Array(FK),
      meanRgb: new Float64Array(FK * 3),
      foreignPixels: new Int32Array(frames),
      background: new Float64Array(frames * 3),
      alpha: new Float32Array(FK * HW),
      bgMask: new Uint8Array(frames * HW),
      pixels: new Float32Array(frames * 3 * HW),
    };
    this.labels = new Int32Array(HW);
    this.stack = new Int32Array(HW);
    this.near = new Int32Array(HW);
    this.coreList = Array.from({ length: this.K }, () => new Int32Array(HW));
    this.faintList = Array.from({ length: this.K }, () => new Int32Array(HW));
    this.coreCount = new Int32Array(this.K);
    this.faintCount = new Int32Array(this.K);
    this.mainList = new Int32Array(HW);
    this.hist = new Int32Array(256);
    this.A = new Float64Array(this.K * 3);
    this.nominalA = new Float64Array(this.K * 3);
    this.alphaAll = new Float32Array(this.K * HW);
    if (!solvePseudoInverse(palette.colours, palette.background, this.nominalA)) throw new Error('palette colours are not independent of the background');
  }

  track(video: VideoView): Track {
    if (video.frames !== this.F || video.height !== this.H || video.width !== this.W) {
      throw new Error(`tracker built for ${this.F}x${this.H}x${this.W}, got ${video.frames}x${video.height}x${video.width}`);
    }
    for (let t = 0; t < this.F; t++) this.trackFrame(video, t);
    return this.out;
  }

  /** Unrolled coverage pass for three palette colours; returns the foreign-pixel count. */
  private unmix3(pix: Float32Array, pBase: number, b0: number, b1: number, b2: number, A: Float64Array, bgMask: Uint8Array, mBase: number): number {
    const HW = this.H * this.W;
    const alpha = this.alphaAll;
    const l0 = this.coreList[0];
    const l1 = this.coreList[1];
    const l2 = this.coreList[2];
    const f0 = this.faintList[0];
    const f1 = this.faintList[1];
    const f2 = this.faintList[2];
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let n0 = 0;
    let n1 = 0;
    let n2 = 0;
    let foreign = 0;
    const a00 = A[0], a01 = A[1], a02 = A[2], a10 = A[3], a11 = A[4], a12 = A[5], a20 = A[6], a21 = A[7], a22 = A[8];
    for (let i = 0; i < HW; i++) {
      const dr = pix[pBase + i] - b0;
      const dg = pix[pBase + HW + i] - b1;
      const db = pix[pBase + 2 * HW + i] - b2;
      const x0 = a00 * dr + a01 * dg + a02 * db;
      const x1 = a10 * dr + a11 * dg + a12 * db;
      const x2 = a20 * dr + a21 * dg + a22 * db;
      alpha[i] = x0;
      alpha[HW + i] = x1;
      alpha[2 * HW + i] = x2;
      if (x0 < BG_ALPHA && x0 > -BG_ALPHA && x1 < BG_ALPHA && x1 > -BG_ALPHA && x2 < BG_ALPHA && x2 > -BG_ALPHA) {
        bgMask[mBase + i] = 1;
        continue;
      }
      bgMask[mBase + i] = 0;
      if (x0 > FAINT_ALPHA) {
        if (x0 > CORE_ALPHA) l0[c0++] = i;
        else f0[n0++] = i;
      }
      if (x1 > FAINT_ALPHA) {
        if (x1 > CORE_ALPHA) l1[c1++] = i;
        else f1[n1++] = i;
      }
      if (x2 > FAINT_ALPHA) {
        if (x2 > CORE_ALPHA) l2[c2++] = i;
        else f2[n2++] = i;
      }
      const mixed = (x0 > MIXED_ALPHA ? 1 : 0) + (x1 > MIXED_ALPHA ? 1 : 0) + (x2 > MIXED_ALPHA ? 1 : 0);
      if (mixed > 1 || x0 < DARK_ALPHA || x1 < DARK_ALPHA || x2 < DARK_ALPHA) foreign++;
    }
    this.coreCount[0] = c0;
    this.coreCount[1] = c1;
    this.coreCount[2] = c2;
    this.faintCount[0] = n0;
    this.faintCount[1] = n1;
    this.faintCount[2] = n2;
    return foreign;
  }

  /** Frame t: 1. pixels and background, 2. unmixing matrix, 3. coverages, 4. each colour's components and moments. */
  private trackFrame(video: VideoView, t: number): void {
    const bg = this.convertFrame(video, t);
    // 2. unmixing matrix for this frame's background
    const A = solvePseudoInverse(this.palette.colours, bg, this.A) ? this.A : this.nominalA;
    const bgUsed = A === this.A ? bg : [...this.palette.background];
    this.out.foreignPixels[t] = this.unmix(t, A, bgUsed);
    for (let k = 0; k < this.K; k++) this.measureColour(t, k);
    // clear the generation stamps long before they could overflow
    if (this.stamp > 0x3fffffff) {
      this.stamp = 0;
      this.labels.fill(0);
      this.near.fill(0);
    }
  }

  /** 1. Frame t's pixels → floats 0–255 in out.pixels; returns the per-channel median, the frame's background. */
  private convertFrame(video: VideoView, t: number): number[] {
    const { F, H, W } = this;
    const HW = H * W;
    const o = this.out;
    const pBase = t * 3 * HW;
    const src = video.data;
    const bg = [0, 0, 0];
    const hist = this.hist;
    for (let c = 0; c < 3; c++) {
      const s = video.offset + c * F * HW + t * HW;
      const d = pBase + c * HW;
      hist.fill(0);
      if (src instanceof Float32Array) convertFloat(src, s, o.pixels, d, HW, hist);
      else convertBytes(src, s, o.pixels, d, HW, hist);
      let acc = 0;
      let m = 0;
      for (; m < 256; m++) {
        acc += hist[m];
        if (2 * acc >= HW) break;
      }
      bg[c] = m;
      o.background[t * 3 + c] = m;
    }
    return bg;
  }

  /** 3. Coverages of frame t, its core and faint pixel lists and background mask; returns the foreign-pixel count. */
  private unmix(t: number, A: Float64Array, bgUsed: readonly number[]): number {
    const HW = this.H * this.W;
    const pBase = t * 3 * HW;
    const mBase = t * HW;
    this.coreCount.fill(0);
    this.faintCount.fill(0);
    if (this.K === 3) return this.unmix3(this.out.pixels, pBase, bgUsed[0], bgUsed[1], bgUsed[2], A, this.out.bgMask, mBase);
    return this.unmixAny(pBase, bgUsed[0], bgUsed[1], bgUsed[2], A, mBase);
  }

  /** Coverage pass for any number of palette colours; returns the foreign-pixel count. */
  private unmixAny(pBase: number, b0: number, b1: number, b2: number, A: Float64Array, mBase: number): number {
    const K = this.K;
    const HW = this.H * this.W;
    const pix = this.out.pixels;
    const bgMask = this.out.bgMask;
    const alpha = this.alphaAll;
    const { coreList, faintList, coreCount, faintCount } = this;
    let foreign = 0;
    for (let i = 0; i < HW; i++) {
      const dr = pix[pBase + i] - b0;
      const dg = pix[pBase + HW + i] - b1;
      const db = pix[pBase + 2 * HW + i] - b2;
      let nCore = 0;
      let dark = false;
      let maxAbs = 0;
      for (let k = 0; k < K; k++) {
        const a = A[k * 3] * dr + A[k * 3 + 1] * dg + A[k * 3 + 2] * db;
        alpha[k * HW + i] = a;
        if (a > FAINT_ALPHA) {
          if (a > CORE_ALPHA) coreList[k][coreCount[k]++] = i;
          else faintList[k][faintCount[k]++] = i;
          if (a > MIXED_ALPHA) nCore++;
        } else if (a < DARK_ALPHA) dark = true;
        const aa = a < 0 ? -a : a;
        if (aa > maxAbs) maxAbs = aa;
      }
      if (nCore > 1 || dark) foreign++;
      bgMask[mBase + i] = maxAbs < BG_ALPHA ? 1 : 0;
    }
    return foreign;
  }

  /** 4. Colour k in frame t: components of its core mask, the main one, and its soft moments and stray pixels. */
  private measureColour(t: number, k: number): void {
    const o = this.out;
    const HW = this.H * this.W;
    const fk = t * this.K + k;
    const aOut = fk * HW;
    o.alpha.fill(0, aOut, aOut + HW);
    const nComp = this.labelComponents(k);
    const mainSize = this.mainSize;
    const nCoreK = this.coreCount[k];
    o.components[fk] = nComp;
    o.mainPixels[fk] = mainSize;
    if (mainSize < MIN_PRESENT_PIXELS) {
      o.area[fk] = NaN;
      o.cx[fk] = NaN;
      o.cy[fk] = NaN;
      o.radius[fk] = NaN;
      o.meanRgb[fk * 3] = o.meanRgb[fk * 3 + 1] = o.meanRgb[fk * 3 + 2] = NaN;
      // every core pixel of an absent colour is stray
      o.strayPixels[fk] = nCoreK;
      return;
    }
    this.measureMain(t, k);
  }

  /**
   * 8-connected components of colour k's core pixels (flood fill); returns their number and leaves the largest
   * in mainLabel and mainSize.
   */
  private labelComponents(k: number): number {
    const { H, W } = this;
    const ak = k * H * W;
    const { labels, stack, alphaAll: alpha, box } = this;
    // labels ≥ base belong to this pass; everything below is stale
    const base = this.stamp + 1;
    let nComp = 0;
    let mainLabel = 0;
    let mainSize = 0;
    const cl = this.coreList[k];
    const nCoreK = this.coreCount[k];
    for (let c = 0; c < nCoreK; c++) {
      const i = cl[c];
      if (labels[i] >= base) continue;
      nComp++;
      const label = base + nComp - 1;
      let size = 0;
      let sp = 0;
      stack[sp++] = i;
      labels[i] = label;
      while (sp > 0) {
        const p = stack[--sp];
        size++;
        neighbourhood(p, W, H, box);
        for (let yy = box[0]; yy <= box[1]; yy++) {
          for (let xx = box[2]; xx <= box[3]; xx++) {
            const q = yy * W + xx;
            if (labels[q] < base && alpha[ak + q] > CORE_ALPHA) {
              labels[q] = label;
              stack[sp++] = q;
            }
          }
        }
      }
      if (size > mainSize) {
        mainSize = size;
        mainLabel = label;
      }
    }
    this.stamp = base + nComp;
    this.mainLabel = mainLabel;
    this.mainSize = mainSize;
    return nComp;
  }

  /**
   * Colour k's main component in frame t: mean colour over its core, soft area and centroid over it dilated by one
   * pixel (near[i] === nearStamp marks the dilated set), radius, and stray pixels outside it.
   */
  private measureMain(t: number, k: number): void {
    const { H, W, box, near } = this;
    const HW = H * W;
    const o = this.out;
    const pix = o.pixels;
    const pBase = t * 3 * HW;
    const mBase = t * HW;
    const ak = k * HW;
    const fk = t * this.K + k;
    const aOut = fk * HW;
    const alpha = this.alphaAll;
    const mainList = this.mainList;
    const mainLabel = this.mainLabel;
    const mainSize = this.mainSize;
    const cl = this.coreList[k];
    const nCoreK = this.coreCount[k];
    const nearStamp = ++this.stamp;
    let nMain = 0;
    let sr = 0;
    let sg = 0;
    let sb = 0;
    for (let c = 0; c < nCoreK; c++) {
      const i = cl[c];
      if (this.labels[i] !== mainLabel) continue;
      mainList[nMain++] = i;
      sr += pix[pBase + i];
      sg += pix[pBase + HW + i];
      sb += pix[pBase + 2 * HW + i];
    }
    o.meanRgb[fk * 3] = sr / mainSize;
    o.meanRgb[fk * 3 + 1] = sg / mainSize;
    o.meanRgb[fk * 3 + 2] = sb / mainSize;
    let m0 = 0;
    let mx = 0;
    let my = 0;
    for (let c = 0; c < nMain; c++) {
      neighbourhood(mainList[c], W, H, box);
      for (let yy = box[0]; yy <= box[1]; yy++) {
        for (let xx = box[2]; xx <= box[3]; xx++) {
          const q = yy * W + xx;
          if (near[q] === nearStamp) continue;
          near[q] = nearStamp;
          o.bgMask[mBase + q] = 0;
          let a = alpha[ak + q];
          if (!(a > 0)) continue;
          if (a > 1) a = 1;
          m0 += a;
          mx += a * (xx + 0.5);
          my += a * (yy + 0.5);
          o.alpha[aOut + q] = a;
        }
      }
    }
    // faint pixels away from the main component are stray too (ghosts, smears)
    let stray = nCoreK - mainSize;
    const fl = this.faintList[k];
    for (let c = 0; c < this.faintCount[k]; c++) if (near[fl[c]] !== nearStamp) stray++;
    o.strayPixels[fk] = stray;
    o.area[fk] = m0;
    o.cx[fk] = mx / m0;
    o.cy[fk] = my / m0;
    o.radius[fk] = Math.sqrt(m0 / Math.PI);
  }
}

/** The 3×3 neighbourhood of pixel p clipped to the frame, as [yLo, yHi, xLo, xHi] in `box`. */
function neighbourhood(p: number, W: number, H: number, box: Int32Array): void {
  const py = (p / W) | 0;
  const px = p - py * W;
  box[0] = py > 0 ? py - 1 : 0;
  box[1] = py < H - 1 ? py + 1 : H - 1;
  box[2] = px > 0 ? px - 1 : 0;
  box[3] = px < W - 1 ? px + 1 : W - 1;
}

function convertBytes(src: Uint8Array, s: number, pix: Float32Array, d: number, n: number, hist: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const v = src[s + i];
    pix[d + i] = v;
    hist[v]++;
  }
}

function convertFloat(src: Float32Array, s: number, pix: Float32Array, d: number, n: number, hist: Int32Array): void {
  for (let i = 0; i < n; i++) {
    let v = (src[s + i] + 1) * 127.5;
    if (!(v >= 0)) v = 0; // also NaN
    else if (v > 255) v = 255;
    pix[d + i] = v;
    hist[(v + 0.5) | 0]++;
  }
}

/** Track one clip with fresh buffers (convenience; the metrics pipeline reuses a Tracker). */
export function trackVideo(video: VideoView, palette: TrackPalette = DEFAULT_TRACK_PALETTE): Track {
  const tr = new Tracker(video.frames, video.height, video.width, palette);
  return tr.track(video);
}

/** Present: the colour's main component exists in that frame. */
export function isPresent(track: Track, t: number, k: number): boolean {
  return track.mainPixels[t * track.colours + k] >= MIN_PRESENT_PIXELS;
}
