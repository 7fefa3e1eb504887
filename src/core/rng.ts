// Seeded standard-normal noise: xoshiro128** bits, Marsaglia–Tsang ziggurat (256 layers).
// Pure 32-bit integer arithmetic plus IEEE double operations, so the same seed gives the same
// numbers on every machine. Each 32-bit draw splits into disjoint fields (bits 0–7: layer,
// bit 8: sign, bits 9–31: magnitude), which avoids the layer/value correlation of the
// original RNOR. The bulk loop has no data-dependent branch but a rare one: it writes the
// fast-path value everywhere and lists the ~1.5 % of draws that fall outside their layer's box;
// those are finished (wedge test or tail, from the same draw) afterwards, in order, from the
// continuing stream.
import { UsageError } from '../errors.js';
import { sharedArena } from './kernels.js';

/** A source of standard-normal latents. Every call consumes one whole latent (one "draw"). */
export interface NoiseSource {
  /** out = ε. */
  fill(out: Float32Array): void;
  /**
   * out = a·base + b·ε in one pass (Perturb: a = 1−σ, b = σ); `out` may alias `base`.
   * ε is rounded to float32 first, so this equals fill() followed by the same arithmetic.
   */
  fillAffine(out: Float32Array, base: Float32Array, a: number, b: number): void;
  /** Number of whole latents drawn so far. */
  readonly draws: number;
  /**
   * Optional, for speculative draws: remember the current position (one slot), and return to it.
   * The sampler draws the next Perturb's noise while the model runs and rolls the draw back when the
   * inner loop stops early, so results do not depend on the prefetch.
   */
  checkpoint?(): void;
  rollback?(): void;
}

const LAYERS = 256;
const LAYER_BITS = 8;
const MAG_BITS = 32 - LAYER_BITS - 1; // 23-bit magnitude after the layer and sign bits
const M = 2 ** MAG_BITS;
const KN = new Int32Array(LAYERS);
const WN = new Float64Array(LAYERS);
const FN = new Float64Array(LAYERS);
// 256-layer ziggurat constants (Marsaglia & Tsang 2000): rightmost x of the base strip and layer area.
const R = 3.6541528853610088;
{
  const vn = 4.92867323399e-3;
  let dn = R;
  let tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  KN[0] = Math.floor((dn / q) * M);
  KN[1] = 0;
  WN[0] = q / M;
  WN[LAYERS - 1] = dn / M;
  FN[0] = 1;
  FN[LAYERS - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = Math.floor((dn / tn) * M);
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / M;
  }
}
/** Indexed by the low 9 bits of a draw (layer, then sign): layer width with the sign folded in, and the layer's box limit. */
const WS = new Float64Array(2 * LAYERS);
const KS = new Int32Array(2 * LAYERS);
for (let i = 0; i < 2 * LAYERS; i++) {
  WS[i] = (i & LAYERS ? -1 : 1) * WN[i & (LAYERS - 1)];
  KS[i] = KN[i & (LAYERS - 1)];
}

// Linear bounds on exp(−x²/2) over each layer's wedge (x from the box limit to the layer's edge), so the wedge
// test rarely calls Math.exp: below the lower line it accepts, above the upper line it rejects, and only the thin
// band between (plus a margin far wider than any rounding) is decided by Math.exp. The decisions, and so the stream,
// are exactly those of the plain test. The density is concave below x = 1 (the chord is the lower bound, the tangent
// at the midpoint the upper one) and convex above it (the other way round); the one layer spanning x = 1 has none.
const BOUND_MARGIN = 2 ** -40;
/** Per layer: the lower line through (anchor, value) with slope, then the upper one: 6 numbers. */
const WEDGE = new Float64Array(6 * LAYERS);
{
  const f = (x: number): number => Math.exp(-0.5 * x * x);
  for (let i = 0; i < LAYERS; i++) {
    const a = KN[i] * WN[i];
    const b = M * WN[i];
    const m = 0.5 * (a + b);
    const chord = [a, f(a), (f(b) - f(a)) / (b - a)];
    const tangent = [m, f(m), -m * f(m)];
    const none = [0, -Infinity, 0, 0, Infinity, 0];
    const lines = i === 0 || (a < 1 && b > 1) ? none : b <= 1 ? [...chord, ...tangent] : [...tangent, ...chord];
    WEDGE.set(lines, 6 * i);
  }
}

/** Whether y < exp(−x²/2), x in layer iz's wedge: the lines decide, and Math.exp only between them. */
function underDensity(iz: number, x: number, y: number): boolean {
  const w = 6 * iz;
  if (y < WEDGE[w + 1] + WEDGE[w + 2] * (x - WEDGE[w]) - BOUND_MARGIN) return true;
  if (y > WEDGE[w + 4] + WEDGE[w + 5] * (x - WEDGE[w + 3]) + BOUND_MARGIN) return false;
  return y < Math.exp(-0.5 * x * x);
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Seeded standard-normal generator. `seed` is any safe integer. */
export class NormalRng implements NoiseSource {
  /** xoshiro128** state s0..s3. */
  private readonly state = new Int32Array(4);
  private drawCount = 0;
  private readonly savedState = new Int32Array(4);
  private savedDraws = -1;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new UsageError(`seed must be an integer, got ${seed}`);
    const lo = seed % 2 ** 32 >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    const sm = { s: lo ^ Math.imul(hi, 0x27d4eb2d) };
    for (let k = 0; k < 4; k++) this.state[k] = splitmix32(sm);
    if ((this.state[0] | this.state[1] | this.state[2] | this.state[3]) === 0) this.state[0] = 1;
  }

  get draws(): number {
    return this.drawCount;
  }

  checkpoint(): void {
    this.savedState.set(this.state);
    this.savedDraws = this.drawCount;
  }

  rollback(): void {
    if (this.savedDraws < 0) throw new Error('NormalRng.rollback() without a checkpoint');
    this.state.set(this.savedState);
    this.drawCount = this.savedDraws;
    this.savedDraws = -1;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const st = this.state;
    const s0 = st[0], s1 = st[1];
    let s2 = st[2], s3 = st[3];
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    st[1] = s1 ^ s2;
    st[0] = s0 ^ s3;
    st[2] = s2 ^ t;
    st[3] = rotl(s3, 11);
    return r;
  }

  /** Uniform in the open interval (0, 1), 24-bit resolution. */
  uniform(): number {
    return ((this.nextUint32() >>> 8) + 0.5) / 16777216;
  }

  /** One standard normal (slow path and tests; bulk users call fill). */
  normal(): number {
    return this.fromDraw(this.nextUint32() | 0);
  }

  fill(out: Float32Array): void {
    this.fillAffine(out, out, 0, 1);
  }

  fillAffine(out: Float32Array, base: Float32Array, a: number, b: number): void {
    const n = out.length;
    if (base.length !== n) throw new RangeError('fillAffine: out and base differ in length');
    if (this.rejects.length < n) {
      this.rejects = new Int32Array(n);
      this.rejectDraws = new Int32Array(n);
    }
    const rejects = this.rejects;
    const rejectDraws = this.rejectDraws;
    const arena = sharedArena(out, base);
    const nr =
      arena === null
        ? zigguratBulk(this.state, out, base, a, b, rejects, rejectDraws)
        : arena.zigguratBulk(this.state, WS, KS, out, base, a, b, rejects, rejectDraws);
    for (let r = 0; r < nr; r++) {
      const i = rejects[r];
      out[i] = a * base[i] + b * Math.fround(this.fromDraw(rejectDraws[r]));
    }
    this.drawCount++;
  }

  private rejects = new Int32Array(0);
  private rejectDraws = new Int32Array(0);

  /** A standard normal from one 32-bit draw, drawing more when it falls outside its box. */
  private fromDraw(first: number): number {
    let u = first;
    for (;;) {
      const iz = u & (LAYERS - 1);
      const negative = (u & LAYERS) !== 0;
      const mag = u >>> (LAYER_BITS + 1);
      if (mag < KN[iz]) return (negative ? -mag : mag) * WN[iz];
      const x = mag * WN[iz];
      if (iz === 0) {
        let xt: number;
        let y: number;
        do {
          xt = -Math.log(this.uniform()) / R;
          y = -Math.log(this.uniform());
        } while (y + y < xt * xt);
        return negative ? -R - xt : R + xt;
      }
      if (underDensity(iz, x, FN[iz] + this.uniform() * (FN[iz - 1] - FN[iz]))) return negative ? -x : x;
      u = this.nextUint32() | 0;
    }
  }
}

/**
 * The branch-free bulk pass: out[i] = a·base[i] + b·(fast-path value of draw i); draws outside
 * their box are listed in (rejects, rejectDraws). Returns how many were listed.
 */
function zigguratBulk(
  state: Int32Array,
  out: Float32Array,
  base: Float32Array,
  a: number,
  b: number,
  rejects: Int32Array,
  rejectDraws: Int32Array,
): number {
  const n = out.length;
  let nr = 0;
  let s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
  for (let i = 0; i < n; i++) {
    const m5 = Math.imul(s1, 5);
    const u = Math.imul((m5 << 7) | (m5 >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    const mag = u >>> (LAYER_BITS + 1);
    const iz = u & (2 * LAYERS - 1);
    out[i] = a * base[i] + b * Math.fround(mag * WS[iz]);
    if (mag >= KS[iz]) {
      rejects[nr] = i;
      rejectDraws[nr] = u;
      nr++;
    }
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
  return nr;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
