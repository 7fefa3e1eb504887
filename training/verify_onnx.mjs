// Check an exported model.onnx against PyTorch outputs and time it (called by training/export_onnx.py).
// usage: node training/verify_onnx.mjs MODEL.onnx CHECK_DIR   (CHECK_DIR/meta.json + raw little-endian .bin tensors)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(join(process.cwd(), 'package.json'));
const ort = require('onnxruntime-node');
const [model, dir] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
const load = (name, dtype) => {
  const b = readFileSync(join(dir, `${name}.bin`));
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  return dtype === 'int64' ? new BigInt64Array(ab) : new Float32Array(ab);
};
const session = await ort.InferenceSession.create(model, { intraOpNumThreads: meta.threads ?? 2 });
const feeds = {};
for (const inp of meta.inputs) feeds[inp.name] = new ort.Tensor(inp.dtype, load(inp.name, inp.dtype), inp.shape);
const out = await session.run(feeds);
const v = out.v.data;
const ref = load('v_torch', 'float32');
let maxDiff = 0;
let maxRef = 0;
for (let i = 0; i < v.length; i++) {
  maxDiff = Math.max(maxDiff, Math.abs(v[i] - ref[i]));
  maxRef = Math.max(maxRef, Math.abs(ref[i]));
}
// latency of a batch of 2 (cond + uncond), the runtime's per-NFE call
const feeds2 = {};
for (const inp of meta.inputs) {
  const per = inp.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = feeds[inp.name].data.slice(0, 2 * per);
  feeds2[inp.name] = new ort.Tensor(inp.dtype, data, [2, ...inp.shape.slice(1)]);
}
for (let i = 0; i < 3; i++) await session.run(feeds2);
const n = meta.timingRuns ?? 30;
const times = [];
for (let i = 0; i < n; i++) {
  const t = performance.now();
  await session.run(feeds2);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ maxAbsDiff: maxDiff, maxAbsRef: maxRef, outputShape: out.v.dims, batch2MedianMs: times[n >> 1], batch2MinMs: times[0], ortVersion: ort.env?.versions?.node ?? null }) + '\n');
