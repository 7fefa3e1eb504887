import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { float32ToHalf } from '../../src/core/half.js';
import { parseSafetensors, readSafetensors } from '../../src/io/safetensors.js';
import { scratchDir } from '../helpers/scratch.js';

/** A .safetensors file: header JSON padded to 8 bytes, then the tensors' bytes in order. */
function safetensors(tensors: Record<string, { dtype: string; shape: number[]; bytes: Uint8Array }>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([head, Buffer.from(json), ...Object.values(tensors).map((t) => Buffer.from(t.bytes))]);
}

const values = Float32Array.from([0.5, -1.25, 3, 1024]);
const asBytes = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

test('safetensors: F32, F16 and BF16 tensors read as float32 with their shape', () => {
  const f32 = parseSafetensors(safetensors({ a: { dtype: 'F32', shape: [2, 2], bytes: asBytes(values) } }), 'f32');
  assert.deepEqual(f32.shape, [2, 2]);
  assert.deepEqual([...f32.data], [...values]);
  const f16 = parseSafetensors(safetensors({ a: { dtype: 'F16', shape: [4], bytes: asBytes(float32ToHalf(values)) } }), 'f16');
  assert.deepEqual([...f16.data], [...values], 'these values are exact halves');
  const bf = Uint16Array.from(new Uint32Array(values.buffer), (u) => u >>> 16);
  assert.deepEqual([...parseSafetensors(safetensors({ a: { dtype: 'BF16', shape: [1, 4], bytes: asBytes(bf) } }), 'bf16').data], [...values]);
});

test('safetensors: a named tensor among several; other dtypes and ambiguity are usage errors', () => {
  const dir = scratchDir('safetensors');
  const path = join(dir, 'two.safetensors');
  writeFileSync(path, safetensors({ first: { dtype: 'F32', shape: [1], bytes: asBytes(Float32Array.of(7)) }, second: { dtype: 'F32', shape: [2], bytes: asBytes(Float32Array.of(8, 9)) } }));
  assert.deepEqual([...readSafetensors(path, 'second').data], [8, 9]);
  assert.throws(() => readSafetensors(path), (e: Error) => e instanceof UsageError && /holds 2 tensors \(first, second\); name the one to read/.test(e.message));
  const ints = safetensors({ a: { dtype: 'I32', shape: [1], bytes: asBytes(Int32Array.of(1)) } });
  assert.throws(() => parseSafetensors(ints, 'ints'), (e: Error) => e instanceof UsageError && /is I32; only F32, F16 and BF16 are read/.test(e.message));
  const short = safetensors({ a: { dtype: 'F32', shape: [3], bytes: asBytes(Float32Array.of(1, 2)) } });
  assert.throws(() => parseSafetensors(short, 'short'), /does not fit its byte range/);
});
