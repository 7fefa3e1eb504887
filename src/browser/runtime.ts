// Which onnxruntime-web build the page runs, and with how many threads: WebGPU where the browser offers an adapter,
// WASM otherwise (or when the page's URL says ?backend=wasm).
export type ExecutionProvider = 'wasm' | 'webgpu';

export function executionProviderFrom(text: string | null): ExecutionProvider {
  return text === 'webgpu' ? 'webgpu' : 'wasm';
}

interface GpuAdapter {
  readonly info?: { readonly isFallbackAdapter?: boolean };
}

interface GpuNavigator {
  readonly gpu?: { requestAdapter(): Promise<GpuAdapter | null> };
}

/**
 * WebGPU when the browser has a hardware adapter (and the page's URL does not say ?backend=wasm); WASM otherwise.
 * A fallback adapter is a software rasteriser (headless chromium's SwiftShader, on which chromium 156 crashed the page
 * running these networks), so it counts as none;
 * ?backend=webgpu asks for it anyway.
 */
export async function pickExecutionProvider(requested: string | null): Promise<ExecutionProvider> {
  if (requested === 'wasm') return 'wasm';
  const gpu = (navigator as unknown as GpuNavigator).gpu;
  if (gpu === undefined) return 'wasm';
  try {
    const adapter = await gpu.requestAdapter();
    if (adapter === null) return 'wasm';
    return adapter.info?.isFallbackAdapter === true && requested !== 'webgpu' ? 'wasm' : 'webgpu';
  } catch {
    return 'wasm';
  }
}

/**
 * WASM threads per session when the page is cross-origin isolated (the worker checks again), else 1: half the cores,
 * at most 4, since the page's own thread and the other networks' workers share them (on 2 cores 2 threads per session
 * sampled slower than 1). The page's ?threads=N (1–16) overrides it.
 */
export function wasmThreads(requested: string | null): number {
  if (!globalThis.crossOriginIsolated) return 1;
  const asked = Number(requested);
  if (requested !== null && Number.isInteger(asked) && asked >= 1 && asked <= 16) return asked;
  return Math.max(1, Math.min(4, Math.floor((navigator.hardwareConcurrency || 1) / 2)));
}
