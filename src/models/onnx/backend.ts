// An ONNX flow-matching network as a VelocityModel, executed in a worker thread.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ModelOutputError, UsageError } from '../../errors.js';
import { checkLatentShape, numel, type LatentShape } from '../../core/tensor.js';
import type { VelocityModel, VelocityRequest } from '../contract.js';
import { wanTimestep } from '../family.js';
import { loadModelCard, type ModelCard } from './card.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';

/** How long dispose() waits for the worker to release the session and exit before terminating it. */
const DISPOSE_TIMEOUT_MS = 10_000;

export interface OnnxModelOptions {
  /** Intra-op threads of the session (default: all cores). */
  readonly threads?: number;
}

export class OnnxVelocityModel implements VelocityModel {
  readonly shape: LatentShape;
  private readonly size: number;
  private readonly framePositions: number;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: Float32Array) => void; reject: (e: Error) => void }>();
  private closed = false;
  /** Settles when the worker has exited, whether before or after dispose() was called. */
  private readonly exited: Promise<void>;
  /** Why the worker is gone, once it has exited without being asked to. */
  private failure: Error | undefined;

  private constructor(
    readonly card: ModelCard,
    readonly dir: string,
    private readonly worker: Worker,
  ) {
    this.shape = checkLatentShape(card.latentShape, 'model card latentShape');
    this.size = numel(this.shape);
    this.framePositions = this.shape[2] * this.shape[3];
    worker.on('message', (m: WorkerReply) => this.onReply(m));
    worker.on('error', (err) => this.failAll(err));
    this.exited = new Promise<void>((resolve) => {
      worker.on('exit', (code) => {
        if (!this.closed) {
          this.failure = new ModelOutputError(`the ONNX worker exited unexpectedly (code ${code}); load the model again`);
          this.failAll(this.failure);
        }
        resolve();
      });
    });
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
    const worker = new Worker(new URL('./worker.js', import.meta.url));
    const threads = options.threads ?? Math.max(1, availableParallelism());
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: WorkerReply): void => {
        worker.off('message', onMessage);
        if (m.kind === 'ready') resolve();
        else if (m.kind === 'error') reject(new UsageError(`${where}: ${m.message}`));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    const init: WorkerRequest = { kind: 'init', model: onnxBytes, threads, latentShape: card.latentShape };
    worker.postMessage(init);
    try {
      await ready;
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    return new OnnxVelocityModel(card, dir, worker);
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
    if (this.failure !== undefined) throw this.failure;
    const b = requests.length;
    const n = this.size;
    const x = new Float32Array(b * n);
    const given = new Float32Array(b * n);
    const givenMask = new Float32Array(b * this.shape[1] * this.framePositions);
    const scenario = new BigInt64Array(b);
    const sig = new Float32Array(b).fill(sigma);
    const F = this.shape[1];
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
        const C = this.shape[0];
        const framesLen = g.frames * this.framePositions;
        for (let c = 0; c < C; c++) {
          const base = c * F * this.framePositions;
          given.set(g.latent.subarray(base, base + framesLen), r * n + base);
        }
        givenMask.fill(1, r * F * this.framePositions, r * F * this.framePositions + framesLen);
      }
    }
    const id = this.nextId++;
    const result = new Promise<Float32Array>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const message: WorkerRequest = { kind: 'run', id, batch: b, x, sigma: sig, scenario, given, givenMask };
    this.worker.postMessage(message, [x.buffer, given.buffer, givenMask.buffer, scenario.buffer, sig.buffer]);
    const v = await result;
    if (v.length !== b * n) throw new ModelOutputError(`the ONNX model returned ${v.length} values for a batch of ${b} latents of ${n}`);
    for (let r = 0; r < b; r++) out[r].set(v.subarray(r * n, (r + 1) * n));
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let the worker release its session and exit on its own: terminating it while onnxruntime is releasing
    // the session in native code can kill the whole process with a signal. terminate() only as a fallback.
    const close: WorkerRequest = { kind: 'close' };
    this.worker.postMessage(close);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), DISPOSE_TIMEOUT_MS);
    });
    const outcome = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') await this.worker.terminate();
  }

  private onReply(m: WorkerReply): void {
    if (m.kind === 'ready') return;
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (m.kind === 'result') p.resolve(m.v);
    else p.reject(new ModelOutputError(`ONNX inference failed: ${m.message}`));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
