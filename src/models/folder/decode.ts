// A model folder's final latent to its clip through the folder's VAE decoder (vae_decoder/model.onnx).
import { UsageError } from '../../errors.js';
import type { GraphOptions } from '../onnx/graph.js';
import { VaeDecoder, type DecodedVideo } from '../wan/vae.js';
import type { FolderModel } from './folder.js';

/**
 * The clip of a final latent through the folder's VAE decoder, opened here and released after (at Wan's sizes it
 * should not share memory with the transformer, so release that first).
 */
export async function decodeFolderLatent(model: FolderModel, latent: Float32Array, graph: GraphOptions): Promise<DecodedVideo> {
  const decoderPath = model.layout.vaeDecoder;
  if (decoderPath === undefined) throw new UsageError(`--model ${model.layout.dir} has no vae_decoder/model.onnx to decode the clip with; give --out x.npy`);
  const decoder = await VaeDecoder.open(decoderPath, {
    ...(graph.device !== undefined ? { device: graph.device } : {}),
    ...(graph.threads !== undefined ? { threads: graph.threads } : {}),
    geometry: model.family.geometry,
    latentsMean: model.latentsMean,
    latentsStd: model.latentsStd,
  });
  try {
    return await decoder.decode(latent, model.shape);
  } finally {
    await decoder.dispose();
  }
}
