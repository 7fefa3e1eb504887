import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../../src/errors.js';
import { bindDenoiser } from '../../../src/models/onnx/binding.js';
import { OnnxGraph, type GraphValueInfo } from '../../../src/models/onnx/graph.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/', import.meta.url));

const tensor = (name: string, shape: (number | string)[], dtype = 'float32'): GraphValueInfo => ({ name, dtype, shape });

test('binding by aliases on the tiny exports: TensorStack and AkaneTendo25 names, float16 I/O, two experts', async () => {
  const cases: [string, Record<string, string>, string, boolean][] = [
    ['wan-tiny/t2v/transformer', { latent: 'hidden_states', timestep: 'timestep', text: 'encoder_hidden_states', output: 'out_sample' }, 'float32', false],
    ['wan-tiny/akane/transformer', { latent: 'latent_input', timestep: 'timestep', text: 'text_embeddings', output: 'noise_prediction' }, 'float32', false],
    ['wan-tiny/t2v-fp16/transformer', { latent: 'hidden_states', timestep: 'timestep', text: 'encoder_hidden_states', output: 'out_sample' }, 'float16', false],
    ['wan-tiny/a14b/transformer_2', { latent: 'hidden_states', timestep: 'timestep', text: 'encoder_hidden_states', output: 'out_sample' }, 'float32', false],
  ];
  for (const [dir, names, dtype, batched] of cases) {
    const graph = await OnnxGraph.open(`${FIXTURES}${dir}/model.onnx`, { threads: 1 });
    try {
      const b = bindDenoiser(graph.inputs, graph.outputs, dir);
      assert.deepEqual({ latent: b.latent.name, timestep: b.timestep.name, text: b.text.name, output: b.output.name }, names, dir);
      assert.equal(b.latent.dtype, dtype, `${dir} latent dtype`);
      assert.equal(b.output.dtype, dtype, `${dir} output dtype`);
      assert.equal(b.batched, batched, `${dir}: batch fixed at 1, so CFG runs as two calls`);
      assert.deepEqual(b.text.shape, [1, 512, 4096]);
    } finally {
      await graph.dispose();
    }
  }
});

test('an unbindable graph is one line listing its inputs and the aliases tried; a name map binds it', () => {
  const inputs = [tensor('noisy', [1, 16, 'F', 'H', 'W']), tensor('timestep', [1]), tensor('prompt', [1, 512, 4096])];
  const outputs = [tensor('y', [1, 16, 'F', 'H', 'W'])];
  assert.throws(
    () => bindDenoiser(inputs, outputs, 'g.onnx'),
    (e: Error) =>
      e instanceof UsageError &&
      !e.message.includes('\n') &&
      /g\.onnx: cannot bind the latent input; the graph's inputs are noisy float32 \[1, 16, F, H, W\], timestep float32 \[1\], prompt float32 \[1, 512, 4096\]; names tried: hidden_states, latent_input/.test(e.message),
  );
  const b = bindDenoiser(inputs, outputs, 'g.onnx', { latent: 'noisy', text: 'prompt' });
  assert.deepEqual([b.latent.name, b.timestep.name, b.text.name, b.output.name], ['noisy', 'timestep', 'prompt', 'y'], 'a single output needs no name');
  assert.throws(() => bindDenoiser(inputs, outputs, 'g.onnx', { latent: 'missing' }), /names tried: 'missing' \(selfrefine\.json names\)/);
});

test('binding: batched graphs, extra inputs, integer latents and two unnamed outputs', () => {
  const base = [tensor('sample', ['batch', 16, 'F', 'H', 'W']), tensor('t', ['batch'], 'int64'), tensor('context', ['batch', 512, 4096])];
  const out = [tensor('noise_pred', ['batch', 16, 'F', 'H', 'W'])];
  const b = bindDenoiser(base, out, 'g');
  assert.equal(b.batched, true, 'a symbolic batch takes both CFG branches in one run');
  assert.equal(b.timestep.dtype, 'int64');
  assert.throws(() => bindDenoiser([...base, tensor('attention_mask', [1, 512], 'int64')], out, 'g'), /inputs this runtime does not feed: attention_mask int64/);
  assert.throws(() => bindDenoiser([tensor('x', [1, 16, 1, 2, 2], 'int32'), ...base.slice(1)], out, 'g'), /latent 'x' is int32; this runtime feeds float32 or float16/);
  assert.throws(() => bindDenoiser(base, [tensor('a', [1]), tensor('b', [1])], 'g'), /cannot bind the output; the graph's outputs are a float32 \[1\], b float32 \[1\]/);
});
