// The worker side of protocol.ts, shared by the Node worker thread (worker.ts, onnxruntime-node) and the browser's Web
// Worker (src/browser/onnx-worker.ts, onnxruntime-web): one onnxruntime session, fed the velocity network's inputs.
// Platform-neutral: the runtime comes in through an OrtRuntime (both packages share onnxruntime-common's API).
import type { WorkerReply, WorkerRequest } from './protocol.js';

/** The part of an onnxruntime session this worker uses; `T` is the runtime's tensor type. */
export interface OrtSession<T> {
  run(feeds: Record<string, T>, fetches: readonly string[]): Promise<Record<string, { readonly data: unknown }>>;
  release(): Promise<void>;
}

export interface OrtRuntime<T> {
  /** A session on the model's bytes with `threads` intra-op threads. */
  create(model: Uint8Array, threads: number): Promise<OrtSession<T>>;
  tensor(type: 'float32', data: Float32Array, dims: readonly number[]): T;
  tensor(type: 'int64', data: BigInt64Array, dims: readonly number[]): T;
}

/**
 * A handler for the worker's incoming messages. `reply` posts back to the main thread (transferring the listed
 * buffers); `closed` runs once the session is released after a `close` request.
 */
export function onnxWorkerHandler<T>(runtime: OrtRuntime<T>, reply: (m: WorkerReply, transfer?: ArrayBuffer[]) => void, closed: () => void): (m: WorkerRequest) => Promise<void> {
  let session: OrtSession<T> | null = null;
  let latentShape: number[] = [];
  return async (message) => {
    if (message.kind === 'init') {
      try {
        session = await runtime.create(message.model, message.threads);
        latentShape = [...message.latentShape];
        reply({ kind: 'ready' });
      } catch (err) {
        reply({ kind: 'error', id: -1, message: `cannot load the ONNX model: ${(err as Error).message}` });
      }
      return;
    }
    if (message.kind === 'close') {
      try {
        await session?.release();
      } finally {
        session = null;
        closed();
      }
      return;
    }
    const s = session;
    if (s === null) {
      reply({ kind: 'error', id: message.id, message: 'the ONNX session is not initialised' });
      return;
    }
    try {
      const b = message.batch;
      const [c, f, h, w] = latentShape;
      const feeds = {
        x: runtime.tensor('float32', message.x, [b, c, f, h, w]),
        sigma: runtime.tensor('float32', message.sigma, [b]),
        scenario: runtime.tensor('int64', message.scenario, [b]),
        given: runtime.tensor('float32', message.given, [b, c, f, h, w]),
        given_mask: runtime.tensor('float32', message.givenMask, [b, 1, f, h, w]),
      };
      const out = await s.run(feeds, ['v']);
      const copy = new Float32Array(out.v.data as Float32Array);
      reply({ kind: 'result', id: message.id, v: copy }, [copy.buffer]);
    } catch (err) {
      reply({ kind: 'error', id: message.id, message: (err as Error).message });
    }
  };
}
