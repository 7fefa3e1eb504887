import { test } from 'node:test';
import assert from 'node:assert/strict';
import { samplerConfigFromFlags } from '../../src/cli/sampler-options.js';
import { describeGuidance, findPreset, PHYSICS_DEFAULTS, type SamplerConfig } from '../../src/pipeline/config.js';
import { UsageError } from '../../src/errors.js';
import { formatPlan } from '../../src/core/plan.js';
import { plannedNfe, resolvePlan } from '../../src/pipeline/run.js';

const constant: SamplerConfig = { ...PHYSICS_DEFAULTS, guidance: { form: 'wan', scale: 3 } };

test('--cfg-low and --cfg-boundary make a scale that changes at a timestep; --cfg alone makes it constant again', () => {
  const scheduled = samplerConfigFromFlags({ cfg: '6', cfgLow: '3', cfgBoundary: '600' }, constant);
  assert.deepEqual(scheduled.guidance, { form: 'wan', scale: 6, cfgSchedule: { lowScale: 3, boundary: 600 } });
  assert.equal(describeGuidance(scheduled.guidance), 'CFG 6 from timestep 600, 3 below');

  // from a base that already switches (a Wan2.2 preset): --cfg sets both scales, --cfg-low only the low one
  const wan22 = findPreset('wan2.2-t2v-a14b').config;
  assert.deepEqual(samplerConfigFromFlags({ cfg: '5' }, wan22).guidance.cfgSchedule, { lowScale: 5, boundary: 875 });
  assert.equal(describeGuidance(samplerConfigFromFlags({ cfg: '5' }, wan22).guidance), 'CFG 5');
  assert.deepEqual(samplerConfigFromFlags({ cfgLow: '2' }, wan22).guidance, { form: 'wan', scale: 4, cfgSchedule: { lowScale: 2, boundary: 875 } });
  assert.deepEqual(samplerConfigFromFlags({ cfgBoundary: '900' }, wan22).guidance.cfgSchedule, { lowScale: 3, boundary: 900 });
});

test('--cfg-low without a boundary to apply it at, or with a bad value, is a usage error', () => {
  assert.throws(() => samplerConfigFromFlags({ cfgLow: '3' }, constant), (e: Error) => e instanceof UsageError && /--cfg-low needs --cfg-boundary/.test(e.message));
  assert.throws(() => samplerConfigFromFlags({ cfgLow: 'x', cfgBoundary: '600' }, constant), /--cfg-low must be a number, got 'x'/);
  assert.throws(() => samplerConfigFromFlags({ cfgLow: '3', cfgBoundary: '-1' }, constant), /--cfg-boundary must be a positive timestep/);
});

test('a per-expert plan resolves against the preset\'s schedule split; without a boundary it is a usage error', () => {
  const config = samplerConfigFromFlags({ preset: 'wan2.2-t2v-a14b', plan: 'high:0.05-0.15:3;low:0-1:1' });
  assert.equal(formatPlan(resolvePlan(config)), '2-3:3,26-27:1', 'shift 12, 40 steps: 26 steps at timestep ≥ 875; 0.05·26 ≤ i < 0.15·26');
  assert.equal(plannedNfe(config), 40 + 6 + 2);
  assert.throws(() => samplerConfigFromFlags({ preset: 'wan2.1-t2v-14b', plan: 'high:1-2:1' }), /needs a two-expert schedule/);
});
