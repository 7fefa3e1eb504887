// The shipped model's fixed linear "VAE": PCA of 4×4×3 pixel patches → latent channels, normalised
// per channel (training/latent.py writes vae.json and documents the same formulas).
//   pixels p = u8/127.5 − 1, video [3, F, H, W]; latent cell (f, i, j) of patch q = c·16 + dy·4 + dx
//   encode z[k] = (Σ_q A[k][q]·(patch[q] − μ[q]) − m[k]) / s[k]
//   decode patch[q] = μ[q] + Σ_k A[k][q]·(z[k]·s[k] + m[k])
import { z } from 'zod';
import { UsageError } from '../errors.js';

const vaeSchema = z.object({
  patch: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  channels: z.number().int().positive(),
  pixelMean: z.array(z.number()),
  components: z.array(z.array(z.number())),
  latentMean: z.array(z.number()),
  latentStd: z.array(z.number().positive()),
}).passthrough();

export class PatchPcaVae {
  readonly channels: number;
  readonly patch: number;
  private readonly q: number;
  private readonly mu: Float64Array;
  private readonly A: Float64Array; // [channels, q]
  private readonly m: Float64Array;
  private readonly s: Float64Array;

  constructor(spec: z.infer<typeof vaeSchema>, source = 'vae.json') {
    const [ph, pw] = spec.patch;
    if (ph !== pw) throw new UsageError(`${source}: only square patches are supported, got ${ph}×${pw}`);
    this.patch = ph;
    this.channels = spec.channels;
    this.q = 3 * ph * pw;
    if (spec.pixelMean.length !== this.q) throw new UsageError(`${source}: pixelMean has ${spec.pixelMean.length} values, expected ${this.q}`);
    if (spec.components.length !== this.channels || spec.components.some((r) => r.length !== this.q)) {
      throw new UsageError(`${source}: components must be ${this.channels} rows of ${this.q}`);
    }
    if (spec.latentMean.length !== this.channels || spec.latentStd.length !== this.channels) {
      throw new UsageError(`${source}: latentMean/latentStd must have ${this.channels} values`);
    }
    this.mu = Float64Array.from(spec.pixelMean);
    this.A = Float64Array.from(spec.components.flat());
    this.m = Float64Array.from(spec.latentMean);
    this.s = Float64Array.from(spec.latentStd);
  }

  /** Check a parsed vae.json (`source` names it in messages) and build the VAE from it. */
  static fromJson(json: unknown, source = 'vae.json'): PatchPcaVae {
    const parsed = vaeSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(`${source}: VAE field '${issue.path.join('.')}': ${issue.message}`);
    }
    return new PatchPcaVae(parsed.data, source);
  }

  /** Latent shape [C, F, H/p, W/p] of a video [3, F, H, W]. */
  latentShape(frames: number, height: number, width: number): [number, number, number, number] {
    if (height % this.patch !== 0 || width % this.patch !== 0) {
      throw new UsageError(`frame size ${width}×${height} is not a multiple of the ${this.patch}-pixel patch`);
    }
    return [this.channels, frames, height / this.patch, width / this.patch];
  }

  /** Pixels in [−1, 1], layout [3, F, H, W] → normalised latent [C, F, H/p, W/p]. */
  encode(pixels: Float32Array, frames: number, height: number, width: number): Float32Array {
    const [C, F, h, w] = this.latentShape(frames, height, width);
    if (pixels.length !== 3 * frames * height * width) throw new UsageError(`video has ${pixels.length} values; [3, ${frames}, ${height}, ${width}] needs ${3 * frames * height * width}`);
    const p = this.patch;
    const out = new Float32Array(C * F * h * w);
    const vec = new Float64Array(this.q);
    for (let f = 0; f < F; f++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          for (let c = 0; c < 3; c++) {
            for (let dy = 0; dy < p; dy++) {
              for (let dx = 0; dx < p; dx++) {
                const qi = (c * p + dy) * p + dx;
                vec[qi] = pixels[((c * F + f) * height + i * p + dy) * width + j * p + dx] - this.mu[qi];
              }
            }
          }
          for (let k = 0; k < C; k++) {
            let acc = 0;
            const row = k * this.q;
            for (let qi = 0; qi < this.q; qi++) acc += this.A[row + qi] * vec[qi];
            out[((k * F + f) * h + i) * w + j] = (acc - this.m[k]) / this.s[k];
          }
        }
      }
    }
    return out;
  }

  /** Normalised latent [C, F, h, w] → pixels in [−1, 1] (not clamped), layout [3, F, h·p, w·p]. */
  decode(latent: Float32Array, frames: number, h: number, w: number): Float32Array {
    const C = this.channels;
    const F = frames;
    if (latent.length !== C * F * h * w) throw new UsageError(`latent has ${latent.length} values; [${C}, ${F}, ${h}, ${w}] needs ${C * F * h * w}`);
    const p = this.patch;
    const H = h * p;
    const W = w * p;
    const out = new Float32Array(3 * F * H * W);
    const zk = new Float64Array(C);
    for (let f = 0; f < F; f++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          for (let k = 0; k < C; k++) zk[k] = latent[((k * F + f) * h + i) * w + j] * this.s[k] + this.m[k];
          for (let c = 0; c < 3; c++) {
            for (let dy = 0; dy < p; dy++) {
              for (let dx = 0; dx < p; dx++) {
                const qi = (c * p + dy) * p + dx;
                let acc = this.mu[qi];
                for (let k = 0; k < C; k++) acc += this.A[k * this.q + qi] * zk[k];
                out[((c * F + f) * H + i * p + dy) * W + j * p + dx] = acc;
              }
            }
          }
        }
      }
    }
    return out;
  }
}
