// One ONNX graph run in a worker thread on onnxruntime-node: open it by path (or from checked bytes), read what it
// declares (names, element types, shapes), run it on named tensors. Every network of a model folder (transformer,
// text encoder, VAE) and of the shipped physics model runs through this; graph-client.ts is the platform-neutral part
// (the browser's Web Workers use it too).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { UsageError } from '../../errors.js';
import type { OnnxBackend } from './backend.js';
import { GraphClient, openOverLink, type GraphMetadata, type LinkHandlers, type WorkerLink } from './graph-client.js';
import type { GraphDevice, GraphReply } from './graph-protocol.js';

export type { GraphData, GraphDevice, GraphDtype, GraphTensor, GraphValueInfo } from './graph-protocol.js';
export { describeValues, type Graph } from './graph-client.js';

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

/** A worker thread as a WorkerLink. */
function workerThreadLink(worker: Worker): WorkerLink {
  let handlers: LinkHandlers | undefined;
  worker.on('message', (m: GraphReply) => handlers?.reply(m));
  worker.on('error', (err) => handlers?.error(err));
  /** Settles when the worker has exited, whether before or after dispose() was called. */
  const exited = new Promise<void>((resolve) => {
    worker.on('exit', (code) => {
      handlers?.exited(`code ${code}`);
      resolve();
    });
  });
  return {
    post: (message, transfer = []) => worker.postMessage(message, transfer),
    listen(next) {
      handlers = next;
    },
    async shutdown() {
      // Let the worker release its session and exit on its own: terminating it while onnxruntime is releasing the
      // session in native code can kill the whole process. terminate() only as a fallback.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), DISPOSE_TIMEOUT_MS);
      });
      const outcome = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') await worker.terminate();
    },
    async terminate() {
      await worker.terminate();
    },
  };
}

/** A graph whose onnxruntime-node session runs in a worker thread of its own. */
export class OnnxGraph extends GraphClient {
  private constructor(
    path: string,
    meta: GraphMetadata,
    link: WorkerLink,
    /** The worker thread itself (a test ends it to simulate a crash of the native session). */
    protected readonly worker: Worker,
  ) {
    super(path, meta, link);
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
    const link = workerThreadLink(worker);
    const threads = options.threads ?? Math.max(1, availableParallelism());
    const meta = await openOverLink(link, { source, device, threads }, path);
    return new OnnxGraph(path, meta, link, worker);
  }
}

/** The onnxruntime-node backend: each network in a worker thread of its own. */
export function nodeOnnxBackend(options: GraphOptions = {}): OnnxBackend {
  return { open: (onnxBytes, where) => OnnxGraph.open(onnxBytes, options, where) };
}
