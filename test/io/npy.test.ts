import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, npyHeader, parseNpy, readNpy, readNpyFloat32, writeNpy, NpyError } from '../../src/io/npy.js';
import { float32ToFloat16, float16ToFloat32 } from '../../src/core/half.js';

test('float32 round trip keeps shape and bits', () => {
  const data = Float32Array.from([1.5, -2.25, 3e-8, 65504, Math.PI, -0, 7, 8]);
  const back = parseNpy(encodeNpy(data, [2, 4]));
  assert.deepEqual(back.shape, [2, 4]);
  assert.equal(back.dtype, 'float32');
  assert.deepEqual(back.data, data);
});

test('float16 round trip rounds to nearest even and reads back as float32', () => {
  const data = Float32Array.from([1, -2, 0.1, 65504, 1e-7, 0.333251953125, 1 + 2 ** -11]);
  const back = parseNpy(encodeNpy(data, [7], 'float16'));
  assert.equal(back.dtype, 'float16');
  const got = [...back.data];
  assert.equal(got[0], 1);
  assert.equal(got[1], -2);
  assert.ok(Math.abs(got[2] - 0.1) < 1e-4);
  assert.equal(got[3], 65504);
  assert.equal(got[5], 0.333251953125, 'exactly representable values survive');
  assert.equal(got[6], 1, 'a tie rounds to even');
  assert.equal(float16ToFloat32(float32ToFloat16(Infinity)), Infinity);
  assert.ok(Number.isNaN(float16ToFloat32(float32ToFloat16(NaN))));
});

test('uint8 and a header written by numpy (version 1.0, trailing comma shape) parse', () => {
  const header = "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }";
  const pad = 64 - ((10 + header.length + 1) % 64);
  const h = header + ' '.repeat(pad) + '\n';
  const buf = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]), Buffer.from([h.length & 255, h.length >> 8]), Buffer.from(h, 'latin1'), Buffer.from([7, 8, 9])]);
  const arr = parseNpy(buf);
  assert.deepEqual(arr.shape, [3]);
  assert.deepEqual([...arr.data], [7, 8, 9]);
});

test('bad files get errors that name the problem', () => {
  assert.throws(() => parseNpy(Buffer.from('hello world, not numpy')), /not a \.npy file/);
  const f64 = encodeNpy(new Float64Array(4), [4]);
  assert.equal(parseNpy(f64).dtype, 'float64');
  const truncated = encodeNpy(new Float32Array(16), [4, 4]).subarray(0, 100);
  assert.throws(() => parseNpy(truncated), /truncated/);
  const fortran = Buffer.from(encodeNpy(new Float32Array(4), [2, 2]).toString('latin1').replace("'fortran_order': False", "'fortran_order': True "), 'latin1');
  assert.throws(() => parseNpy(fortran), /Fortran-order/);
  const dir = mkdtempSync(join(tmpdir(), 'sr-npy-'));
  try {
    assert.throws(() => readNpy(join(dir, 'missing.npy')), (e: Error) => e instanceof NpyError && /ENOENT/.test(e.message));
    writeFileSync(join(dir, 'c.npy'), encodeNpy(new Float32Array(6), [2, 3]));
    assert.throws(() => readNpyFloat32(join(dir, 'c.npy'), [3, 2]), /shape \[2, 3\] where \[3, 2\] was expected/);
    assert.deepEqual(readNpyFloat32(join(dir, 'c.npy'), [-1, 3]).shape, [2, 3]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeNpy is atomic: no temporary file is left behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-npy-'));
  try {
    writeNpy(join(dir, 'x.npy'), new Float32Array([1, 2]), [2]);
    assert.deepEqual(readdirSync(dir), ['x.npy']);
    assert.throws(() => writeNpy(join(dir, 'y.npy'), new Float32Array([1, 2]), [3]), /holds 3 values but the data has 2/);
    assert.deepEqual(readdirSync(dir), ['x.npy']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npyHeader is the header encodeNpy writes: data written straight after it reads back', () => {
  const shape = [2, 3, 5];
  const data = Uint8Array.from({ length: 30 }, (_, i) => (i * 7) % 256);
  const header = npyHeader(shape, 'uint8');
  assert.equal(header.length % 64, 0, 'data starts on a 64-byte boundary');
  const file = new Uint8Array(header.length + data.length);
  file.set(header, 0);
  file.set(data, header.length);
  assert.deepEqual(Buffer.from(file), encodeNpy(data, shape));
  const back = parseNpy(file);
  assert.deepEqual([back.shape, [...back.data]], [shape, [...data]]);
  assert.match(npyHeader([4], 'float32').toString('latin1'), /'descr': '<f4', 'fortran_order': False, 'shape': \(4,\), }/);
});
