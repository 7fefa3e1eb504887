// Run an ONNX file with onnxruntime-node on tensors written by tools/wan/export.py, and write its outputs back, so
// the exporter can compare onnxruntime with PyTorch.
// usage: node tools/wan/run_onnx.mjs MODEL.onnx DIR   (DIR/meta.json: {inputs: [{name, dtype, shape}]}; DIR/NAME.bin
// raw little-endian tensors; writes DIR/out_NAME.bin for every output and DIR/outputs.json with their dtypes and shapes)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(join(process.cwd(), 'package.json'));
const ort = require('onnxruntime-node');
const [model, dir] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
const ARRAYS = { float32: Float32Array, float16: Uint16Array, int64: BigInt64Array };
const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2 });
const feeds = {};
for (const inp of meta.inputs) {
  const b = readFileSync(join(dir, `${inp.name}.bin`));
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  feeds[inp.name] = new ort.Tensor(inp.dtype, new ARRAYS[inp.dtype](ab), inp.shape);
}
const out = await session.run(feeds);
const described = [];
for (const name of session.outputNames) {
  const t = out[name];
  const data = t.data;
  writeFileSync(join(dir, `out_${name}.bin`), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  described.push({ name, dtype: t.type, shape: t.dims });
}
writeFileSync(join(dir, 'outputs.json'), JSON.stringify({ inputs: session.inputNames, outputs: described }));
