// A model folder's transformer as a VelocityModel: the graph's bound inputs fed from the sampler's latent, the
// model's own timestep and the condition's text states; float16 graphs converted at the boundary. Conditioning
// frames (Condition.given, Cosmos-Predict2.5's video-to-world) are kept fixed: the network sees their clean latents,
// and their velocity is set to (x − clean)/σ, so their x̂0 is the clean latent and every step keeps them on the
// clean latent's flow path, ending on it exactly at σ = 0.
import { ModelOutputError, UsageError } from '../../errors.js';
import { formatShape, numel, type LatentShape } from '../../core/tensor.js';
import type { VelocityModel, VelocityRequest } from '../../core/model.js';
import type { ModelFamily } from '../family.js';
import { floatFeed, floatOutput, type GraphBinding } from '../onnx/binding.js';
import type { Graph } from '../onnx/graph-client.js';
import type { GraphTensor } from '../onnx/graph-protocol.js';

export interface DenoiserOptions {
  /** The sampler's latent [C, F, H, W] (C = the VAE's channels). */
  readonly shape: LatentShape;
  readonly family: ModelFamily;
  /** Rows × width of the text states the graph reads. */
  readonly textShape: readonly [number, number];
  /**
   * Channels the graph reads after the latent's, the same for every evaluation (Wan2.2-I2V: the 4-channel
   * first-frame mask and the 16-channel image latent), [extra, F, H, W].
   */
  readonly extraChannels?: Float32Array;
}

export class GraphDenoiser implements VelocityModel {
  readonly shape: LatentShape;
  private readonly size: number;
  private readonly inputChannels: number;
  private readonly textSize: number;

  constructor(
    readonly graph: Graph,
    readonly binding: GraphBinding,
    private readonly options: DenoiserOptions,
  ) {
    this.shape = options.shape;
    this.size = numel(options.shape);
    const extra = options.extraChannels?.length ?? 0;
    const perChannel = this.size / options.shape[0];
    if (extra % perChannel !== 0) throw new UsageError(`extra input channels hold ${extra} values, not a whole number of [${options.shape.slice(1).join(', ')}] channels`);
    this.inputChannels = options.shape[0] + extra / perChannel;
    this.textSize = options.textShape[0] * options.textShape[1];
  }

  /** The network's timestep at σ (the family's convention). */
  timestep(sigma: number): number {
    return this.options.family.timestep(sigma);
  }

  async velocity(requests: readonly VelocityRequest[], sigma: number, out: readonly Float32Array[]): Promise<void> {
    const t = this.timestep(sigma);
    if (this.binding.batched) {
      await this.run(requests, sigma, t, out);
      return;
    }
    // A batch-1 graph: the branches run one after the other (conditional first).
    for (let r = 0; r < requests.length; r++) await this.run([requests[r]], sigma, t, [out[r]]);
  }

  private async run(requests: readonly VelocityRequest[], sigma: number, t: number, out: readonly Float32Array[]): Promise<void> {
    const b = requests.length;
    const n = this.size;
    const [C, F, H, W] = this.shape;
    const extra = this.options.extraChannels;
    const perLatent = this.inputChannels * F * H * W;
    const latent = new Float32Array(b * perLatent);
    const text = new Float32Array(b * this.textSize);
    for (let r = 0; r < b; r++) {
      const { x, condition } = requests[r];
      if (x.length !== n) throw new UsageError(`latent has ${x.length} values; the model's latent ${formatShape(this.shape)} needs ${n}`);
      latent.set(x, r * perLatent);
      if (condition.given !== undefined) this.forGivenFrames(condition.given, (i, clean) => (latent[r * perLatent + i] = clean));
      if (extra !== undefined) latent.set(extra, r * perLatent + n);
      const states = condition.text;
      if (states === undefined || states.length !== this.textSize) {
        throw new UsageError(
          `the ${condition.label === null ? 'negative' : 'positive'} prompt has ${states === undefined ? 'no text states' : `${states.length} text-state values`}; this model reads [${this.options.textShape.join(', ')}]`,
        );
      }
      text.set(states, r * this.textSize);
    }
    const { binding } = this;
    const feeds: Record<string, GraphTensor> = {
      [binding.latent.name]: floatFeed(binding.latent, latent, [b, this.inputChannels, F, H, W]),
      [binding.text.name]: floatFeed(binding.text, text, [b, ...this.options.textShape]),
      [binding.timestep.name]: this.timestepTensor(t, b),
    };
    const result = (await this.graph.run(feeds, [binding.output.name]))[binding.output.name];
    const v = floatOutput(result);
    if (v === undefined || v.length !== b * n) {
      throw new ModelOutputError(
        `${this.graph.path}: output '${binding.output.name}' is ${result.dtype} [${result.dims.join(', ')}]; expected float [${b}, ${C}, ${F}, ${H}, ${W}]`,
      );
    }
    for (let r = 0; r < b; r++) {
      const o = out[r];
      o.set(v.subarray(r * n, (r + 1) * n));
      const { x, condition } = requests[r];
      if (condition.given !== undefined && sigma > 0) this.forGivenFrames(condition.given, (i, clean) => (o[i] = (x[i] - clean) / sigma));
    }
  }

  /** Calls `f(index, clean value)` for every value of the given latent frames (the first `frames` of each channel). */
  private forGivenFrames(given: NonNullable<VelocityRequest['condition']['given']>, f: (i: number, clean: number) => void): void {
    const [C, F, H, W] = this.shape;
    if (given.latent.length !== this.size || !(given.frames >= 0 && given.frames < F)) {
      throw new UsageError(`conditioning latent of ${given.latent.length} values and ${given.frames} frames; this model's latent is ${formatShape(this.shape)} and needs at least one frame to generate`);
    }
    const framesLen = given.frames * H * W;
    for (let c = 0; c < C; c++) {
      const base = c * F * H * W;
      for (let i = base; i < base + framesLen; i++) f(i, given.latent[i]);
    }
  }

  private timestepTensor(t: number, b: number): GraphTensor {
    const value = this.binding.timestep;
    const dims = value.shape.length === 0 ? [] : [b];
    const count = dims.length === 0 ? 1 : b;
    if (value.dtype === 'int64') {
      if (!Number.isInteger(t)) throw new UsageError(`${this.graph.path}: timestep '${value.name}' is int64 but this model's timestep ${t} is not an integer`);
      return { dtype: 'int64', data: new BigInt64Array(count).fill(BigInt(t)), dims };
    }
    return floatFeed(value, new Float32Array(count).fill(t), dims);
  }

  dispose(): Promise<void> {
    return this.graph.dispose();
  }
}
