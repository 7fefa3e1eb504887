// The folder's tokenizer and text encoder on the tiny Wan fixture (test/fixtures/wan-tiny/full): truncation to 512
// tokens, the encoder's rows for the real tokens, and the on-disk cache of the states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../../src/errors.js';
import { OnnxGraph, type GraphTensor } from '../../../src/models/onnx/graph.js';
import { PromptEncoder } from '../../../src/models/text/encoder.js';
import { cleanPrompt, TextTokenizer, WAN_TEXT_LENGTH } from '../../../src/models/text/tokenizer.js';
import { padTextStates } from '../../../src/models/folder/text-states.js';
import { scratchDir } from '../../helpers/scratch.js';

const FULL = fileURLToPath(new URL('../../../../test/fixtures/wan-tiny/full', import.meta.url));
const TOKENIZER = join(FULL, 'tokenizer');
const PROMPT = 'a red ball rolls over the table';

test('prompts are cleaned as Wan cleans them: whitespace runs become one space, ends trimmed', () => {
  assert.equal(cleanPrompt('  a\tred \n\n ball  '), 'a red ball');
});

test('the fixture tokenizer loads with @huggingface/tokenizers, ends a prompt with </s> and decodes back to it', () => {
  const tok = TextTokenizer.load(TOKENIZER);
  const ids = tok.encode(PROMPT);
  const eos = tok.encode('')[0];
  assert.ok(ids.length >= 3, `${ids.length} tokens`);
  assert.equal(ids[ids.length - 1], eos);
  assert.equal(tok.encode(`  ${PROMPT.replace(/ /g, '  \n')} `).join(), ids.join());
  assert.equal(tok.decode(ids).trim(), PROMPT);
  assert.notEqual(tok.padId, eos);
});

test('a prompt longer than 512 tokens is cut to 512, keeping its closing </s>', () => {
  const tok = TextTokenizer.load(TOKENIZER);
  const short = tok.encode(PROMPT);
  const long = tok.encode(new Array(200).fill(PROMPT).join(' '));
  assert.equal(long.length, WAN_TEXT_LENGTH);
  assert.equal(long[long.length - 1], short[short.length - 1]);
  assert.deepEqual(long.slice(0, short.length - 1), short.slice(0, -1));
  assert.equal(tok.encode(PROMPT, 4).length, 4);
});

test('the encoder gives the real tokens’ rows, as the pipelines’ masked 512-token run does, zero-padded to 512', async () => {
  const cacheDir = scratchDir('text-cache');
  const encoderPath = join(FULL, 'text_encoder', 'model.onnx');
  const encoder = await PromptEncoder.create({ textEncoder: encoderPath, tokenizer: TOKENIZER }, { cacheDir, threads: 1 });
  const tok = TextTokenizer.load(TOKENIZER);
  const ids = tok.encode(PROMPT);
  let states;
  try {
    states = await encoder.encode(PROMPT);
  } finally {
    await encoder.dispose();
  }
  assert.equal(states.cached, false);
  assert.deepEqual(states.shape, [ids.length, 4096]);
  const padded = padTextStates(states.data, states.shape, WAN_TEXT_LENGTH, 4096, 'test');
  for (let i = ids.length * 4096; i < padded.length; i++) if (padded[i] !== 0) assert.fail(`row ${Math.floor(i / 4096)} is not zero`);

  // The pipelines run 512 tokens (pad ids) with an attention mask, so the pads do not reach the prompt's rows. A graph
  // with a mask input must give those rows from the padded run too; a graph without one (TensorStack's umT5 export,
  // the fixture) would let the pads in, so the prompt's rows come from the run on the real tokens alone.
  const graph = await OnnxGraph.open(encoderPath, { threads: 1 });
  const run = async (tokens: readonly number[], mask: boolean): Promise<Float32Array> => {
    const feeds: Record<string, GraphTensor> = { input_ids: { dtype: 'int64', data: BigInt64Array.from(tokens, BigInt), dims: [1, tokens.length] } };
    if (mask) feeds.attention_mask = { dtype: 'int64', data: BigInt64Array.from(tokens, (_, i) => BigInt(i < ids.length ? 1 : 0)), dims: [1, tokens.length] };
    const name = graph.outputs[0].name;
    return (await graph.run(feeds, [name]))[name].data as Float32Array;
  };
  try {
    const hasMask = graph.inputs.some((v) => v.name === 'attention_mask');
    const full = [...ids, ...new Array<number>(WAN_TEXT_LENGTH - ids.length).fill(tok.padId)];
    const ref = hasMask ? await run(full, true) : await run(ids, false);
    let maxErr = 0;
    let scale = 0;
    for (let i = 0; i < ids.length * 4096; i++) {
      maxErr = Math.max(maxErr, Math.abs(padded[i] - ref[i]));
      scale = Math.max(scale, Math.abs(ref[i]));
    }
    assert.ok(scale > 0.01, 'the encoder output is not degenerate');
    assert.ok(maxErr <= 1e-5 * scale, `max difference ${maxErr} (scale ${scale})`);
    if (!hasMask) {
      const unmasked = await run(full, false);
      let diff = 0;
      for (let i = 0; i < ids.length * 4096; i++) diff = Math.max(diff, Math.abs(unmasked[i] - ref[i]));
      assert.ok(diff > 1e-3 * scale, 'without a mask, pads change the prompt rows (so they are not fed)');
    }
  } finally {
    await graph.dispose();
  }
});

test('the states cache: a prompt seen before is read back without loading the encoder; a changed encoder misses', async () => {
  const dir = scratchDir('text-cache-hit');
  const folder = join(dir, 'full');
  cpSync(join(FULL, 'text_encoder'), join(folder, 'text_encoder'), { recursive: true });
  cpSync(TOKENIZER, join(folder, 'tokenizer'), { recursive: true });
  const files = { textEncoder: join(folder, 'text_encoder', 'model.onnx'), tokenizer: join(folder, 'tokenizer') };
  const cacheDir = join(dir, 'cache');
  // A whole-second mtime, so that it can be set again exactly.
  const mtime = new Date(2000, 0, 1);
  utimesSync(files.textEncoder, mtime, mtime);
  const first = await PromptEncoder.create(files, { cacheDir, threads: 1 });
  const a = await first.encode(PROMPT);
  await first.dispose();
  assert.equal(a.cached, false);
  assert.equal(statSync(join(cacheDir, 'text-states', `${first.key(PROMPT)}.npy`)).isFile(), true);

  // The same bytes count, the same mtime: the memoised digest says "same encoder", so a load would fail loudly.
  const onnx = readFileSync(files.textEncoder);
  writeFileSync(files.textEncoder, Buffer.alloc(onnx.length));
  utimesSync(files.textEncoder, mtime, mtime);
  const second = await PromptEncoder.create(files, { cacheDir, threads: 1 });
  const b = await second.encode(PROMPT);
  await second.dispose();
  assert.equal(b.cached, true);
  assert.deepEqual(b.shape, a.shape);
  assert.deepEqual(b.data, a.data);

  // Another encoder file (new content, new mtime): another key, the graph is loaded, and this one is no ONNX model.
  writeFileSync(files.textEncoder, Buffer.concat([onnx.subarray(0, 10), Buffer.from('broken')]));
  utimesSync(files.textEncoder, new Date(2001, 0, 1), new Date(2001, 0, 1));
  const third = await PromptEncoder.create(files, { cacheDir, threads: 1 });
  assert.notEqual(third.key(PROMPT), second.key(PROMPT));
  await assert.rejects(third.encode(PROMPT), (e: Error) => e instanceof UsageError && /cannot load/.test(e.message));
  await third.dispose();
});
