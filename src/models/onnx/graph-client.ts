// The main-thread end of one ONNX graph whose session lives in a worker (graph-serve.ts answers there): open it, read
// what it declares (names, element types, shapes), run it on named tensors. Platform-neutral: the worker comes
// through a WorkerLink (a worker thread in Node, graph.ts; a Web Worker in the browser, src/browser/), so matching
// replies to requests and failing cleanly when the worker dies are written once.
import { CancelledError, ToolError, UsageError } from '../../errors.js';
import type { GraphDevice, GraphReply, GraphRequest, GraphTensor, GraphValueInfo } from './graph-protocol.js';

/** An ONNX graph ready to run, wherever its session lives. */
export interface Graph {
  /** What names the graph in messages: its .onnx path, or the name of the bytes it was opened from. */
  readonly path: string;
  readonly inputs: readonly GraphValueInfo[];
  readonly outputs: readonly GraphValueInfo[];
  /**
   * Run the graph. The feeds' buffers may be transferred to the worker (unusable afterwards): pass buffers made for
   * this call. Returns the named outputs, each in a buffer of its own.
   */
  run(feeds: Readonly<Record<string, GraphTensor>>, outputNames: readonly string[]): Promise<Record<string, GraphTensor>>;
  /** Release the session and end its worker; a second call does nothing. */
  dispose(): Promise<void>;
}

export interface LinkHandlers {
  readonly reply: (m: GraphReply) => void;
  readonly error: (err: Error) => void;
  /** Fires once if the worker ends; `detail` says how. */
  readonly exited: (detail: string) => void;
}

/** The main-thread end of one graph worker. */
export interface WorkerLink {
  post(message: GraphRequest, transfer?: ArrayBuffer[]): void;
  /** Install the handlers (replacing earlier ones). */
  listen(handlers: LinkHandlers): void;
  /** After a `close` request: wait for the worker to release its session and end, terminating it as a fallback. */
  shutdown(): Promise<void>;
  /** End the worker at once. */
  terminate(): Promise<void>;
}

/** What a graph worker opens: the model's path or bytes, on a device, with intra-op threads. */
export interface GraphSource {
  readonly source: string | Uint8Array;
  readonly device: GraphDevice;
  readonly threads: number;
}

export interface GraphMetadata {
  readonly inputs: readonly GraphValueInfo[];
  readonly outputs: readonly GraphValueInfo[];
}

/**
 * Ask the worker behind a fresh `link` to open the graph and wait for what it declares. A model the runtime refuses
 * (not ONNX, an operator it lacks) is a UsageError naming `path`, a worker that dies a ToolError; the link is
 * terminated when opening fails.
 */
export async function openOverLink(link: WorkerLink, open: GraphSource, path: string): Promise<GraphMetadata> {
  const ready = new Promise<GraphMetadata>((resolve, reject) => {
    link.listen({
      reply: (m) => {
        if (m.kind === 'ready') resolve(m);
        else if (m.kind === 'error') reject(new UsageError(`cannot load ${path}: ${m.message.split('\n')[0]}`));
      },
      error: reject,
      exited: (detail) => reject(new ToolError(`the ONNX worker exited while loading ${path} (${detail})`)),
    });
  });
  const request: GraphRequest = { kind: 'open', source: open.source, device: open.device, threads: open.threads };
  // Bytes are copied, not transferred: the caller (a card's checked bytes) may still hold them.
  link.post(request);
  try {
    return await ready;
  } catch (err) {
    await link.terminate();
    throw err;
  }
}

export class GraphClient implements Graph {
  readonly inputs: readonly GraphValueInfo[];
  readonly outputs: readonly GraphValueInfo[];
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: Record<string, GraphTensor>) => void; reject: (e: Error) => void }>();
  private closed = false;
  /** Why the worker is gone, once it has exited without being asked to. */
  private failure: Error | undefined;

  /** `link` must have finished openOverLink, which gave `meta`. */
  constructor(
    readonly path: string,
    meta: GraphMetadata,
    private readonly link: WorkerLink,
  ) {
    this.inputs = meta.inputs;
    this.outputs = meta.outputs;
    link.listen({
      reply: (m) => this.onReply(m),
      error: (err) => this.failAll(err),
      exited: (detail) => {
        if (this.closed) return;
        this.failure = new ToolError(`the ONNX worker exited unexpectedly (${detail}) running ${path}; load the model again`);
        this.failAll(this.failure);
      },
    });
  }

  async run(feeds: Readonly<Record<string, GraphTensor>>, outputNames: readonly string[]): Promise<Record<string, GraphTensor>> {
    if (this.closed) throw new CancelledError(`the ONNX graph ${this.path} was disposed`);
    if (this.failure !== undefined) throw this.failure;
    const id = this.nextId++;
    const result = new Promise<Record<string, GraphTensor>>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const buffers = new Set<ArrayBuffer>();
    for (const t of Object.values(feeds)) buffers.add(t.data.buffer as ArrayBuffer);
    const message: GraphRequest = { kind: 'run', id, feeds, outputs: [...outputNames] };
    this.link.post(message, [...buffers]);
    return result;
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.link.post({ kind: 'close' });
    await this.link.shutdown();
  }

  private onReply(m: GraphReply): void {
    if (m.kind === 'ready') return;
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (m.kind === 'result') p.resolve(m.outputs);
    else p.reject(new ToolError(`ONNX inference failed in ${this.path}: ${m.message}`));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** A graph's declared inputs as "name dtype [dims]" items, for error messages. */
export function describeValues(values: readonly GraphValueInfo[]): string {
  return values.map((v) => `${v.name} ${v.dtype || 'non-tensor'} [${v.shape.join(', ')}]`).join(', ');
}
