// Worker thread that owns one onnxruntime session for an OnnxGraph: `run()` blocks for a whole forward pass, so it
// must not run on the main thread (progress bars, servers and queues stay alive).
import { parentPort } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { GraphData, GraphDtype, GraphReply, GraphRequest, GraphTensor, GraphValueInfo } from './graph-protocol.js';

if (parentPort === null) throw new Error('the ONNX graph worker must run in a worker thread');
const port = parentPort;
let session: ort.InferenceSession | null = null;

function reply(message: GraphReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): GraphValueInfo[] {
  return meta.map((m) => (m.isTensor ? { name: m.name, dtype: m.type, shape: [...m.shape] } : { name: m.name, dtype: '', shape: [] }));
}

/** A copy of an output in a buffer of its own (onnxruntime may reuse its memory), float16 as its bits. */
function ownCopy(t: ort.Tensor): GraphTensor {
  const dims = [...t.dims];
  const d = t.data;
  let data: GraphData;
  if (t.type === 'float16') {
    // onnxruntime hands float16 out as Uint16Array, or as Float16Array where the platform has one: same bytes.
    const view = d as unknown as { buffer: ArrayBufferLike; byteOffset: number; length: number };
    data = new Uint16Array(new Uint16Array(view.buffer, view.byteOffset, view.length));
  } else if (d instanceof Float32Array) data = new Float32Array(d);
  else if (d instanceof BigInt64Array) data = new BigInt64Array(d);
  else if (d instanceof Int32Array) data = new Int32Array(d);
  else if (d instanceof Uint8Array) data = new Uint8Array(d);
  else throw new Error(`output of type ${t.type} is not supported`);
  return { dtype: t.type as GraphDtype, data, dims };
}

port.on('message', async (message: GraphRequest) => {
  if (message.kind === 'open') {
    try {
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: [message.device],
        intraOpNumThreads: message.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        // Idle intra-op threads would otherwise spin after each run and take the cores from another graph's worker
        // (two experts, an autoguide network). Measured on 2 cores, alternating the shipped expert pair: 47–49 ms per
        // evaluation without spinning against 71–85 ms with it.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      };
      // Opened by path, onnxruntime finds external weights (model.onnx.data, *.onnx_data) beside the file.
      const source = message.source;
      session = typeof source === 'string' ? await ort.InferenceSession.create(source, options) : await ort.InferenceSession.create(source, options);
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
      port.close();
    }
    return;
  }
  const s = session;
  if (s === null) {
    reply({ kind: 'error', id: message.id, message: 'the ONNX session is not open' });
    return;
  }
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(message.feeds)) feeds[name] = new ort.Tensor(t.dtype, t.data, [...t.dims]);
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
});
