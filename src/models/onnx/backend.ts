// The Node ONNX backend: an OnnxNetwork whose worker is a worker thread running onnxruntime-node (worker.ts).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ModelCard } from './card.js';
import { loadModelCard } from './card-file.js';
import { initWorker, OnnxNetwork, type OnnxBackend, type WorkerLink } from './network.js';
import type { WorkerReply } from './protocol.js';

/** How long dispose() waits for the worker to release the session and exit before terminating it. */
const DISPOSE_TIMEOUT_MS = 10_000;

export interface OnnxModelOptions {
  /** Intra-op threads of the session (default: all cores). */
  readonly threads?: number;
}

/** A worker thread as a WorkerLink. */
function workerThreadLink(worker: Worker): WorkerLink {
  let handlers: Parameters<WorkerLink['listen']>[0] | undefined;
  worker.on('message', (m: WorkerReply) => handlers?.reply(m));
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
      // Let the worker release its session and exit on its own: terminating it while onnxruntime is releasing
      // the session in native code can kill the whole process with a signal. terminate() only as a fallback.
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

export class OnnxVelocityModel extends OnnxNetwork {
  private constructor(
    card: ModelCard,
    readonly dir: string,
    /** The worker thread itself (a test ends it to simulate a crash of the native session). */
    protected readonly worker: Worker,
    link: WorkerLink,
  ) {
    super(card, link);
  }

  /**
   * Load `card.json` (checks the card and the ONNX file's sha256) and start the worker. For a card with a
   * high-noise expert this is the low-noise network alone; `loadShippedModel` pairs the two.
   */
  static async load(cardPath: string, options: OnnxModelOptions = {}): Promise<OnnxVelocityModel> {
    const { card, dir, onnxBytes } = await loadModelCard(cardPath);
    return OnnxVelocityModel.start(card, dir, onnxBytes, cardPath, options);
  }

  /** Start a worker on ONNX bytes already checked against `card` (whose inputs, outputs and shape they share). */
  static async start(card: ModelCard, dir: string, onnxBytes: Uint8Array, where: string, options: OnnxModelOptions = {}): Promise<OnnxVelocityModel> {
    const worker = new Worker(new URL('./worker.js', import.meta.url));
    const link = workerThreadLink(worker);
    await initWorker(link, card, onnxBytes, options.threads ?? Math.max(1, availableParallelism()), where);
    return new OnnxVelocityModel(card, dir, worker, link);
  }
}

/** The onnxruntime-node backend for cards in `dir`. */
export function nodeOnnxBackend(dir: string, options: OnnxModelOptions = {}): OnnxBackend {
  return { start: (card, onnxBytes, where) => OnnxVelocityModel.start(card, dir, onnxBytes, where, options) };
}
