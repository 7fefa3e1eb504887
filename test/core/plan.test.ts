import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlan, parsePlan } from '../../src/core/plan.js';
import { UsageError } from '../../src/errors.js';

test('plans in fractions of the schedule: a·N ≤ step < b·N', () => {
  assert.equal(formatPlan(parsePlan('0.05-0.35:2', 40)), '2-13:2', 'the Wan2.2 window of 40 steps');
  assert.equal(formatPlan(parsePlan('0.05-0.15:3,0.15-0.35:1', 40)), '2-5:3,6-13:1', 'the wan2.2-t2v-a14b plan');
  assert.equal(formatPlan(parsePlan('0-0.3:2', 20)), '0-5:2');
  assert.equal(formatPlan(parsePlan('0.5:1', 10)), '5:1', 'a single fraction is one step');
  assert.equal(formatPlan(parsePlan('1-4:2,0.5-1:1', 10)), '1-4:2,5-9:1', 'steps and fractions mix');
  assert.throws(() => parsePlan('0.05-0.35:2'), (e: Error) => e instanceof UsageError && /fractions of the schedule, which need the number of steps/.test(e.message));
  assert.throws(() => parsePlan('0.4-0.2:2', 10), /0 ≤ FIRST ≤ LAST ≤ 1/);
  assert.throws(() => parsePlan('0-0.5:1,0.4-0.6:1', 10), /names step 4 twice/);
  // Ranges that share a boundary never share a step, even on a grid too short to give each a step.
  assert.equal(formatPlan(parsePlan('0.04-0.16:3,0.16-0.36:1', 2)), '');
  assert.equal(formatPlan(parsePlan('0.04-0.16:3,0.16-0.36:1', 8)), '1:3,2:1');
});

test('per-expert plans count within each expert\'s share of the grid', () => {
  // 40 steps, the high-noise expert on the first 26 (wan2.2-t2v-a14b: shift 12, boundary 875).
  assert.equal(formatPlan(parsePlan('high:2-5:3,6-13:1', 40, 26)), '2-5:3,6-13:1');
  assert.equal(formatPlan(parsePlan('high:0.1-0.2:2;low:0-1:1', 40, 26)), '3-5:2,26-27:1', '2.6 ≤ step < 5.2 of the high-noise expert');
  assert.equal(formatPlan(parsePlan('low:0-0.5:1', 40, 26)), '26-32:1', 'half of the low-noise expert\'s 14 steps');
  assert.equal(formatPlan(parsePlan('0-1:2;low:0:1', 40, 26)), '0-1:2,26:1', 'whole-grid and per-expert parts mix');
  assert.throws(() => parsePlan('high:1-3:2', 40), (e: Error) => e instanceof UsageError && /is per expert, which needs a two-expert schedule/.test(e.message));
  assert.throws(() => parsePlan('high:20-30:1', 40, 26), /names step 30 of the high-noise expert, which has steps 0\.\.25 of 40/);
  assert.throws(() => parsePlan('2-5:1;high:4:1', 40, 26), /names step 4 twice/);
});
