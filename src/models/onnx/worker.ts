// Worker thread that owns the onnxruntime-node session: `run()` blocks for the whole forward pass, so it
// must not run on the main thread (progress bars, servers and queues stay alive).
import { parentPort } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { onnxWorkerHandler } from './serve.js';
import type { WorkerRequest } from './protocol.js';

if (parentPort === null) throw new Error('onnx worker must run in a worker thread');
const port = parentPort;

const handle = onnxWorkerHandler<ort.Tensor>(
  {
    create: (model, threads) =>
      ort.InferenceSession.create(model, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        // Idle intra-op threads would otherwise spin after each run and take the cores from the next network's worker
        // (the high-noise expert, the autoguide network). Measured on 2 cores, alternating the expert pair: 47–49 ms per
        // evaluation without spinning against 71–85 ms with it; one network called repeatedly: 43–51 against 34–45 ms.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      }),
    tensor: (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]) => new ort.Tensor(type, data, dims),
  },
  (m, transfer = []) => port.postMessage(m, transfer),
  () => port.close(),
);

port.on('message', (message: WorkerRequest) => void handle(message));
