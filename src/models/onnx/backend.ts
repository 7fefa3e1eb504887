// The shipped physics network (an ONNX flow-matching model described by its card.json) as a VelocityModel, run
// through the generic OnnxGraph worker.
import { ModelOutputError, UsageError } from '../../errors.js';
import { checkLatentShape, numel, type LatentShape } from '../../core/tensor.js';
import type { VelocityModel, VelocityRequest } from '../contract.js';
import { wanTimestep } from '../family.js';
import { loadModelCard, type ModelCard } from './card.js';
import { OnnxGraph } from './graph.js';

export interface OnnxModelOptions {
  /** Intra-op threads of the session (default: all cores). */
  readonly threads?: number;
}

export class OnnxVelocityModel implements VelocityModel {
  readonly shape: LatentShape;
  private readonly size: number;
  private readonly framePositions: number;
  private closed = false;

  private constructor(
    readonly card: ModelCard,
    readonly dir: string,
    readonly graph: OnnxGraph,
  ) {
    this.shape = checkLatentShape(card.latentShape, 'model card latentShape');
    this.size = numel(this.shape);
    this.framePositions = this.shape[2] * this.shape[3];
  }

  /**
   * Load `card.json` (checks the card and the ONNX file's sha256) and start the worker. For a card with a
   * high-noise expert this is the low-noise network alone; `loadShippedModel` pairs the two.
   */
  static async load(cardPath: string, options: OnnxModelOptions = {}): Promise<OnnxVelocityModel> {
    const { card, dir, onnxBytes } = loadModelCard(cardPath);
    return OnnxVelocityModel.start(card, dir, onnxBytes, cardPath, options);
  }

  /** Start a worker on ONNX bytes already checked against `card` (whose inputs, outputs and shape they share). */
  static async start(card: ModelCard, dir: string, onnxBytes: Uint8Array, where: string, options: OnnxModelOptions = {}): Promise<OnnxVelocityModel> {
    const graph = await OnnxGraph.open(onnxBytes, options.threads !== undefined ? { threads: options.threads } : {}, where);
    return new OnnxVelocityModel(card, dir, graph);
  }

  /** Scenario id for a label: the scenario name, or null for the unconditional branch. */
  scenarioId(label: string | null): number {
    if (label === null) return this.card.nullScenarioId;
    const s = this.card.scenarios.find((sc) => sc.name === label);
    if (s === undefined) {
      throw new UsageError(`unknown scenario '${label}'; the model knows: ${this.card.scenarios.map((sc) => sc.name).join(', ')}`);
    }
    return s.id;
  }

  /**
   * The network reads σ itself; its guidance schedules (--cfg-boundary) are written in Wan's flow units, int(σ·1000),
   * as the shipped model was trained on Wan's shifted flow grid.
   */
  timestep(sigma: number): number {
    return wanTimestep(sigma);
  }

  async velocity(requests: readonly VelocityRequest[], sigma: number, out: readonly Float32Array[]): Promise<void> {
    if (this.closed) throw new UsageError('the ONNX model was disposed');
    const b = requests.length;
    const n = this.size;
    const [C, F, H, W] = this.shape;
    const x = new Float32Array(b * n);
    const given = new Float32Array(b * n);
    const givenMask = new Float32Array(b * F * this.framePositions);
    const scenario = new BigInt64Array(b);
    for (let r = 0; r < b; r++) {
      const req = requests[r];
      if (req.x.length !== n) throw new UsageError(`latent has ${req.x.length} values; the model needs ${n}`);
      x.set(req.x, r * n);
      scenario[r] = BigInt(this.scenarioId(req.condition.label));
      const g = req.condition.given;
      if (g !== undefined && g.frames > 0) {
        if (g.frames > F) throw new UsageError(`${g.frames} given frames, but the model generates ${F}`);
        if (g.latent.length !== n) throw new UsageError(`given-frame latent has ${g.latent.length} values; the model needs ${n}`);
        // Copy the given frames of every channel; mark them in the mask.
        const framesLen = g.frames * this.framePositions;
        for (let c = 0; c < C; c++) {
          const base = c * F * this.framePositions;
          given.set(g.latent.subarray(base, base + framesLen), r * n + base);
        }
        givenMask.fill(1, r * F * this.framePositions, r * F * this.framePositions + framesLen);
      }
    }
    const outputs = await this.graph.run(
      {
        x: { dtype: 'float32', data: x, dims: [b, C, F, H, W] },
        sigma: { dtype: 'float32', data: new Float32Array(b).fill(sigma), dims: [b] },
        scenario: { dtype: 'int64', data: scenario, dims: [b] },
        given: { dtype: 'float32', data: given, dims: [b, C, F, H, W] },
        given_mask: { dtype: 'float32', data: givenMask, dims: [b, 1, F, H, W] },
      },
      ['v'],
    );
    const v = outputs.v.data;
    if (!(v instanceof Float32Array) || v.length !== b * n) throw new ModelOutputError(`the ONNX model returned ${v.length} values for a batch of ${b} latents of ${n}`);
    for (let r = 0; r < b; r++) out[r].set(v.subarray(r * n, (r + 1) * n));
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.graph.dispose();
  }
}
