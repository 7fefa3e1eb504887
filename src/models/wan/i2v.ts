// Image-to-video conditioning of Wan2.2-I2V (and Wan2.1-I2V): 20 channels that the transformer reads after the 16
// noisy latent channels. As diffusers' pipeline_wan_i2v.py builds them: a 4-channel mask of the given pixel frames,
// then the normalised VAE latent of a video whose first frame is the image and whose other frames are zeros.
import { UsageError } from '../../errors.js';
import { formatShape } from '../../core/tensor.js';
import { pixelFrames, WAN_VAE_GEOMETRY } from '../family.js';

/** The mask has one channel per pixel frame a latent frame stands for: the Wan VAE's temporal stride. */
export const I2V_MASK_CHANNELS = WAN_VAE_GEOMETRY.temporalStride;

/**
 * The first-frame mask [4, F, h, w]. Over the 4(F − 1) + 1 pixel frames the mask is 1 on the given ones and 0
 * after; the first pixel frame is repeated 4 times so that there are 4F values, which fold into 4 channels per
 * latent frame: channel k of latent frame f is pixel-mask value 4f + k of that list.
 */
export function firstFrameMask(latentFrames: number, height: number, width: number, givenPixelFrames = 1): Float32Array {
  const stride = I2V_MASK_CHANNELS;
  const T = pixelFrames(WAN_VAE_GEOMETRY, latentFrames);
  if (!Number.isInteger(givenPixelFrames) || givenPixelFrames < 1 || givenPixelFrames > T) {
    throw new UsageError(`given pixel frames must be in 1..${T}, got ${givenPixelFrames}`);
  }
  const extended = new Float32Array(stride * latentFrames);
  for (let t = 0; t < T; t++) {
    const v = t < givenPixelFrames ? 1 : 0;
    if (t === 0) extended.fill(v, 0, stride);
    else extended[t + stride - 1] = v;
  }
  const plane = height * width;
  const mask = new Float32Array(I2V_MASK_CHANNELS * latentFrames * plane);
  for (let k = 0; k < I2V_MASK_CHANNELS; k++) {
    for (let f = 0; f < latentFrames; f++) {
      if (extended[stride * f + k] !== 0) mask.fill(1, (k * latentFrames + f) * plane, (k * latentFrames + f + 1) * plane);
    }
  }
  return mask;
}

/** The pixel video the VAE encoder sees for image-to-video: [3, T, H, W], the image as frame 0, zeros after. */
export function firstFrameVideo(image: Float32Array, pixelFrames: number, height: number, width: number): Float32Array {
  const plane = height * width;
  if (image.length !== 3 * plane) throw new UsageError(`the first frame has ${image.length} values; ${width}×${height} RGB needs ${3 * plane}`);
  const video = new Float32Array(3 * pixelFrames * plane);
  for (let c = 0; c < 3; c++) video.set(image.subarray(c * plane, (c + 1) * plane), c * pixelFrames * plane);
  return video;
}

/** [mask (4), image latent (C)] stacked on the channel axis: the [4 + C, F, h, w] block after the noisy latent. */
export function i2vCondition(mask: Float32Array, imageLatent: Float32Array, latentShape: readonly number[]): Float32Array {
  const [C, F, h, w] = latentShape;
  const block = F * h * w;
  if (mask.length !== I2V_MASK_CHANNELS * block || imageLatent.length !== C * block) {
    throw new UsageError(`image-to-video condition: mask of ${mask.length} and latent of ${imageLatent.length} values do not fit latent ${formatShape(latentShape)}`);
  }
  const out = new Float32Array((I2V_MASK_CHANNELS + C) * block);
  out.set(mask, 0);
  out.set(imageLatent, mask.length);
  return out;
}
