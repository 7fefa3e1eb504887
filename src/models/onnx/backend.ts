// The shipped physics network (an ONNX flow-matching model described by its card.json) as a VelocityModel over a
// Graph. Platform-neutral: Node opens the graph in a worker thread (graph.ts, onnxruntime-node), the browser in a Web
// Worker (src/browser/, onnxruntime-web); both run this class.
import { CancelledError, ModelOutputError, UsageError } from '../../errors.js';
import { checkLatentShape, numel, type LatentShape } from '../../core/tensor.js';
import type { VelocityRequest } from '../../core/model.js';
import { wanTimestep } from '../family.js';
import type { ScenarioVelocityModel } from '../sigma-experts.js';
import type { ModelCard } from './card.js';
import type { Graph } from './graph-client.js';

/** What both ONNX runtimes (onnxruntime-node, onnxruntime-web) provide: a graph opened from checked ONNX bytes. */
export interface OnnxBackend {
  /** `where` names the bytes in messages (the card's path or URL for the file). */
  open(onnxBytes: Uint8Array, where: string): Promise<Graph>;
}

export class OnnxVelocityModel implements ScenarioVelocityModel {
  readonly shape: LatentShape;
  private readonly size: number;
  private readonly framePositions: number;
  private closed = false;

  /** `graph` runs the card's network: inputs x, sigma, scenario, given, given_mask; output v. */
  constructor(
    readonly card: ModelCard,
    readonly graph: Graph,
  ) {
    this.shape = checkLatentShape(card.latentShape, 'model card latentShape');
    this.size = numel(this.shape);
    this.framePositions = this.shape[2] * this.shape[3];
  }

  /** Open the network whose bytes were checked against `card` (whose inputs, outputs and shape they share). */
  static async open(backend: OnnxBackend, card: ModelCard, onnxBytes: Uint8Array, where: string): Promise<OnnxVelocityModel> {
    return new OnnxVelocityModel(card, await backend.open(onnxBytes, where));
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
    if (this.closed) throw new CancelledError('the ONNX model was disposed');
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
