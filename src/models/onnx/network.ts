// An ONNX flow-matching network as a VelocityModel, run by a worker that speaks protocol.ts: a worker thread in Node
// (backend.ts), a Web Worker in the browser (src/browser/). Platform-neutral: the worker itself comes through a
// WorkerLink, so packing the batch, matching replies to requests and failing cleanly are written once.
import { ModelOutputError, UsageError } from '../../errors.js';
import { checkLatentShape, numel, type LatentShape } from '../../core/tensor.js';
import type { VelocityRequest } from '../contract.js';
import type { ScenarioVelocityModel } from '../sigma-experts.js';
import type { ModelCard } from './card.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';

/** The main-thread end of one ONNX worker. */
export interface WorkerLink {
  post(message: WorkerRequest, transfer?: ArrayBuffer[]): void;
  /** Install the handlers; `exited` fires once if the worker ends (`detail` says how). */
  listen(handlers: { readonly reply: (m: WorkerReply) => void; readonly error: (err: Error) => void; readonly exited: (detail: string) => void }): void;
  /** After a `close` request: wait for the worker to release its session and end, terminating it as a fallback. */
  shutdown(): Promise<void>;
  /** End the worker at once. */
  terminate(): Promise<void>;
}

/** What both ONNX backends (onnxruntime-node, onnxruntime-web) provide: a network started from checked ONNX bytes. */
export interface OnnxBackend {
  start(card: ModelCard, onnxBytes: Uint8Array, where: string): Promise<ScenarioVelocityModel>;
}

/** Send `init` over a fresh link and wait for the worker's session; the link is terminated when that fails. */
export async function initWorker(link: WorkerLink, card: ModelCard, onnxBytes: Uint8Array, threads: number, where: string): Promise<void> {
  const ready = new Promise<void>((resolve, reject) => {
    link.listen({
      reply: (m) => (m.kind === 'ready' ? resolve() : m.kind === 'error' ? reject(new UsageError(`${where}: ${m.message}`)) : undefined),
      error: reject,
      exited: (detail) => reject(new ModelOutputError(`${where}: the ONNX worker exited while loading (${detail})`)),
    });
  });
  link.post({ kind: 'init', model: onnxBytes, threads, latentShape: card.latentShape });
  try {
    await ready;
  } catch (err) {
    await link.terminate();
    throw err;
  }
}

export class OnnxNetwork implements ScenarioVelocityModel {
  readonly shape: LatentShape;
  private readonly size: number;
  private readonly framePositions: number;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: Float32Array) => void; reject: (e: Error) => void }>();
  private closed = false;
  /** Why the worker is gone, once it has exited without being asked to. */
  private failure: Error | undefined;

  /** `link` must have finished initWorker. */
  constructor(
    readonly card: ModelCard,
    private readonly link: WorkerLink,
  ) {
    this.shape = checkLatentShape(card.latentShape, 'model card latentShape');
    this.size = numel(this.shape);
    this.framePositions = this.shape[2] * this.shape[3];
    link.listen({
      reply: (m) => this.onReply(m),
      error: (err) => this.failAll(err),
      exited: (detail) => {
        if (this.closed) return;
        this.failure = new ModelOutputError(`the ONNX worker exited unexpectedly (${detail}); load the model again`);
        this.failAll(this.failure);
      },
    });
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

  async velocity(requests: readonly VelocityRequest[], sigma: number, _timestep: number, out: readonly Float32Array[]): Promise<void> {
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
    this.link.post({ kind: 'run', id, batch: b, x, sigma: sig, scenario, given, givenMask }, [x.buffer, given.buffer, givenMask.buffer, scenario.buffer, sig.buffer]);
    const v = await result;
    if (v.length !== b * n) throw new ModelOutputError(`the ONNX model returned ${v.length} values for a batch of ${b} latents of ${n}`);
    for (let r = 0; r < b; r++) out[r].set(v.subarray(r * n, (r + 1) * n));
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.link.post({ kind: 'close' });
    await this.link.shutdown();
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
