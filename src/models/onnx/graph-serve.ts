// The worker side of graph-protocol.ts: one onnxruntime session, opened, run on named tensors and released. Shared by
// Node's worker thread (graph-worker.ts, onnxruntime-node) and the browser's Web Worker (src/browser/onnx-worker.ts,
// onnxruntime-web). Platform-neutral: the runtime comes in through a GraphRuntime (both packages share
// onnxruntime-common's session and tensor API).
import type { GraphData, GraphDevice, GraphDtype, GraphReply, GraphRequest, GraphTensor, GraphValueInfo } from './graph-protocol.js';

/** An input or output as onnxruntime's session metadata describes it. */
export type RuntimeValueMetadata =
  | { readonly name: string; readonly isTensor: false }
  | { readonly name: string; readonly isTensor: true; readonly type: string; readonly shape: readonly (number | string)[] };

/** An output tensor as the runtime returns it. */
export interface RuntimeTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}

/** The part of an onnxruntime session the worker uses; `T` is the runtime's tensor type. */
export interface GraphSession<T> {
  readonly inputMetadata: readonly RuntimeValueMetadata[];
  readonly outputMetadata: readonly RuntimeValueMetadata[];
  run(feeds: Record<string, T>, fetches: readonly string[]): Promise<Record<string, RuntimeTensor>>;
  release(): Promise<void>;
}

export interface GraphRuntime<T> {
  /** A session on the model (its path or its bytes) on `device`, with `threads` intra-op threads. */
  create(source: string | Uint8Array, device: GraphDevice, threads: number): Promise<GraphSession<T>>;
  /** The runtime's tensor over `t`'s data (not copied). */
  tensor(t: GraphTensor): T;
}

function describe(meta: readonly RuntimeValueMetadata[]): GraphValueInfo[] {
  return meta.map((m) => (m.isTensor ? { name: m.name, dtype: m.type, shape: [...m.shape] } : { name: m.name, dtype: '', shape: [] }));
}

/** A copy of an output in a buffer of its own (onnxruntime may reuse its memory), float16 as its bits. */
function ownCopy(t: RuntimeTensor): GraphTensor {
  const dims = [...t.dims];
  const d = t.data;
  let data: GraphData;
  if (t.type === 'float16') {
    // onnxruntime hands float16 out as Uint16Array, or as Float16Array where the platform has one: same bytes.
    const view = d as { buffer: ArrayBufferLike; byteOffset: number; length: number };
    data = new Uint16Array(new Uint16Array(view.buffer, view.byteOffset, view.length));
  } else if (d instanceof Float32Array) data = new Float32Array(d);
  else if (d instanceof BigInt64Array) data = new BigInt64Array(d);
  else if (d instanceof Int32Array) data = new Int32Array(d);
  else if (d instanceof Uint8Array) data = new Uint8Array(d);
  else throw new Error(`output of type ${t.type} is not supported`);
  return { dtype: t.type as GraphDtype, data, dims };
}

/**
 * A handler for the worker's incoming messages. `reply` posts back to the main thread (transferring the listed
 * buffers); `closed` runs once the session is released after a `close` request (the worker then ends itself).
 */
export function graphWorkerHandler<T>(runtime: GraphRuntime<T>, reply: (m: GraphReply, transfer?: ArrayBuffer[]) => void, closed: () => void): (m: GraphRequest) => Promise<void> {
  let session: GraphSession<T> | null = null;
  return async (message) => {
    if (message.kind === 'open') {
      try {
        session = await runtime.create(message.source, message.device, message.threads);
        reply({ kind: 'ready', inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) });
      } catch (err) {
        reply({ kind: 'error', id: -1, message: (err as Error).message });
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
      reply({ kind: 'error', id: message.id, message: 'the ONNX session is not open' });
      return;
    }
    try {
      const feeds: Record<string, T> = {};
      for (const [name, t] of Object.entries(message.feeds)) feeds[name] = runtime.tensor(t);
      const out = await s.run(feeds, [...message.outputs]);
      const outputs: Record<string, GraphTensor> = {};
      const transfer: ArrayBuffer[] = [];
      for (const name of message.outputs) {
        const copy = ownCopy(out[name]);
        outputs[name] = copy;
        transfer.push(copy.data.buffer as ArrayBuffer);
      }
      reply({ kind: 'result', id: message.id, outputs }, transfer);
    } catch (err) {
      reply({ kind: 'error', id: message.id, message: (err as Error).message });
    }
  };
}
