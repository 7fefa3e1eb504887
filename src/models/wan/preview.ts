// Cheap previews of a Wan latent: a linear map of its 16 channels to RGB, no VAE. The factors are the public
// ones of ComfyUI's `Wan21` latent format (comfy/latent_formats.py). ComfyUI applies them to the latent the
// sampler works on, which for Wan is the normalised latent ((z − mean) / std), so they are applied here to the
// model's latent as it is, without undoing the normalisation: on a unit-variance latent they give pixels of
// standard deviation ≈ 0.7, where the de-normalised latent would saturate most pixels.
import { UsageError } from '../../errors.js';
import { formatShape, numel } from '../../core/tensor.js';

export interface LatentRgbFactors {
  /** One [r, g, b] row per latent channel. */
  readonly weights: readonly (readonly [number, number, number])[];
  readonly bias: readonly [number, number, number];
}

export const WAN21_LATENT_RGB: LatentRgbFactors = {
  weights: [
    [-0.1299, -0.1692, 0.2932],
    [0.0671, 0.0406, 0.0442],
    [0.3568, 0.2548, 0.1747],
    [0.0372, 0.2344, 0.142],
    [0.0313, 0.0189, -0.0328],
    [0.0296, -0.0956, -0.0665],
    [-0.3477, -0.4059, -0.2925],
    [0.0166, 0.1902, 0.1975],
    [-0.0412, 0.0267, -0.1364],
    [-0.1293, 0.074, 0.1636],
    [0.068, 0.3019, 0.1128],
    [0.0032, 0.0581, 0.0639],
    [-0.1251, 0.0927, 0.1699],
    [0.006, -0.0633, 0.0005],
    [0.3477, 0.2275, 0.295],
    [0.1984, 0.0913, 0.1861],
  ],
  bias: [-0.1835, -0.0868, -0.336],
};

/**
 * Latent [C, F, h, w] → pixels in [−1, 1] (clamped), [3, F, h, w]: one pixel per latent cell and one frame per
 * latent frame, ready for src/io/video.ts (videoFromPixels, gifBytes, pngBytes).
 */
export function latentPreviewPixels(latent: Float32Array, shape: readonly number[], factors: LatentRgbFactors = WAN21_LATENT_RGB): Float32Array {
  const [C, F, h, w] = shape;
  if (shape.length !== 4 || numel(shape) !== latent.length) {
    throw new UsageError(`a preview needs a [C, F, h, w] latent; got ${latent.length} values for shape ${formatShape(shape)}`);
  }
  if (C !== factors.weights.length) throw new UsageError(`the latent-to-RGB factors are for ${factors.weights.length} channels; the latent has ${C}`);
  const n = F * h * w;
  const out = new Float32Array(3 * n);
  for (let k = 0; k < 3; k++) out.fill(factors.bias[k], k * n, (k + 1) * n);
  for (let c = 0; c < C; c++) {
    const src = latent.subarray(c * n, (c + 1) * n);
    const row = factors.weights[c];
    for (let k = 0; k < 3; k++) {
      const wk = row[k];
      const base = k * n;
      for (let i = 0; i < n; i++) out[base + i] += wk * src[i];
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i] < -1 ? -1 : out[i] > 1 ? 1 : out[i];
  return out;
}
