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
  /** The ziggurat's bulk pass over draws [from, to); returns where it stopped (the reject lists hold `cap`). */
  ziggurat(st: number, ws: number, ks: number, bits: number, out: number, base: number, from: number, to: number, a: number, b: number, rejI: number, rejU: number, cap: number): number;
  /** The listed draws finished in order from the continuing stream: out[i] = a·base[i] + b·fround(normal). */
  finish(st: number, ws: number, ks: number, fn: number, r: number, out: number, base: number, a: number, b: number, rejI: number, rejU: number, count: number): void;
}

/** The ziggurat's layer tables (rng.ts), as its kernels read them. */
export interface ZigguratTables {
  /** 512 layer widths indexed by a draw's low 9 bits (layer, then sign), the sign folded in. */
  readonly ws: Float64Array;
  /** 512 box limits, the same index. */
  readonly ks: Int32Array;
  /** 256 layer densities. */
  readonly fn: Float64Array;
  /** The base strip's right edge. */
  readonly r: number;
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
// The start of every arena is the ziggurat kernels' workspace: generator state (4 × i32) and the count of
// listed draws, the layer tables (512 × f64 widths, 512 × i32 box limits, 256 × f64 densities), a chunk of
// random bits, and two reject lists (the bulk kernel returns whenever fewer than a chunk of entries are left).
const ZIG_STATE = 0;
const ZIG_WS = 32;
const ZIG_KS = ZIG_WS + 512 * 8;
const ZIG_FN = ZIG_KS + 512 * 4;
const ZIG_CHUNK = 1024;
const ZIG_CAP = 4 * ZIG_CHUNK;
const ZIG_BITS = ZIG_FN + 256 * 8;
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

/** A fixed-size WebAssembly memory handed out as Float32Arrays, with the kernels bound to it. */
export class KernelArena {
  private used = SCRATCH_FLOATS;
  private readonly scratch: Int32Array;
  private tables: ZigguratTables | null = null;

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
   * The memory never grows: growing would detach the arrays already handed out.
   */
  static create(floats: number): KernelArena | null {
    const module = kernelModule();
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (module === null || api === undefined) return null;
    const pages = Math.ceil(((SCRATCH_FLOATS + floats) * 4) / PAGE_BYTES);
    try {
      const memory = new api.Memory({ initial: pages, maximum: pages });
      const instance = new api.Instance(module, { env: { memory, exp: Math.exp, log: Math.log } });
      const arena = new KernelArena(memory, instance.exports as WasmKernels, (pages * PAGE_BYTES) / 4);
      arenas.set(memory.buffer, arena);
      return arena;
    } catch {
      return null;
    }
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
   * NormalRng.fillAffine in the kernels: out = a·base + b·ε over out.length draws from `state` (updated). The
   * bulk pass lists the draws outside their box in (rejects, rejectDraws), which must hold out.length entries;
   * they are finished after the whole bulk, in order, from the continuing stream, as the JavaScript does.
   * `out` and `base` live in this arena.
   */
  ziggurat(state: Int32Array, tables: ZigguratTables, out: Float32Array, base: Float32Array, a: number, b: number, rejects: Int32Array, rejectDraws: Int32Array): void {
    const scratch = this.scratch;
    if (this.tables !== tables) {
      new Float64Array(this.memory.buffer, ZIG_WS, tables.ws.length).set(tables.ws);
      scratch.set(tables.ks, ZIG_KS / 4);
      new Float64Array(this.memory.buffer, ZIG_FN, tables.fn.length).set(tables.fn);
      this.tables = tables;
    }
    scratch.set(state, ZIG_STATE / 4);
    const n = out.length;
    let nr = 0;
    for (let i = 0; i < n; ) {
      i = this.kernels.ziggurat(ZIG_STATE, ZIG_WS, ZIG_KS, ZIG_BITS, out.byteOffset, base.byteOffset, i, n, a, b, ZIG_REJ_I, ZIG_REJ_U, ZIG_CAP);
      const listed = scratch[ZIG_STATE / 4 + 4];
      rejects.set(scratch.subarray(ZIG_REJ_I / 4, ZIG_REJ_I / 4 + listed), nr);
      rejectDraws.set(scratch.subarray(ZIG_REJ_U / 4, ZIG_REJ_U / 4 + listed), nr);
      nr += listed;
    }
    for (let from = 0; from < nr; from += ZIG_CAP) {
      const count = Math.min(ZIG_CAP, nr - from);
      scratch.set(rejects.subarray(from, from + count), ZIG_REJ_I / 4);
      scratch.set(rejectDraws.subarray(from, from + count), ZIG_REJ_U / 4);
      this.kernels.finish(ZIG_STATE, ZIG_WS, ZIG_KS, ZIG_FN, tables.r, out.byteOffset, base.byteOffset, a, b, ZIG_REJ_I, ZIG_REJ_U, count);
    }
    state.set(scratch.subarray(ZIG_STATE / 4, ZIG_STATE / 4 + 4));
  }
}

/** The arena holding all of `arrays`, or null when any of them is an ordinary array (or they are in different arenas). */
export function sharedArena(...arrays: readonly Float32Array[]): KernelArena | null {
  const buffer = arrays[0].buffer;
  for (const a of arrays) if (a.buffer !== buffer) return null;
  return arenas.get(buffer) ?? null;
}
