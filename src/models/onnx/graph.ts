// One ONNX graph run in a worker thread: open it by path, read what it declares (names, element types, shapes),
// run it on named tensors. Every network of a model folder (transformer, text encoder, VAE) runs through this.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ModelOutputError, UsageError } from '../../errors.js';
import type { GraphDevice, GraphReply, GraphRequest, GraphTensor, GraphValueInfo } from './graph-protocol.js';

export type { GraphData, GraphDevice, GraphDtype, GraphTensor, GraphValueInfo } from './graph-protocol.js';

/** How long dispose() waits for the worker to release the session and exit before terminating it. */
const DISPOSE_TIMEOUT_MS = 10_000;

export interface GraphOptions {
  /** Execution provider (default cpu). */
  readonly device?: GraphDevice;
  /** Intra-op threads of the session (default: all cores). */
  readonly threads?: number;
}

/** The install step that fetches onnxruntime-node's CUDA execution provider (its postinstall, skipped by default). */
export const CUDA_INSTALL_STEP = 'ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js';

/** Whether the installed onnxruntime-node carries its CUDA execution provider library. */
export function cudaProviderInstalled(): boolean {
  if (process.platform !== 'linux' && process.platform !== 'win32') return false;
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('onnxruntime-node/package.json'));
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return existsSync(join(pkg, 'bin', 'napi-v6', process.platform, process.arch, lib));
}

/** Throws the one-line usage error when `device` is cuda and the provider is not installed. */
export function checkDevice(device: GraphDevice): void {
  if (device === 'cuda' && !cudaProviderInstalled()) {
    throw new UsageError(
      `--device cuda: the installed onnxruntime-node has no CUDA execution provider; install it with \`${CUDA_INSTALL_STEP}\` (CUDA 12 and cuDNN 9 on the machine), or use --device cpu`,
    );
  }
}

export class OnnxGraph {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: Record<string, GraphTensor>) => void; reject: (e: Error) => void }>();
  private closed = false;
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    /** The .onnx file (or what names the model, when it was opened from bytes). */
    readonly path: string,
    readonly inputs: readonly GraphValueInfo[],
    readonly outputs: readonly GraphValueInfo[],
    private readonly worker: Worker,
  ) {
    worker.on('message', (m: GraphReply) => this.onReply(m));
    worker.on('error', (err) => this.failAll(err));
    this.exited = new Promise<void>((resolve) => {
      worker.on('exit', (code) => {
        if (!this.closed) {
          this.failure = new ModelOutputError(`the ONNX worker exited unexpectedly (code ${code}) running ${path}; load the model again`);
          this.failAll(this.failure);
        }
        resolve();
      });
    });
  }

  /**
   * Open a graph in a new worker: by its path (so that external data beside it is found), or from bytes already read
   * and checked, with `where` naming them. A file that does not exist or does not load is a UsageError naming it.
   */
  static async open(source: string | Uint8Array, options: GraphOptions = {}, where?: string): Promise<OnnxGraph> {
    const device = options.device ?? 'cpu';
    checkDevice(device);
    const path = where ?? (typeof source === 'string' ? source : '<onnx bytes>');
    if (typeof source === 'string' && !existsSync(source)) throw new UsageError(`${source} does not exist`);
    const worker = new Worker(new URL('./graph-worker.js', import.meta.url));
    const threads = options.threads ?? Math.max(1, availableParallelism());
    const ready = new Promise<{ inputs: readonly GraphValueInfo[]; outputs: readonly GraphValueInfo[] }>((resolve, reject) => {
      const onMessage = (m: GraphReply): void => {
        worker.off('message', onMessage);
        if (m.kind === 'ready') resolve(m);
        else if (m.kind === 'error') reject(new UsageError(`cannot load ${path}: ${m.message.split('\n')[0]}`));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    const open: GraphRequest = { kind: 'open', source, device, threads };
    worker.postMessage(open);
    try {
      const meta = await ready;
      return new OnnxGraph(path, meta.inputs, meta.outputs, worker);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  /**
   * Run the graph. The feeds' buffers are transferred to the worker (they are unusable afterwards): pass buffers
   * made for this call. Returns the named outputs, each in a buffer of its own.
   */
  async run(feeds: Readonly<Record<string, GraphTensor>>, outputNames: readonly string[]): Promise<Record<string, GraphTensor>> {
    if (this.closed) throw new UsageError(`the ONNX graph ${this.path} was disposed`);
    if (this.failure !== undefined) throw this.failure;
    const id = this.nextId++;
    const result = new Promise<Record<string, GraphTensor>>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const buffers = new Set<ArrayBuffer>();
    for (const t of Object.values(feeds)) buffers.add(t.data.buffer as ArrayBuffer);
    const message: GraphRequest = { kind: 'run', id, feeds, outputs: [...outputNames] };
    this.worker.postMessage(message, [...buffers]);
    return result;
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let the worker release its session and exit on its own: terminating it while onnxruntime is releasing the
    // session in native code can kill the whole process. terminate() only as a fallback.
    const close: GraphRequest = { kind: 'close' };
    this.worker.postMessage(close);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), DISPOSE_TIMEOUT_MS);
    });
    const outcome = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') await this.worker.terminate();
  }

  private onReply(m: GraphReply): void {
    if (m.kind === 'ready') return;
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (m.kind === 'result') p.resolve(m.outputs);
    else p.reject(new ModelOutputError(`ONNX inference failed in ${this.path}: ${m.message}`));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** A graph's declared inputs as "name dtype [dims]" items, for error messages. */
export function describeValues(values: readonly GraphValueInfo[]): string {
  return values.map((v) => `${v.name} ${v.dtype || 'non-tensor'} [${v.shape.join(', ')}]`).join(', ');
}
