import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../../src/errors.js';
import { isModelFolder, loadFolderModel, readModelFolder } from '../../../src/models/folder/folder.js';
import { SwitchedExperts } from '../../../src/models/sigma-experts.js';
import { GraphDenoiser } from '../../../src/models/folder/denoiser.js';
import { scratchDir } from '../../helpers/scratch.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/', import.meta.url));
const geometry = { frames: 17, width: 64, height: 48, threads: 1 };

test('folder layout: optional parts found, physics card directories are not model folders', () => {
  const full = readModelFolder(join(FIXTURES, 'wan-tiny', 'full'));
  assert.ok(full.transformer.endsWith(join('transformer', 'model.onnx')));
  assert.ok(full.vaeDecoder !== undefined && full.vaeEncoder !== undefined && full.textEncoder !== undefined && full.tokenizer !== undefined);
  assert.equal(full.transformer2, undefined);
  assert.ok(readModelFolder(join(FIXTURES, 'wan-tiny', 'a14b')).transformer2?.endsWith(join('transformer_2', 'model.onnx')));
  assert.equal(isModelFolder(fileURLToPath(new URL('../../../../models/physics', import.meta.url))), false);
  assert.equal(isModelFolder(join(FIXTURES, 'wan-tiny', 't2v')), true);
});

test('selfrefine.json: a name map binds an unbindable graph, a boundary makes transformer_2 the low-noise expert, bad fields are one-line errors', async () => {
  const dir = scratchDir('folder-config');
  const named = join(dir, 'named');
  cpSync(join(FIXTURES, 'folder-unbindable'), named, { recursive: true });
  writeFileSync(join(named, 'selfrefine.json'), JSON.stringify({ inputs: { latent: 'noisy', text: 'prompt' } }));
  const model = await loadFolderModel(named, geometry);
  try {
    assert.ok(model.network instanceof GraphDenoiser);
    assert.equal(model.network.binding.latent.name, 'noisy');
  } finally {
    await model.dispose();
  }

  const pair = join(dir, 'pair');
  cpSync(join(FIXTURES, 'wan-tiny', 'a14b'), pair, { recursive: true });
  await assert.rejects(loadFolderModel(pair, geometry), (e: Error) => e instanceof UsageError && /transformer_2\/ is a low-noise expert, but nothing says where it takes over/.test(e.message));
  writeFileSync(join(pair, 'selfrefine.json'), JSON.stringify({ boundary: 900 }));
  const experts = await loadFolderModel(pair, geometry);
  try {
    assert.ok(experts.network instanceof SwitchedExperts);
    assert.equal(experts.boundary, 900);
    assert.equal(experts.network.expertAt(0.9), experts.network.high);
    assert.equal(experts.network.expertAt(0.8999), experts.network.low);
  } finally {
    await experts.dispose();
  }
  const presetPair = await loadFolderModel(pair, { ...geometry, preset: 'wan2.2-t2v-a14b' });
  try {
    assert.equal(presetPair.boundary, 900, 'selfrefine.json overrides the preset\'s 875');
  } finally {
    await presetPair.dispose();
  }

  writeFileSync(join(pair, 'selfrefine.json'), JSON.stringify({ boundry: 900 }));
  assert.throws(() => readModelFolder(pair), (e: Error) => e instanceof UsageError && !e.message.includes('\n') && /selfrefine\.json: field '\(top level\)': Unrecognized key/.test(e.message));
  writeFileSync(join(pair, 'selfrefine.json'), '{ not json');
  assert.throws(() => readModelFolder(pair), /selfrefine\.json: not valid JSON/);
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  assert.throws(() => readModelFolder(empty), /no transformer\/model\.onnx/);
});
