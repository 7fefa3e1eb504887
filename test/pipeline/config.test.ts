import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGrid, findPreset, PRESETS } from '../../src/pipeline/config.js';
import { resolvePlan, runSampler } from '../../src/pipeline/run.js';
import { parsePlan, planExtraNfe, windowPlan, formatPlan, checkPlan } from '../../src/core/plan.js';
import { NormalRng } from '../../src/core/rng.js';
import { UsageError } from '../../src/errors.js';
import { mixtureModel, noiseLatent } from '../helpers/mixture.js';

test('every preset builds a grid its plan fits', () => {
  for (const p of PRESETS) {
    const grid = buildGrid(p.config.steps, p.config.grid);
    const steps = grid.sigmas.length - 1;
    if (p.config.refine.mode !== 'none') checkPlan(resolvePlan(p.config), steps);
    // Written as fractions of the schedule, a preset's plan still fits a shorter run.
    const short = { ...p.config, steps: 8 };
    checkPlan(resolvePlan(short), buildGrid(8, short.grid).sigmas.length - 1);
  }
  assert.equal(buildGrid(35, findPreset('cosmos-predict2.5-2b').config.grid).sigmas.length - 1, 36, '35 Karras steps + final denoise');
  assert.throws(() => findPreset('wan9'), /unknown preset 'wan9'; available: wan2.1-t2v-14b/);
});

test('preset plans name the official steps at their own step counts: Wan2.2 T2V 60 NFE, I2V 63 NFE', () => {
  const official: Record<string, string> = {
    'wan2.1-t2v-14b': '2-7:3,8-17:1',
    'wan2.1-t2v-1.3b': '2-7:3,8-17:1',
    'wan2.2-t2v-a14b': '2-5:3,6-13:1',
    'wan2.2-i2v-a14b': '1-5:3,6-13:1',
    'cosmos-predict2.5-2b': '3-8:2,9-15:1',
  };
  for (const p of PRESETS) assert.equal(formatPlan(resolvePlan(p.config)), official[p.name], p.name);
  const t2v = findPreset('wan2.2-t2v-a14b').config;
  const i2v = findPreset('wan2.2-i2v-a14b').config;
  assert.equal(40 + planExtraNfe(resolvePlan(t2v)), 60);
  assert.equal(40 + planExtraNfe(resolvePlan(i2v)), 63);
});

test('the Wan2.2 T2V preset runs end to end on a mixture with two-expert guidance: 60 NFE without early exit', async () => {
  const model = mixtureModel([4, 2, 4, 4], 3, 1);
  const config = findPreset('wan2.2-t2v-a14b').config;
  assert.ok(config.refine.mode === 'pnp');
  const r = await runSampler({ ...config, refine: { ...config.refine, earlyExit: false } }, {
    model,
    condition: { label: 'a' },
    initialNoise: noiseLatent(128, 1),
    noise: new NormalRng(2),
  });
  assert.equal(r.nfe, 60);
});

test('plans: parsing, shorthand, formatting and errors', () => {
  const p = parsePlan('2-5:3, 6-13:1');
  assert.equal(p.get(2), 3);
  assert.equal(p.get(13), 1);
  assert.equal(p.has(14), false);
  assert.equal(formatPlan(p), '2-5:3,6-13:1');
  assert.equal(formatPlan(windowPlan(40, 0.2, 2)), '0-7:2');
  assert.equal(parsePlan('').size, 0);
  assert.throws(() => parsePlan('2-5'), (e: Error) => e instanceof UsageError && /malformed refinement plan item '2-5'/.test(e.message));
  assert.throws(() => parsePlan('5-2:1'), /runs backwards/);
  assert.throws(() => parsePlan('1:-2'), /K must be ≥ 0/);
  assert.throws(() => parsePlan('1:2,1:3'), /names step 1 twice/);
  assert.throws(() => checkPlan(parsePlan('50:1'), 40), /grid has steps 0\.\.39/);
  assert.throws(() => windowPlan(40, 1.5, 2), /fraction in \[0, 1\]/);
  assert.throws(() => windowPlan(40, 0.2, -1), /K must be an integer ≥ 0/);
});
