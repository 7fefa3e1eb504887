// Which onnxruntime-web build the page runs, and with how many threads: WebGPU where the browser offers an adapter,
// WASM otherwise (or when the page's URL says ?backend=wasm).
export type ExecutionProvider = 'wasm' | 'webgpu';

export function executionProviderFrom(text: string | null): ExecutionProvider {
  return text === 'webgpu' ? 'webgpu' : 'wasm';
}

interface GpuNavigator {
  readonly gpu?: { requestAdapter(): Promise<unknown> };
}

/** WebGPU when asked for (or by default) and the browser has an adapter; WASM otherwise. */
export async function pickExecutionProvider(requested: string | null): Promise<ExecutionProvider> {
  if (requested === 'wasm') return 'wasm';
  const gpu = (navigator as unknown as GpuNavigator).gpu;
  if (gpu === undefined) return 'wasm';
  try {
    return (await gpu.requestAdapter()) === null ? 'wasm' : 'webgpu';
  } catch {
    return 'wasm';
  }
}

/** WASM threads per session: up to 4 when the page is cross-origin isolated (the worker checks again), else 1. */
export function wasmThreads(): number {
  return globalThis.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
}
