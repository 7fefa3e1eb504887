// Seeded standard-normal noise: xoshiro128** bits, Marsaglia–Tsang ziggurat (128 layers).
// Pure 32-bit integer arithmetic plus IEEE double operations, so the same seed gives the same
// numbers on every machine. The layer index and the value use disjoint bits of each draw
// (low 7 bits select the layer, the upper 25 bits are the signed value), which avoids the
// layer/value correlation of the original RNOR.
import { UsageError } from '../errors.js';
import { readNpyFloat32 } from '../io/npy.js';
import { formatShape } from './tensor.js';

/** A source of standard-normal latents. Every call fills one whole latent (one "draw"). */
export interface NoiseSource {
  fill(out: Float32Array): void;
  /** Number of whole latents drawn so far. */
  readonly draws: number;
}

const LAYERS = 128;
const M = 2 ** 24; // scale of the signed 25-bit value
const KN = new Int32Array(LAYERS);
const WN = new Float64Array(LAYERS);
const FN = new Float64Array(LAYERS);
const R = 3.442619855899;
{
  const vn = 9.91256303526217e-3;
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

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Seeded standard-normal generator. `seed` is any safe integer. */
export class NormalRng implements NoiseSource {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private drawCount = 0;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new UsageError(`seed must be an integer, got ${seed}`);
    const lo = seed % 2 ** 32 >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    const sm = { s: lo ^ Math.imul(hi, 0x27d4eb2d) };
    this.s0 = splitmix32(sm);
    this.s1 = splitmix32(sm);
    this.s2 = splitmix32(sm);
    this.s3 = splitmix32(sm);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  get draws(): number {
    return this.drawCount;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s0 = this.s0, s1 = this.s1;
    let s2 = this.s2, s3 = this.s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = rotl(s3, 11);
    return r;
  }

  /** Uniform in the open interval (0, 1), 24-bit resolution. */
  uniform(): number {
    return ((this.nextUint32() >>> 8) + 0.5) / 16777216;
  }

  /** One standard normal (slow path and tests; bulk users call fill). */
  normal(): number {
    const u = this.nextUint32() | 0;
    const iz = u & 127;
    const hz = u >> 7;
    if (Math.abs(hz) < KN[iz]) return hz * WN[iz];
    return this.tail(hz, iz);
  }

  fill(out: Float32Array): void {
    // The generator state lives in locals inside the hot loop; the rare slow path
    // writes it back, calls tail(), and reloads it.
    let s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const n = out.length;
    for (let i = 0; i < n; i++) {
      const u = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const iz = u & 127;
      const hz = u >> 7;
      if ((hz < 0 ? -hz : hz) < KN[iz]) {
        out[i] = hz * WN[iz];
      } else {
        this.s0 = s0; this.s1 = s1; this.s2 = s2; this.s3 = s3;
        out[i] = this.tail(hz, iz);
        s0 = this.s0; s1 = this.s1; s2 = this.s2; s3 = this.s3;
      }
    }
    this.s0 = s0; this.s1 = s1; this.s2 = s2; this.s3 = s3;
    this.drawCount++;
  }

  private tail(hzIn: number, izIn: number): number {
    let hz = hzIn;
    let iz = izIn;
    for (;;) {
      const x = hz * WN[iz];
      if (iz === 0) {
        let xt: number;
        let y: number;
        do {
          xt = -Math.log(this.uniform()) / R;
          y = -Math.log(this.uniform());
        } while (y + y < xt * xt);
        return hz > 0 ? R + xt : -R - xt;
      }
      if (FN[iz] + this.uniform() * (FN[iz - 1] - FN[iz]) < Math.exp(-0.5 * x * x)) return x;
      const u = this.nextUint32() | 0;
      iz = u & 127;
      hz = u >> 7;
      if (Math.abs(hz) < KN[iz]) return hz * WN[iz];
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Noise read from a .npy file of shape [M, ...latentShape] (or [...latentShape] for one draw):
 * each fill consumes the next whole latent, in order. Running out is an error, not a wrap-around.
 */
export class NpyNoiseStream implements NoiseSource {
  private readonly data: Float32Array;
  private readonly perDraw: number;
  private readonly total: number;
  private drawCount = 0;

  constructor(
    private readonly path: string,
    latentShape: readonly number[],
  ) {
    const { shape, data } = readNpyFloat32(path);
    const tail = shape.length === latentShape.length ? shape : shape.slice(1);
    const matches = tail.length === latentShape.length && tail.every((d, i) => d === latentShape[i]);
    if (!matches || shape.length < latentShape.length || shape.length > latentShape.length + 1) {
      throw new UsageError(
        `${path}: noise shape ${formatShape(shape)} does not fit latent ${formatShape(latentShape)}; ` +
          `expected [M, ${latentShape.join(', ')}] or ${formatShape(latentShape)}`,
      );
    }
    this.data = data;
    this.perDraw = tail.reduce((a, b) => a * b, 1);
    this.total = shape.length === latentShape.length ? 1 : shape[0];
  }

  get draws(): number {
    return this.drawCount;
  }

  fill(out: Float32Array): void {
    if (out.length !== this.perDraw) {
      throw new UsageError(`${this.path}: a draw holds ${this.perDraw} values but ${out.length} were requested`);
    }
    if (this.drawCount >= this.total) {
      throw new UsageError(
        `${this.path}: noise stream exhausted after ${this.total} draw(s); this run needs more — supply a longer stream`,
      );
    }
    out.set(this.data.subarray(this.drawCount * this.perDraw, (this.drawCount + 1) * this.perDraw));
    this.drawCount++;
  }
}

/** Read an initial-noise latent from .npy, checking its shape (accepts [C,F,H,W] or [1,C,F,H,W]). */
export function readInitialNoise(path: string, latentShape: readonly number[]): Float32Array {
  const stream = new NpyNoiseStream(path, latentShape);
  const out = new Float32Array(latentShape.reduce((a, b) => a * b, 1));
  stream.fill(out);
  return out;
}
