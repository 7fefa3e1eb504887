// NumPy .npy (format 1.0/2.0/3.0) read and write, C order only.
// Supported dtypes: float32, float16 (read as float32), float64, uint8, int32, int64 (read as numbers).
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { UsageError } from '../errors.js';
import { float32ToHalf, halfToFloat32 } from '../core/half.js';

export type NpyDtype = 'float32' | 'float16' | 'float64' | 'uint8' | 'int32';

export interface NpyArray {
  readonly shape: readonly number[];
  /** dtype as stored in the file (float16 data are widened to float32 on read). */
  readonly dtype: NpyDtype;
  readonly data: Float32Array | Float64Array | Uint8Array | Int32Array;
}

/** A .npy file that cannot be used: unreadable, malformed, wrong dtype or shape. */
export class NpyError extends UsageError {}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

const DESCR_TO_DTYPE: Record<string, NpyDtype> = {
  '<f4': 'float32',
  '<f2': 'float16',
  '<f8': 'float64',
  '|u1': 'uint8',
  '<u1': 'uint8',
  '|i1': 'uint8',
  '<i4': 'int32',
};

const DTYPE_TO_DESCR: Record<NpyDtype, string> = {
  float32: '<f4',
  float16: '<f2',
  float64: '<f8',
  uint8: '|u1',
  int32: '<i4',
};

const DTYPE_BYTES: Record<NpyDtype, number> = { float32: 4, float16: 2, float64: 8, uint8: 1, int32: 4 };

function parseHeader(header: string, source: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyError(`${source}: malformed .npy header: ${header.trim()}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new NpyError(`${source}: bad dimension '${s}' in .npy shape`);
      return n;
    });
  return { descr, fortran: fortran === 'True', shape };
}

/** Parse .npy bytes. `source` names the file in error messages. */
export function parseNpy(bytes: Uint8Array, source = '<npy>'): NpyArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) {
    throw new NpyError(`${source}: not a .npy file (missing \\x93NUMPY magic)`);
  }
  const major = buf[6];
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    headerLen = buf.readUInt32LE(8);
    offset = 12;
  } else {
    throw new NpyError(`${source}: unsupported .npy format version ${major}`);
  }
  const header = buf.subarray(offset, offset + headerLen).toString('latin1');
  const { descr, fortran, shape } = parseHeader(header, source);
  if (fortran) throw new NpyError(`${source}: Fortran-order arrays are not supported; save with np.ascontiguousarray`);
  const dtype = DESCR_TO_DTYPE[descr];
  if (dtype === undefined) {
    throw new NpyError(`${source}: unsupported dtype '${descr}' (supported: float32, float16, float64, uint8, int32)`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = offset + headerLen;
  const need = count * DTYPE_BYTES[dtype];
  if (buf.length - dataStart < need) {
    throw new NpyError(`${source}: truncated: shape [${shape.join(', ')}] needs ${need} bytes of data, file has ${buf.length - dataStart}`);
  }
  const raw = buf.subarray(dataStart, dataStart + need);
  // Copy into an aligned buffer: the data offset is not guaranteed to be aligned for typed arrays.
  const aligned = new Uint8Array(need);
  aligned.set(raw);
  let data: NpyArray['data'];
  switch (dtype) {
    case 'float32':
      data = new Float32Array(aligned.buffer, 0, count);
      break;
    case 'float64':
      data = new Float64Array(aligned.buffer, 0, count);
      break;
    case 'int32':
      data = new Int32Array(aligned.buffer, 0, count);
      break;
    case 'uint8':
      data = aligned;
      break;
    case 'float16': {
      const halves = new Uint16Array(aligned.buffer, 0, count);
      data = halfToFloat32(halves);
      break;
    }
  }
  return { shape, dtype, data };
}

export function readNpy(path: string): NpyArray {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new NpyError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseNpy(bytes, path);
}

/**
 * Read a .npy holding float data (float32, float16 or float64) as Float32Array,
 * checking the shape against `expectShape` when given (-1 matches any size).
 */
export function readNpyFloat32(path: string, expectShape?: readonly number[]): { shape: number[]; data: Float32Array } {
  const arr = readNpy(path);
  if (arr.dtype !== 'float32' && arr.dtype !== 'float16' && arr.dtype !== 'float64') {
    throw new NpyError(`${path}: dtype ${arr.dtype} where float32 or float16 was expected`);
  }
  if (expectShape !== undefined) {
    const ok = arr.shape.length === expectShape.length && expectShape.every((d, i) => d === -1 || d === arr.shape[i]);
    if (!ok) {
      const want = expectShape.map((d) => (d === -1 ? 'N' : String(d))).join(', ');
      throw new NpyError(`${path}: shape [${arr.shape.join(', ')}] where [${want}] was expected`);
    }
  }
  const data = arr.data instanceof Float32Array ? arr.data : Float32Array.from(arr.data);
  return { shape: [...arr.shape], data };
}

/**
 * The .npy v1.0 header for a C-order array of `shape` and `dtype`, padded so the data starts on a 64-byte boundary;
 * the data follows it directly (writers that render straight into a file buffer put this first).
 */
export function npyHeader(shape: readonly number[], dtype: NpyDtype): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${DTYPE_TO_DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const preamble = 10;
  const total = preamble + header.length + 1;
  header = header + ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(preamble + header.length);
  MAGIC.copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  head.write(header, preamble, 'latin1');
  return head;
}

export function encodeNpy(
  data: Float32Array | Float64Array | Uint8Array | Int32Array,
  shape: readonly number[],
  dtype?: NpyDtype,
): Buffer {
  const kind: NpyDtype =
    dtype ?? (data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : data instanceof Uint8Array ? 'uint8' : 'int32');
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new NpyError(`shape [${shape.join(', ')}] holds ${count} values but the data has ${data.length}`);
  }
  const head = npyHeader(shape, kind);
  let body: Buffer;
  if (kind === 'float16') {
    const halves = float32ToHalf(data instanceof Float32Array ? data : Float32Array.from(data));
    body = Buffer.from(halves.buffer, halves.byteOffset, halves.byteLength);
  } else if (kind === 'float32' && !(data instanceof Float32Array)) {
    body = Buffer.from(Float32Array.from(data).buffer);
  } else {
    body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  return Buffer.concat([head, body]);
}

/** Write a .npy atomically (temporary file, then rename). */
export function writeNpy(
  path: string,
  data: Float32Array | Float64Array | Uint8Array | Int32Array,
  shape: readonly number[],
  dtype?: NpyDtype,
): void {
  writeFileAtomic(path, encodeNpy(data, shape, dtype));
}
