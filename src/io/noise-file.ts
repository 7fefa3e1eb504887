// Noise read from .npy files (Node only): a recorded stream of draws for the stochastic steps, or one initial latent.
import { UsageError } from '../errors.js';
import type { NoiseSource } from '../core/rng.js';
import { formatShape } from '../core/tensor.js';
import { readNpyFloat32 } from './npy.js';

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
    out.set(this.next(out.length));
  }

  fillAffine(out: Float32Array, base: Float32Array, a: number, b: number): void {
    if (out.length !== base.length) throw new RangeError('fillAffine: out and base differ in length');
    const eps = this.next(out.length);
    for (let i = 0; i < out.length; i++) out[i] = a * base[i] + b * eps[i];
  }

  private next(length: number): Float32Array {
    if (length !== this.perDraw) {
      throw new UsageError(`${this.path}: a draw holds ${this.perDraw} values but ${length} were requested`);
    }
    if (this.drawCount >= this.total) {
      throw new UsageError(
        `${this.path}: noise stream exhausted after ${this.total} draw(s); this run needs more — supply a longer stream`,
      );
    }
    const view = this.data.subarray(this.drawCount * this.perDraw, (this.drawCount + 1) * this.perDraw);
    this.drawCount++;
    return view;
  }
}

/** Read an initial-noise latent from .npy, checking its shape (accepts [C,F,H,W] or [1,C,F,H,W]). */
export function readInitialNoise(path: string, latentShape: readonly number[]): Float32Array {
  const stream = new NpyNoiseStream(path, latentShape);
  const out = new Float32Array(latentShape.reduce((a, b) => a * b, 1));
  stream.fill(out);
  return out;
}
