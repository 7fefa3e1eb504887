// A model folder's video VAE (vae_decoder/, vae_encoder/), run through the ONNX graph runner. The sampler's latent
// is normalised ((z − mean) / std per channel); the decoder takes z, so the normalisation is undone before it,
// and the encoder's z is normalised after it.
import { ModelOutputError, UsageError } from '../../errors.js';
import { formatShape, numel, type LatentShape } from '../../core/tensor.js';
import { denormaliseLatent, normaliseLatent, pixelFrames, type LatentGeometry } from '../family.js';
import { bindByAliases, floatFeed, floatOutput } from '../onnx/binding.js';
import { OnnxGraph, type GraphOptions, type GraphTensor, type GraphValueInfo } from '../onnx/graph.js';

/** Names in public exports: TensorStack's decoder latent_sample → sample, and the reverse for the encoder. */
export const VAE_ALIASES = {
  decoderInput: ['latent_sample', 'latent', 'latents', 'z', 'x'],
  decoderOutput: ['sample', 'video', 'output', 'images'],
  encoderInput: ['sample', 'video', 'pixel_values', 'images', 'x'],
  encoderOutput: ['latent_sample', 'latent', 'latent_dist', 'z', 'mean'],
} as const;

export interface VaeOptions extends GraphOptions {
  readonly geometry: LatentGeometry;
  readonly latentsMean: readonly number[];
  readonly latentsStd: readonly number[];
}

/** A decoded clip: pixels in [−1, 1], [3, frames, height, width]. */
export interface DecodedVideo {
  readonly pixels: Float32Array;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
}

interface Bound {
  readonly input: GraphValueInfo;
  readonly output: GraphValueInfo;
}

function bind(graph: OnnxGraph, inputs: readonly string[], outputs: readonly string[]): Bound {
  const where = graph.path;
  const input = graph.inputs.length === 1 ? graph.inputs[0] : bindByAliases(graph.inputs, inputs, 'input', where);
  const output = graph.outputs.length === 1 ? graph.outputs[0] : bindByAliases(graph.outputs, outputs, 'output', where);
  if (input.dtype !== 'float32' && input.dtype !== 'float16') throw new UsageError(`${where}: input '${input.name}' is ${input.dtype || 'not a tensor'}; a VAE is fed float32 or float16`);
  return { input, output };
}

function floats(t: GraphTensor, where: string, name: string): Float32Array {
  const v = floatOutput(t);
  if (v === undefined) throw new ModelOutputError(`${where}: output '${name}' is ${t.dtype}; a VAE returns float32 or float16`);
  return v;
}

/** A VAE graph opened and bound; the decoder and the encoder differ only in what they feed and read. */
abstract class VaeGraph {
  protected constructor(
    protected readonly graph: OnnxGraph,
    protected readonly bound: Bound,
    protected readonly options: VaeOptions,
  ) {}

  protected static async openBound(path: string, options: VaeOptions, inputs: readonly string[], outputs: readonly string[]): Promise<[OnnxGraph, Bound]> {
    const graph = await OnnxGraph.open(path, options);
    try {
      return [graph, bind(graph, inputs, outputs)];
    } catch (err) {
      await graph.dispose();
      throw err;
    }
  }

  dispose(): Promise<void> {
    return this.graph.dispose();
  }
}

export class VaeDecoder extends VaeGraph {
  static async open(path: string, options: VaeOptions): Promise<VaeDecoder> {
    const [graph, bound] = await VaeGraph.openBound(path, options, VAE_ALIASES.decoderInput, VAE_ALIASES.decoderOutput);
    return new VaeDecoder(graph, bound, options);
  }

  /** A normalised latent [C, F, h, w] (the sampler's) → its clip, clamped to [−1, 1]. */
  async decode(latent: Float32Array, shape: LatentShape): Promise<DecodedVideo> {
    const [C, F, h, w] = shape;
    const { geometry, latentsMean, latentsStd } = this.options;
    if (latent.length !== numel(shape) || C !== latentsMean.length) {
      throw new UsageError(`the VAE decoder takes a ${latentsMean.length}-channel latent; got ${latent.length} values for ${formatShape(shape)}`);
    }
    const z = denormaliseLatent(Float32Array.from(latent), latentsMean, latentsStd);
    const { input, output } = this.bound;
    const result = (await this.graph.run({ [input.name]: floatFeed(input, z, [1, C, F, h, w]) }, [output.name]))[output.name];
    const frames = pixelFrames(geometry, F);
    const height = h * geometry.spatialStride;
    const width = w * geometry.spatialStride;
    const want = [1, 3, frames, height, width];
    if (result.dims.length !== 5 || !result.dims.every((d, i) => d === want[i])) {
      throw new ModelOutputError(`${this.graph.path}: output '${output.name}' is [${result.dims.join(', ')}]; a Wan VAE decodes ${formatShape(shape)} to ${formatShape(want)}`);
    }
    const pixels = floats(result, this.graph.path, output.name);
    for (let i = 0; i < pixels.length; i++) pixels[i] = pixels[i] < -1 ? -1 : pixels[i] > 1 ? 1 : pixels[i];
    return { pixels, frames, height, width };
  }
}

export class VaeEncoder extends VaeGraph {
  static async open(path: string, options: VaeOptions): Promise<VaeEncoder> {
    const [graph, bound] = await VaeGraph.openBound(path, options, VAE_ALIASES.encoderInput, VAE_ALIASES.encoderOutput);
    return new VaeEncoder(graph, bound, options);
  }

  /**
   * A clip [3, frames, height, width] in [−1, 1] → its normalised latent [C, F, h, w]. An encoder that returns the
   * posterior's mean and log-variance stacked (2C channels) gives its mean, the mode the Wan pipelines use.
   */
  async encode(pixels: Float32Array, frames: number, height: number, width: number): Promise<{ latent: Float32Array; shape: LatentShape }> {
    const { geometry, latentsMean, latentsStd } = this.options;
    if (pixels.length !== 3 * frames * height * width) throw new UsageError(`the VAE encoder got ${pixels.length} values for a ${width}×${height}×${frames} RGB clip`);
    const s = geometry.spatialStride;
    if ((frames - 1) % geometry.temporalStride !== 0 || height % s !== 0 || width % s !== 0) {
      throw new UsageError(`the VAE encoder takes ${geometry.temporalStride}k+1 frames of multiples of ${s} pixels; got ${frames} frames of ${width}×${height}`);
    }
    const { input, output } = this.bound;
    const result = (await this.graph.run({ [input.name]: floatFeed(input, Float32Array.from(pixels), [1, 3, frames, height, width]) }, [output.name]))[output.name];
    const C = latentsMean.length;
    const shape: LatentShape = [C, (frames - 1) / geometry.temporalStride + 1, height / s, width / s];
    const d = result.dims;
    const ok = d.length === 5 && d[0] === 1 && (d[1] === C || d[1] === 2 * C) && d[2] === shape[1] && d[3] === shape[2] && d[4] === shape[3];
    if (!ok) throw new ModelOutputError(`${this.graph.path}: output '${output.name}' is [${d.join(', ')}]; expected [1, ${C}, ${shape.slice(1).join(', ')}]`);
    const latent = floats(result, this.graph.path, output.name).slice(0, numel(shape));
    return { latent: normaliseLatent(latent, latentsMean, latentsStd), shape };
  }
}
