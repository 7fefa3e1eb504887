import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, cpSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { loadModelFromFlags } from '../../src/cli/model-options.js';
import { AutoguidedModel } from '../../src/models/autoguided.js';
import { DEFAULT_MODEL_CARD, modelWeightsId } from '../../src/models/card-loader.js';

const shipped = JSON.parse(readFileSync(DEFAULT_MODEL_CARD, 'utf8')) as { autoguide?: { weight: number } };

test('--guide-weight replaces the card\'s autoguidance weight, 0 drops the guide (and the weights id says so), bad values are usage errors', async (t) => {
  if (shipped.autoguide === undefined) {
    t.skip('the shipped card names no autoguide network');
    return;
  }
  const plain = await loadModelFromFlags({ model: DEFAULT_MODEL_CARD, guideWeight: '0' }, 1);
  const stronger = await loadModelFromFlags({ model: DEFAULT_MODEL_CARD, guideWeight: '2.5' }, 1);
  try {
    assert.ok(!(plain.network instanceof AutoguidedModel));
    assert.equal(plain.card.autoguide, undefined);
    assert.ok(stronger.network instanceof AutoguidedModel);
    assert.equal((stronger.network as AutoguidedModel).settings.weight, 2.5);
    assert.equal(stronger.card.autoguide?.weight, 2.5);
    const ids = new Set([modelWeightsId(plain.card), modelWeightsId(stronger.card)]);
    assert.equal(ids.size, 2, 'bench caches tell the settings apart');
  } finally {
    await plain.dispose();
    await stronger.dispose();
  }
  await assert.rejects(loadModelFromFlags({ model: DEFAULT_MODEL_CARD, guideWeight: '-1' }), (e: Error) => e instanceof UsageError && /--guide-weight/.test(e.message));
  await assert.rejects(loadModelFromFlags({ model: DEFAULT_MODEL_CARD, guideWeight: 'strong' }), (e: Error) => e instanceof UsageError && /--guide-weight/.test(e.message));
});

test('--guide-weight on a model without an autoguide network is a usage error naming the card', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'guide-flag-'));
  try {
    cpSync(join(DEFAULT_MODEL_CARD, '..'), dir, { recursive: true });
    const { autoguide: _guide, ...card } = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'plain.json'), JSON.stringify(card));
    await assert.rejects(
      loadModelFromFlags({ model: join(dir, 'plain.json'), guideWeight: '1' }),
      (e: Error) => e instanceof UsageError && /plain\.json: the model has no autoguide network/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--model takes the physics card\'s directory as well as the card; a model folder is refused by commands that run the card', async () => {
  const dir = join(DEFAULT_MODEL_CARD, '..');
  const byDir = await loadModelFromFlags({ model: dir }, 1);
  try {
    assert.equal(byDir.card.name, (JSON.parse(readFileSync(DEFAULT_MODEL_CARD, 'utf8')) as { name: string }).name);
  } finally {
    await byDir.dispose();
  }
  const folder = mkdtempSync(join(tmpdir(), 'sr-folder-'));
  try {
    await assert.rejects(loadModelFromFlags({ model: folder }), (e: Error) => e instanceof UsageError && /model folders run with `selfrefine generate --model DIR`/.test(e.message));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
