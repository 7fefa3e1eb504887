// Complex FFTs of any length on top of fft.js (radix-4, power-of-two sizes): power-of-two
// lengths go straight to fft.js, other lengths through Bluestein's chirp-z algorithm, which turns
// them into a power-of-two convolution. Plus the 3-D transform over (F, H, W) FreeInit needs.
import FFT from 'fft.js';

/** A complex 1-D FFT of a fixed length over interleaved (re, im) Float64Arrays, in place. */
export class ComplexFft {
  private readonly pow2: FFT | null;
  private readonly conv: FFT | null;
  private readonly m: number;
  private readonly chirp: Float64Array; // e^{−iπ n²/N}, interleaved
  private readonly kernelSpectrum: Float64Array; // FFT of e^{+iπ n²/N} wrapped to length m
  private readonly work: Float64Array;
  private readonly work2: Float64Array;

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`FFT length must be a positive integer, got ${n}`);
    const isPow2 = n >= 2 && (n & (n - 1)) === 0;
    this.pow2 = isPow2 ? new FFT(n) : null;
    if (isPow2 || n === 1) {
      this.conv = null;
      this.m = 0;
      this.chirp = this.kernelSpectrum = this.work = new Float64Array(0);
      this.work2 = isPow2 ? new Float64Array(2 * n) : new Float64Array(0);
      return;
    }
    let m = 2;
    while (m < 2 * n - 1) m *= 2;
    this.m = m;
    this.conv = new FFT(m);
    this.chirp = new Float64Array(2 * n);
    const kernel = new Float64Array(2 * m);
    for (let k = 0; k < n; k++) {
      const angle = (Math.PI * ((k * k) % (2 * n))) / n;
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      this.chirp[2 * k] = c;
      this.chirp[2 * k + 1] = -s;
      kernel[2 * k] = c;
      kernel[2 * k + 1] = s;
      if (k > 0) {
        kernel[2 * (m - k)] = c;
        kernel[2 * (m - k) + 1] = s;
      }
    }
    this.kernelSpectrum = new Float64Array(2 * m);
    this.conv.transform(this.kernelSpectrum, kernel);
    this.work = new Float64Array(2 * m);
    this.work2 = new Float64Array(2 * m);
  }

  /** Forward transform (e^{−2πi nk/N}), unnormalised; `data` is overwritten with the spectrum. */
  forward(data: Float64Array): void {
    this.transform(data, false);
  }

  /** Inverse transform, normalised by 1/N. */
  inverse(data: Float64Array): void {
    this.transform(data, true);
  }

  private transform(data: Float64Array, inverse: boolean): void {
    const n = this.n;
    if (n === 1) return;
    if (this.pow2 !== null) {
      if (inverse) this.pow2.inverseTransform(this.work2, data);
      else this.pow2.transform(this.work2, data);
      data.set(this.work2);
      return;
    }
    // Inverse through the forward transform: ifft(x) = conj(fft(conj(x))) / N.
    const sign = inverse ? -1 : 1;
    const { chirp, work, work2, m } = this;
    work.fill(0);
    for (let k = 0; k < n; k++) {
      const re = data[2 * k];
      const im = sign * data[2 * k + 1];
      const cr = chirp[2 * k];
      const ci = chirp[2 * k + 1];
      work[2 * k] = re * cr - im * ci;
      work[2 * k + 1] = re * ci + im * cr;
    }
    const conv = this.conv as FFT;
    conv.transform(work2, work);
    const ks = this.kernelSpectrum;
    for (let k = 0; k < m; k++) {
      const ar = work2[2 * k];
      const ai = work2[2 * k + 1];
      const br = ks[2 * k];
      const bi = ks[2 * k + 1];
      work2[2 * k] = ar * br - ai * bi;
      work2[2 * k + 1] = ar * bi + ai * br;
    }
    conv.inverseTransform(work, work2);
    const scale = inverse ? 1 / n : 1;
    for (let k = 0; k < n; k++) {
      const re = work[2 * k];
      const im = work[2 * k + 1];
      const cr = chirp[2 * k];
      const ci = chirp[2 * k + 1];
      data[2 * k] = (re * cr - im * ci) * scale;
      data[2 * k + 1] = sign * (re * ci + im * cr) * scale;
    }
  }
}

/** In-place 3-D FFT over a [D0, D1, D2] complex volume (interleaved), forward or inverse. */
export class Fft3 {
  private readonly ffts: [ComplexFft, ComplexFft, ComplexFft];
  private readonly line: Float64Array;

  constructor(readonly dims: readonly [number, number, number]) {
    this.ffts = [new ComplexFft(dims[0]), new ComplexFft(dims[1]), new ComplexFft(dims[2])];
    this.line = new Float64Array(2 * Math.max(...dims));
  }

  forward(volume: Float64Array): void {
    this.run(volume, false);
  }

  inverse(volume: Float64Array): void {
    this.run(volume, true);
  }

  private run(volume: Float64Array, inverse: boolean): void {
    const [d0, d1, d2] = this.dims;
    const strides = [d1 * d2, d2, 1];
    for (let axis = 0; axis < 3; axis++) {
      const len = this.dims[axis];
      if (len === 1) continue;
      const stride = strides[axis];
      const fft = this.ffts[axis];
      const line = this.line.subarray(0, 2 * len);
      // Every line along `axis`: iterate over the other two indices.
      const outer = axis === 0 ? d1 : d0;
      const innerCount = axis === 2 ? d1 : d2;
      for (let a = 0; a < outer; a++) {
        for (let b = 0; b < innerCount; b++) {
          const start = axis === 0 ? a * d2 + b : axis === 1 ? a * d1 * d2 + b : a * d1 * d2 + b * d2;
          for (let t = 0; t < len; t++) {
            const idx = 2 * (start + t * stride);
            line[2 * t] = volume[idx];
            line[2 * t + 1] = volume[idx + 1];
          }
          if (inverse) fft.inverse(line);
          else fft.forward(line);
          for (let t = 0; t < len; t++) {
            const idx = 2 * (start + t * stride);
            volume[idx] = line[2 * t];
            volume[idx + 1] = line[2 * t + 1];
          }
        }
      }
    }
  }
}
