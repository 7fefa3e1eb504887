// Messages between a graph's main-thread end (graph-client.ts) and the worker that owns its onnxruntime session: a
// worker thread running onnxruntime-node (graph-worker.ts) or a Web Worker running onnxruntime-web (src/browser/).

/** Element types a graph's tensors are fed and read as (float16 travels as its bits, in a Uint16Array). */
export type GraphDtype = 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';

export type GraphData = Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;

export interface GraphTensor {
  readonly dtype: GraphDtype;
  readonly data: GraphData;
  readonly dims: readonly number[];
}

/** One input or output as the graph declares it: a dimension is a size, or a name for a symbolic size. */
export interface GraphValueInfo {
  readonly name: string;
  /** onnxruntime's element type name ('float32', 'float16', 'int64', …); '' for a non-tensor value. */
  readonly dtype: string;
  /** Empty when the graph does not declare a shape. */
  readonly shape: readonly (number | string)[];
}

export type GraphDevice = 'cpu' | 'cuda';

export type GraphRequest =
  /** `source`: the .onnx path (external data beside it is found), or the model's bytes. */
  | { readonly kind: 'open'; readonly source: string | Uint8Array; readonly device: GraphDevice; readonly threads: number }
  | { readonly kind: 'run'; readonly id: number; readonly feeds: Readonly<Record<string, GraphTensor>>; readonly outputs: readonly string[] }
  | { readonly kind: 'close' };

export type GraphReply =
  | { readonly kind: 'ready'; readonly inputs: readonly GraphValueInfo[]; readonly outputs: readonly GraphValueInfo[] }
  | { readonly kind: 'result'; readonly id: number; readonly outputs: Readonly<Record<string, GraphTensor>> }
  | { readonly kind: 'error'; readonly id: number; readonly message: string };
