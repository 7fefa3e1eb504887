import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guidedVelocity } from '../../src/core/guidance.js';
import type { VelocityModel, VelocityRequest } from '../../src/core/model.js';
import type { LatentShape } from '../../src/core/tensor.js';
import { ModelOutputError } from '../../src/errors.js';

/** A model returning constant fields: cond → `c`, uncond → `u`; records the calls. */
function constantModel(c: number[], u: number[], calls: { batch: number; timestep: number }[] = [], nan = false): VelocityModel {
  const shape: LatentShape = [1, 1, 1, c.length];
  return {
    shape,
    timestep: (sigma) => Math.trunc(sigma * 1000),
    async velocity(requests: readonly VelocityRequest[], sigma: number, out: readonly Float32Array[]) {
      calls.push({ batch: requests.length, timestep: Math.trunc(sigma * 1000) });
      requests.forEach((r, i) => out[i].set(nan ? c.map(() => NaN) : r.condition.label === null ? u : c));
    },
  };
}

const info = { step: 3, sigma: 0.5 };
const x = new Float32Array(2);

test('Wan-form CFG: v = u + g(c − u), cond and uncond in one batched call', async () => {
  const calls: { batch: number; timestep: number }[] = [];
  const g = guidedVelocity({ model: constantModel([1, 2], [0.5, -1], calls), condition: { label: 'a' }, scale: 3 });
  const out = new Float32Array(2);
  assert.equal(await g.evaluate(x, info, out), 1, 'one guided evaluation is one NFE');
  assert.deepEqual([...out], [0.5 + 3 * 0.5, -1 + 3 * 3]);
  assert.deepEqual(calls, [{ batch: 2, timestep: 500 }]);
});

test('Cosmos-form CFG: v = c + g(c − u)', async () => {
  const g = guidedVelocity({ model: constantModel([1, 2], [0.5, -1]), condition: { label: 'a' }, scale: 4, form: 'cosmos' });
  const out = new Float32Array(2);
  await g.evaluate(x, info, out);
  assert.deepEqual([...out], [1 + 4 * 0.5, 2 + 4 * 3]);
});

test('scale 1 (Wan) runs the conditional branch only', async () => {
  const calls: { batch: number; timestep: number }[] = [];
  const g = guidedVelocity({ model: constantModel([1, 2], [0.5, -1], calls), condition: { label: 'a' }, scale: 1 });
  const out = new Float32Array(2);
  await g.evaluate(x, info, out);
  assert.deepEqual([...out], [1, 2]);
  assert.equal(calls[0].batch, 1);
});

test('CFG-Zero*: optimised scale and zero-init steps', async () => {
  const c = [1, 2];
  const u = [2, 1];
  const g = guidedVelocity({ model: constantModel(c, u), condition: { label: 'a' }, scale: 5, zeroStar: { zeroInitSteps: 2 } });
  const out = new Float32Array(2);
  assert.equal(await g.evaluate(x, { ...info, step: 1 }, out), 0, 'zero-init steps spend no evaluation');
  assert.deepEqual([...out], [0, 0]);
  await g.evaluate(x, { ...info, step: 2 }, out);
  const s = (1 * 2 + 2 * 1) / (4 + 1 + 1e-8);
  const expect = u.map((uj, j) => s * uj + 5 * (c[j] - s * uj));
  out.forEach((v, j) => assert.ok(Math.abs(v - expect[j]) < 1e-5, `${v} vs ${expect[j]}`));
});

test('a CFG schedule: the main scale while the model\'s timestep ≥ boundary, the low scale below', async () => {
  const calls: { batch: number; timestep: number }[] = [];
  const g = guidedVelocity({ model: constantModel([1, 1], [0, 0], calls), condition: { label: 'a' }, scale: 4, schedule: { lowScale: 3, boundary: 875 } });
  const out = new Float32Array(2);
  await g.evaluate(x, { step: 0, sigma: 0.8759 }, out);
  assert.deepEqual([...out], [4, 4], 'int(875.9) = 875 is at the boundary');
  await g.evaluate(x, { step: 9, sigma: 0.8749 }, out);
  assert.deepEqual([...out], [3, 3]);
  assert.deepEqual(calls, [
    { batch: 2, timestep: 875 },
    { batch: 2, timestep: 874 },
  ]);
});

test('a model that returns NaN is reported with the step and σ', async () => {
  const g = guidedVelocity({ model: constantModel([1, 1], [0, 0], [], true), condition: { label: 'a' }, scale: 2 });
  await assert.rejects(g.evaluate(x, info, new Float32Array(2)), (e: Error) => e instanceof ModelOutputError && /non-finite velocity.*step 3/.test(e.message));
});
