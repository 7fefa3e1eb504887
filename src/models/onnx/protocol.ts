// Messages between the main thread and the ONNX worker.
export interface RunRequest {
  readonly kind: 'run';
  readonly id: number;
  readonly batch: number;
  readonly x: Float32Array;
  readonly sigma: Float32Array;
  readonly scenario: BigInt64Array;
  readonly given: Float32Array;
  readonly givenMask: Float32Array;
}

export interface InitRequest {
  readonly kind: 'init';
  readonly model: Uint8Array;
  readonly threads: number;
  readonly latentShape: readonly number[];
}

export type WorkerRequest = RunRequest | InitRequest | { readonly kind: 'close' };

export type WorkerReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'result'; readonly id: number; readonly v: Float32Array }
  | { readonly kind: 'error'; readonly id: number; readonly message: string };
