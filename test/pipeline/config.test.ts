import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGrid, findPreset, PRESETS } from '../../src/pipeline/config.js';
import { runSampler } from '../../src/pipeline/run.js';
import { parsePlan, planExtraNfe, windowPlan, formatPlan, checkPlan } from '../../src/core/plan.js';
import { NormalRng } from '../../src/core/rng.js';
import { UsageError } from '../../src/errors.js';
import { mixtureModel, noiseLatent } from '../helpers/mixture.js';

test('every preset builds a grid its plan fits', () => {
  for (const p of PRESETS) {
    const grid = buildGrid(p.config.steps, p.config.grid);
    const steps = grid.sigmas.length - 1;
    if (p.config.refine.mode !== 'none') checkPlan(parsePlan(p.config.refine.plan), steps);
  }
  assert.equal(buildGrid(35, findPreset('cosmos-predict2.5-2b').config.grid).sigmas.length - 1, 36, '35 Karras steps + final denoise');
  assert.throws(() => findPreset('wan9'), /unknown preset 'wan9'; available: wan2.1-t2v-14b/);
});

test('preset plans cost what SPEC §3 says: Wan2.2 T2V 60 NFE, I2V 63 NFE', () => {
  const t2v = findPreset('wan2.2-t2v-a14b').config;
  const i2v = findPreset('wan2.2-i2v-a14b').config;
  assert.ok(t2v.refine.mode === 'pnp' && i2v.refine.mode === 'pnp');
  assert.equal(40 + planExtraNfe(parsePlan(t2v.refine.plan)), 60);
  assert.equal(40 + planExtraNfe(parsePlan(i2v.refine.plan)), 63);
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
