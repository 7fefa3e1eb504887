import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { DEFAULT_MODEL_CARD, loadCardNetwork } from '../../src/models/card-loader.js';
import { NormalRng } from '../../src/core/rng.js';
import { CancelledError, ToolError, UsageError } from '../../src/errors.js';
import { UNCONDITIONAL, type VelocityRequest } from '../../src/core/model.js';

const SIGMA = 0.7;

function noise(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  new NormalRng(seed).fill(x);
  return x;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('ONNX backend: cond and uncond batched into one run equal two separate runs; conditioning changes the velocity', async () => {
  const model = await loadCardNetwork(DEFAULT_MODEL_CARD, { threads: 1 });
  try {
    const n = model.shape.reduce((a, b) => a * b, 1);
    const x = noise(n, 11);
    const cond: VelocityRequest = { x, condition: { label: 'two-collide' } };
    const uncond: VelocityRequest = { x, condition: UNCONDITIONAL };
    const batched = [new Float32Array(n), new Float32Array(n)];
    await model.velocity([cond, uncond], SIGMA, batched);
    const alone = [new Float32Array(n), new Float32Array(n)];
    await model.velocity([cond], SIGMA, [alone[0]]);
    await model.velocity([uncond], SIGMA, [alone[1]]);
    assert.ok(batched.every((v) => v.every(Number.isFinite)), 'finite velocities');
    assert.ok(maxAbsDiff(batched[0], alone[0]) < 1e-4, `cond: batched vs alone ${maxAbsDiff(batched[0], alone[0])}`);
    assert.ok(maxAbsDiff(batched[1], alone[1]) < 1e-4, `uncond: batched vs alone ${maxAbsDiff(batched[1], alone[1])}`);
    assert.ok(maxAbsDiff(batched[0], batched[1]) > 1e-2, 'the scenario conditions the velocity');

    // Given first frames (image-to-video) change the velocity too.
    const given = new Float32Array(n);
    await model.velocity([{ x, condition: { label: 'two-collide', given: { latent: noise(n, 12), frames: 1 } } }], SIGMA, [given]);
    assert.ok(maxAbsDiff(given, batched[0]) > 1e-2, 'given frames condition the velocity');

    await assert.rejects(model.velocity([{ x: new Float32Array(5), condition: UNCONDITIONAL }], SIGMA, [new Float32Array(5)]), (e: Error) => e instanceof UsageError && /latent has 5 values; the model needs/.test(e.message));
    await assert.rejects(model.velocity([{ x, condition: { label: 'moon-landing' } }], SIGMA, [new Float32Array(n)]), (e: Error) => e instanceof UsageError && /unknown scenario 'moon-landing'; the model knows: .*two-collide/.test(e.message));
  } finally {
    await model.dispose();
  }
  const x = new Float32Array(model.shape.reduce((a, b) => a * b, 1));
  await assert.rejects(model.velocity([{ x, condition: UNCONDITIONAL }], SIGMA, [new Float32Array(x.length)]), (e: Error) => e instanceof CancelledError && /the ONNX model was disposed/.test(e.message));
  await model.dispose(); // a second dispose is a no-op
});

test('ONNX backend: a worker that dies fails the next call with a clear error instead of hanging, and dispose() still returns', async () => {
  const model = await loadCardNetwork(DEFAULT_MODEL_CARD, { threads: 1 });
  const n = model.shape.reduce((a, b) => a * b, 1);
  // Simulate a crash of the native session: the worker is private, so reach it the way a crash would.
  await (model.graph as unknown as { worker: Worker }).worker.terminate();
  await assert.rejects(model.velocity([{ x: noise(n, 3), condition: UNCONDITIONAL }], SIGMA, [new Float32Array(n)]), (e: Error) => e instanceof ToolError && /worker exited unexpectedly/.test(e.message));
  let settled = false;
  const disposed = model.dispose().then(() => (settled = true));
  // dispose() must not wait for an exit event that already happened (its fallback timeout is 10 s).
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.ok(settled, 'dispose() of a dead worker returns at once');
  await disposed;
});
