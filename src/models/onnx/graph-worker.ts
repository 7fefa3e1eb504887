// Worker thread that owns one onnxruntime-node session for an OnnxGraph: `run()` blocks for a whole forward pass, so it
// must not run on the main thread (progress bars, servers and queues stay alive). graph-serve.ts answers the messages.
import { parentPort } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { graphWorkerHandler } from './graph-serve.js';
import type { GraphRequest } from './graph-protocol.js';

if (parentPort === null) throw new Error('the ONNX graph worker must run in a worker thread');
const port = parentPort;

const handle = graphWorkerHandler<ort.Tensor>(
  {
    create: (source, device, threads) => {
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: [device],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        // Idle intra-op threads would otherwise spin after each run and take the cores from another graph's worker
        // (two experts, an autoguide network). Measured on 2 cores, alternating the shipped expert pair: 47–49 ms per
        // evaluation without spinning against 71–85 ms with it.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      };
      // Opened by path, onnxruntime finds external weights (model.onnx.data, *.onnx_data) beside the file.
      return typeof source === 'string' ? ort.InferenceSession.create(source, options) : ort.InferenceSession.create(source, options);
    },
    tensor: (t) => new ort.Tensor(t.dtype, t.data, [...t.dims]),
  },
  (m, transfer = []) => port.postMessage(m, transfer),
  () => port.close(),
);

port.on('message', (message: GraphRequest) => void handle(message));
