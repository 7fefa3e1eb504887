// The browser's ONNX worker: a Web Worker that owns one onnxruntime-web session and speaks graph-protocol.ts, like
// Node's worker thread (graph-serve.ts answers in both). build-web.mjs bundles it twice: with onnxruntime-web's WASM
// build (onnx-worker-wasm.js) and with its WebGPU build (onnx-worker-webgpu.js, which also falls back to WASM);
// `onnxruntime-web` is aliased to one.
import * as ort from 'onnxruntime-web';
import type { GraphRequest } from '../models/onnx/graph-protocol.js';
import { graphWorkerHandler } from '../models/onnx/graph-serve.js';
import { executionProviderFrom } from './runtime.js';

const scope = self as unknown as {
  location: Location;
  crossOriginIsolated: boolean;
  onmessage: ((e: MessageEvent<GraphRequest>) => void) | null;
  postMessage(message: unknown, options?: { transfer?: Transferable[] }): void;
  close(): void;
};

// The page picks the provider by the worker's URL (each provider has its own bundle); the open request's device is
// Node's choice between CPU and CUDA and does not apply here.
const provider = executionProviderFrom(new URL(scope.location.href).searchParams.get('ep'));
// The ORT wasm files lie beside this script (web-dist/ort/): never fetched from another host.
ort.env.wasm.wasmPaths = new URL('./ort/', scope.location.href).href;

const handle = graphWorkerHandler<ort.Tensor>(
  {
    create: (source, _device, threads) => {
      // WASM threads need SharedArrayBuffer, which browsers give only to cross-origin isolated pages (COOP/COEP).
      ort.env.wasm.numThreads = scope.crossOriginIsolated ? threads : 1;
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: provider === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'],
        graphOptimizationLevel: 'all',
        // As in Node: idle intra-op threads would spin and take the cores from the next network's worker.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      };
      // A string is the model's URL here.
      return typeof source === 'string' ? ort.InferenceSession.create(source, options) : ort.InferenceSession.create(source, options);
    },
    tensor: (t) => new ort.Tensor(t.dtype, t.data, [...t.dims]),
  },
  (m, transfer = []) => scope.postMessage(m, { transfer }),
  () => scope.close(),
);

scope.onmessage = (e) => void handle(e.data);
