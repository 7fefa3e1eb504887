// WebAssembly SIMD twins of the Predict-and-Perturb loops (kernels.wat), over Float32Arrays that live in one
// WebAssembly memory (a KernelArena). The sampler allocates its refinement buffers from an arena; a kernel runs
// only when every array it touches lives in the same arena, and callers otherwise run their JavaScript loop.
// Both give the same bits (the .wat does the JavaScript's float64 arithmetic and float32 roundings), so where
// WebAssembly is missing (or the memory cannot be had) nothing changes but the speed.
import { KERNELS_WASM } from './kernels-wasm.js';

/** The kernels' exports. Pointers are byte offsets into the arena's memory; counts and indices are elements. */
export interface WasmKernels {
  /** out = a·base + b·eps over n elements. */
  perturb(out: number, base: number, eps: number, n: number, a: number, b: number): void;
  /** usum[p] += |fround(xk − s·vk) − x0| (float32 sums) over channels c < C at positions [f, t) of P. */
  measure(usum: number, xk: number, vk: number, x0: number, s: number, C: number, P: number, f: number, t: number): void;
  /** x0 = xk − s·vk, next = xk + cv·vk over channels c < C at positions [f, t) of P. */
  fuseEuler(x0: number, next: number, xk: number, vk: number, s: number, cv: number, C: number, P: number, f: number, t: number): void;
  /** fuseEuler, then xk = a·x0 + s·eps from the fused x0, in one pass over channels c < C at positions [f, t) of P. */
  fuseEulerPerturb(x0: number, next: number, xk: number, vk: number, eps: number, s: number, cv: number, a: number, C: number, P: number, f: number, t: number): void;
  /** The ziggurat's bulk pass over draws [from, to); returns where it stopped (the reject lists hold `cap`). */
  ziggurat(st: number, tab: number, bits: number, out: number, base: number, from: number, to: number, a: number, b: number, fill: number, rejI: number, rejU: number, cap: number): number;
}

// The few WebAssembly globals used here (the project's TypeScript lib has no WebAssembly declarations).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}

const PAGE_BYTES = 65536;
// The start of every arena is the ziggurat kernel's workspace: generator state (4 × i32) and the count of
// listed draws, the layer table (512 entries of 16 bytes: the f64 width, then the i32 box limit), a chunk of
// random bits, and two reject lists (the kernel returns whenever fewer than a chunk of entries are left).
const ZIG_STATE = 0;
const ZIG_TAB = 32;
const ZIG_ENTRY = 16;
const ZIG_CHUNK = 1024;
const ZIG_CAP = 4 * ZIG_CHUNK;
const ZIG_BITS = ZIG_TAB + 512 * ZIG_ENTRY;
const ZIG_REJ_I = ZIG_BITS + ZIG_CHUNK * 4;
const ZIG_REJ_U = ZIG_REJ_I + ZIG_CAP * 4;
const SCRATCH_FLOATS = (ZIG_REJ_U + ZIG_CAP * 4) / 4;
/** Every array starts on a 16-byte boundary (whole SIMD vectors). */
const ALIGN_FLOATS = 4;

let compiled: object | null | undefined;

/** The compiled module, or null where this runtime has no WebAssembly (or no SIMD). */
function kernelModule(): object | null {
  if (compiled === undefined) {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      compiled = api === undefined ? null : new api.Module(KERNELS_WASM);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const arenas = new WeakMap<object, KernelArena>();
/** The last arena handed back, kept for the next create() of the same size. */
let idle: KernelArena | null = null;

/** A fixed-size WebAssembly memory handed out as Float32Arrays, with the kernels bound to it. */
export class KernelArena {
  private used = SCRATCH_FLOATS;
  private readonly scratch: Int32Array;
  private tables: Float64Array | null = null;
  private inUse = true;

  private constructor(
    private readonly memory: WasmMemory,
    readonly kernels: WasmKernels,
    private readonly capacity: number,
  ) {
    this.scratch = new Int32Array(memory.buffer, 0, SCRATCH_FLOATS);
  }

  /**
   * An arena for `floats` float32 values in all, counting each allocation rounded up to whole vectors;
   * null where WebAssembly is unavailable or the memory cannot be had (callers then use plain arrays).
   * The memory never grows: growing would detach the arrays already handed out. An arena handed back
   * with release() is reused, zeroed, when the same size is asked for next.
   */
  static create(floats: number): KernelArena | null {
    const module = kernelModule();
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (module === null || api === undefined) return null;
    const pages = Math.ceil(((SCRATCH_FLOATS + floats) * 4) / PAGE_BYTES);
    const reused = idle;
    if (reused !== null && reused.capacity === (pages * PAGE_BYTES) / 4) {
      idle = null;
      new Uint8Array(reused.memory.buffer, SCRATCH_FLOATS * 4, (reused.used - SCRATCH_FLOATS) * 4).fill(0);
      reused.used = SCRATCH_FLOATS;
      reused.inUse = true;
      return reused;
    }
    try {
      const memory = new api.Memory({ initial: pages, maximum: pages });
      const instance = new api.Instance(module, { env: { memory } });
      const arena = new KernelArena(memory, instance.exports as WasmKernels, (pages * PAGE_BYTES) / 4);
      arenas.set(memory.buffer, arena);
      return arena;
    } catch {
      return null;
    }
  }

  /**
   * Hands the arena back for the next create() of its size: a fresh memory costs a page fault per 4 KiB on first
   * touch (about a pass over it), zeroing a used one much less. Nothing it handed out may be used afterwards.
   * One arena is kept, so a process holds at most one idle arena's memory.
   */
  release(): void {
    if (!this.inUse) return;
    this.inUse = false;
    idle = this;
  }

  /** Floats an allocation of n takes, alignment included. */
  static footprint(n: number): number {
    return Math.ceil(n / ALIGN_FLOATS) * ALIGN_FLOATS;
  }

  /** A zeroed Float32Array of n values in this arena. */
  float32(n: number): Float32Array {
    const take = KernelArena.footprint(n);
    if (this.used + take > this.capacity) throw new RangeError(`kernel arena full: ${n} more floats asked, ${this.capacity - this.used} left`);
    const array = new Float32Array(this.memory.buffer, this.used * 4, n);
    this.used += take;
    return array;
  }

  /**
   * rng.ts's zigguratBulk in the kernel, with the same contract: out = a·base + b·(fast-path value) over
   * out.length draws from `state` (updated), draws outside their box appended to (rejects, rejectDraws) in
   * order; returns how many. `out` and `base` live in this arena; `ws`, `ks` are the layer tables.
   */
  zigguratBulk(state: Int32Array, ws: Float64Array, ks: Int32Array, out: Float32Array, base: Float32Array, a: number, b: number, rejects: Int32Array, rejectDraws: Int32Array): number {
    const scratch = this.scratch;
    if (this.tables !== ws) {
      const widths = new Float64Array(this.memory.buffer, ZIG_TAB, (ws.length * ZIG_ENTRY) / 8);
      for (let e = 0; e < ws.length; e++) {
        widths[(e * ZIG_ENTRY) / 8] = ws[e];
        scratch[(ZIG_TAB + e * ZIG_ENTRY + 8) / 4] = ks[e];
      }
      this.tables = ws;
    }
    scratch.set(state, ZIG_STATE / 4);
    const n = out.length;
    // a = +0, b = 1: a plain fill, which the kernel does in float32 (same bits).
    const fill = Object.is(a, 0) && b === 1 ? 1 : 0;
    let nr = 0;
    for (let i = 0; i < n; ) {
      i = this.kernels.ziggurat(ZIG_STATE, ZIG_TAB, ZIG_BITS, out.byteOffset, base.byteOffset, i, n, a, b, fill, ZIG_REJ_I, ZIG_REJ_U, ZIG_CAP);
      const listed = scratch[ZIG_STATE / 4 + 4];
      rejects.set(scratch.subarray(ZIG_REJ_I / 4, ZIG_REJ_I / 4 + listed), nr);
      rejectDraws.set(scratch.subarray(ZIG_REJ_U / 4, ZIG_REJ_U / 4 + listed), nr);
      nr += listed;
    }
    state.set(scratch.subarray(ZIG_STATE / 4, ZIG_STATE / 4 + 4));
    return nr;
  }
}

/** The arena holding all of `arrays`, or null when any of them is an ordinary array (or they are in different arenas). */
export function sharedArena(...arrays: readonly Float32Array[]): KernelArena | null {
  const buffer = arrays[0].buffer;
  for (const a of arrays) if (a.buffer !== buffer) return null;
  return arenas.get(buffer) ?? null;
}
