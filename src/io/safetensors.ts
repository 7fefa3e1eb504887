// Reading one tensor from a .safetensors file: an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw little-endian data. float32, float16 and bfloat16 are read
// as float32; other element types are refused.
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { bfloat16ToFloat32, halfToFloat32 } from '../core/half.js';

export interface FloatTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

interface HeaderEntry {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data_offsets: readonly [number, number];
}

const BYTES: Readonly<Record<string, number>> = { F32: 4, F16: 2, BF16: 2 };

function isEntry(v: unknown): v is HeaderEntry {
  const e = v as Partial<HeaderEntry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.dtype === 'string' &&
    Array.isArray(e.shape) &&
    e.shape.every((d) => Number.isInteger(d) && d >= 0) &&
    Array.isArray(e.data_offsets) &&
    e.data_offsets.length === 2 &&
    e.data_offsets.every((d) => Number.isInteger(d) && d >= 0)
  );
}

/** Parse .safetensors bytes and return one tensor: `name`, or the only one the file holds. */
export function parseSafetensors(bytes: Uint8Array, source: string, name?: string): FloatTensor {
  if (bytes.length < 8) throw new UsageError(`${source}: too short for a .safetensors file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) throw new UsageError(`${source}: .safetensors header length ${headerLength} exceeds the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${source}: the .safetensors header is not JSON (${(err as Error).message})`);
  }
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const chosen = name ?? (names.length === 1 ? names[0] : undefined);
  if (chosen === undefined || !names.includes(chosen)) {
    throw new UsageError(`${source}: ${name === undefined ? `holds ${names.length} tensors` : `has no tensor '${name}'`} (${names.join(', ') || 'none'}); name the one to read`);
  }
  const entry = header[chosen];
  if (!isEntry(entry)) throw new UsageError(`${source}: malformed header entry for '${chosen}'`);
  const width = BYTES[entry.dtype];
  if (width === undefined) throw new UsageError(`${source}: tensor '${chosen}' is ${entry.dtype}; only F32, F16 and BF16 are read`);
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const [begin, end] = entry.data_offsets;
  const start = 8 + headerLength + begin;
  if (end - begin !== count * width || 8 + headerLength + end > bytes.length) {
    throw new UsageError(`${source}: tensor '${chosen}' [${entry.shape.join(', ')}] ${entry.dtype} does not fit its byte range ${begin}..${end}`);
  }
  // Copy into an aligned buffer: the data section need not be aligned to the element size.
  const raw = new Uint8Array(count * width);
  raw.set(bytes.subarray(start, start + count * width));
  const data =
    entry.dtype === 'F32'
      ? new Float32Array(raw.buffer, 0, count)
      : entry.dtype === 'F16'
        ? halfToFloat32(new Uint16Array(raw.buffer, 0, count))
        : bfloat16ToFloat32(new Uint16Array(raw.buffer, 0, count));
  return { shape: [...entry.shape], data };
}

export function readSafetensors(path: string, name?: string): FloatTensor {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseSafetensors(bytes, path, name);
}
