// Image-to-video for a model folder (Wan2.2-I2V): `--image first.png` becomes the channels the transformer reads
// after the noisy latent, the first-frame mask and the image's normalised VAE latent (the folder's vae_encoder/).
import { UsageError } from '../errors.js';
import type { LatentShape } from '../core/tensor.js';
import { readPngPixels } from '../io/video.js';
import { pixelFrames, type ModelFamily } from '../models/family.js';
import type { FolderLayout } from '../models/folder/folder.js';
import type { GraphOptions } from '../models/onnx/graph.js';
import { firstFrameMask, firstFrameVideo, i2vCondition } from '../models/wan/i2v.js';
import { VaeEncoder } from '../models/wan/vae.js';

/** The [4 + C, F, h, w] image condition of `image` (a PNG of the clip's size), encoded with the folder's VAE encoder. */
export async function imageCondition(image: string, layout: FolderLayout, family: ModelFamily, shape: LatentShape, graph: GraphOptions): Promise<Float32Array> {
  if (layout.vaeEncoder === undefined) throw new UsageError(`--image needs the folder's vae_encoder/model.onnx; ${layout.dir} has none`);
  const [, F, h, w] = shape;
  const { geometry } = family;
  const height = h * geometry.spatialStride;
  const width = w * geometry.spatialStride;
  const frames = pixelFrames(geometry, F);
  const pixels = firstFrameVideo(readPngPixels(image, width, height), frames, height, width);
  const encoder = await VaeEncoder.open(layout.vaeEncoder, {
    ...graph,
    geometry,
    latentsMean: layout.config.latentsMean ?? family.latentsMean,
    latentsStd: layout.config.latentsStd ?? family.latentsStd,
  });
  try {
    const { latent } = await encoder.encode(pixels, frames, height, width);
    return i2vCondition(firstFrameMask(F, h, w), latent, shape);
  } finally {
    await encoder.dispose();
  }
}
