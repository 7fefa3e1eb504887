// Worker thread that owns the onnxruntime session: `run()` blocks for the whole forward pass, so it
// must not run on the main thread (progress bars, servers and queues stay alive).
import { parentPort } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { WorkerReply, WorkerRequest } from './protocol.js';

if (parentPort === null) throw new Error('onnx worker must run in a worker thread');
const port = parentPort;
let session: ort.InferenceSession | null = null;
let latentShape: number[] = [];

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

port.on('message', async (message: WorkerRequest) => {
  if (message.kind === 'init') {
    try {
      session = await ort.InferenceSession.create(message.model, {
        intraOpNumThreads: message.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        // Idle intra-op threads would otherwise spin after each run and take the cores from the next network's worker
        // (the high-noise expert, the autoguide network). Measured on 2 cores, alternating the expert pair: 47–49 ms per
        // evaluation without spinning against 71–85 ms with it; one network called repeatedly: 43–51 against 34–45 ms.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
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
      port.close();
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
      x: new ort.Tensor('float32', message.x, [b, c, f, h, w]),
      sigma: new ort.Tensor('float32', message.sigma, [b]),
      scenario: new ort.Tensor('int64', message.scenario, [b]),
      given: new ort.Tensor('float32', message.given, [b, c, f, h, w]),
      given_mask: new ort.Tensor('float32', message.givenMask, [b, 1, f, h, w]),
    };
    const out = await s.run(feeds, ['v']);
    const v = out.v.data as Float32Array;
    const copy = new Float32Array(v);
    reply({ kind: 'result', id: message.id, v: copy }, [copy.buffer as ArrayBuffer]);
  } catch (err) {
    reply({ kind: 'error', id: message.id, message: (err as Error).message });
  }
});
