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
});
