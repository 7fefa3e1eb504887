// Arrays for the kernel tests: an arena (the WebAssembly memory the kernels run on), copies into it, and normals.
import assert from 'node:assert/strict';
import { KernelArena } from '../../src/core/kernels.js';
import { NormalRng } from '../../src/core/rng.js';

export function arenaFor(floats: number): KernelArena {
  const arena = KernelArena.create(floats);
  assert.ok(arena !== null, 'WebAssembly SIMD is available on Node ≥ 20');
  return arena;
}

/** A copy of `a` in the arena. */
export function inArena(arena: KernelArena, a: Float32Array): Float32Array {
  const copy = arena.float32(a.length);
  copy.set(a);
  return copy;
}

/** `n` standard normals of `seed`, times `scale`. */
export function normals(n: number, seed: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  new NormalRng(seed).fill(a);
  if (scale !== 1) for (let i = 0; i < n; i++) a[i] *= scale;
  return a;
}
