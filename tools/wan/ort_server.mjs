// onnxruntime-node for tools/wan (tools/wan/ort.py: export checks, reference.py --network onnx): one JSON request per line on
// stdin, {model, dir, inputs: [{name, dtype, shape, file}]}, raw little-endian tensors in files; the outputs go to
// DIR/out_NAME.bin and one JSON line {inputs: [graph input names], outputs: [{name, dtype, shape}]} answers on stdout. Loaded models stay loaded.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const require = createRequire(join(process.cwd(), 'package.json'));
const ort = require('onnxruntime-node');
const ARRAYS = { float32: Float32Array, float16: Uint16Array, int64: BigInt64Array };
const sessions = new Map();
const tensors = new Map(); // file -> tensor, for inputs that repeat (the text embeddings)

function load(inp) {
  const key = `${inp.file}:${inp.dtype}`;
  if (inp.cache && tensors.has(key)) return tensors.get(key);
  const b = readFileSync(inp.file);
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  const t = new ort.Tensor(inp.dtype, new ARRAYS[inp.dtype](ab), inp.shape);
  if (inp.cache) tensors.set(key, t);
  return t;
}

for await (const line of createInterface({ input: process.stdin })) {
  const req = JSON.parse(line);
  if (!sessions.has(req.model)) sessions.set(req.model, await ort.InferenceSession.create(req.model, { intraOpNumThreads: 1 }));
  const session = sessions.get(req.model);
  const feeds = {};
  for (const inp of req.inputs) feeds[inp.name] = load(inp);
  const out = await session.run(feeds);
  const outputs = [];
  for (const name of session.outputNames) {
    const t = out[name];
    writeFileSync(join(req.dir, `out_${name}.bin`), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    outputs.push({ name, dtype: t.type, shape: t.dims });
  }
  process.stdout.write(JSON.stringify({ inputs: session.inputNames, outputs }) + '\n');
}
