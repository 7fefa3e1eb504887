// The browser's ONNX worker: a Web Worker that owns one onnxruntime-web session and speaks protocol.ts, like the
// Node worker thread. build-web.mjs bundles it twice: with onnxruntime-web's WASM build (onnx-worker-wasm.js) and
// with its WebGPU build (onnx-worker-webgpu.js, which also falls back to WASM); `onnxruntime-web` is aliased to one.
import * as ort from 'onnxruntime-web';
import type { WorkerRequest } from '../models/onnx/protocol.js';
import { onnxWorkerHandler } from '../models/onnx/serve.js';
import { executionProviderFrom } from './runtime.js';

const scope = self as unknown as {
  location: Location;
  crossOriginIsolated: boolean;
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: unknown, options?: { transfer?: Transferable[] }): void;
  close(): void;
};

const provider = executionProviderFrom(new URL(scope.location.href).searchParams.get('ep'));
// The ORT wasm files lie beside this script (web-dist/ort/): never fetched from another host.
ort.env.wasm.wasmPaths = new URL('./ort/', scope.location.href).href;

const handle = onnxWorkerHandler<ort.Tensor>(
  {
    create: (model, threads) => {
      // WASM threads need SharedArrayBuffer, which browsers give only to cross-origin isolated pages (COOP/COEP).
      ort.env.wasm.numThreads = scope.crossOriginIsolated ? threads : 1;
      return ort.InferenceSession.create(model, {
        executionProviders: provider === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'],
        graphOptimizationLevel: 'all',
        // As in Node: idle intra-op threads would spin and take the cores from the next network's worker.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
    },
    tensor: (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]) => new ort.Tensor(type, data, dims),
  },
  (m, transfer = []) => scope.postMessage(m, { transfer }),
  () => scope.close(),
);

scope.onmessage = (e) => void handle(e.data);
