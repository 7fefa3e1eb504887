// The work one request may ask for is bounded: caps on steps, K and planned NFE, a per-client share of the queue,
// and a time limit per job, each refusal a 4xx that says which bound it broke.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { followEvents, postJob, QUICK, withApp } from './helpers.js';

test('web limits: 20,000 planned NFE, K over the cap and too many steps are refused with 400 and the reason', async () => {
  await withApp({}, async (app) => {
    const huge = await postJob(app, { prompt: 'drop-bounce', plan: '0-19:1000' });
    assert.equal(huge.status, 400);
    assert.match(huge.json.error ?? '', /K = 1000 .* at most K = 10/);
    const nfe = await postJob(app, { prompt: 'drop-bounce', steps: 150, plan: '0-99:3' });
    assert.equal(nfe.status, 400);
    assert.match(nfe.json.error ?? '', /450 model evaluations .* at most 400/);
    const steps = await postJob(app, { prompt: 'drop-bounce', steps: 500 });
    assert.equal(steps.status, 400);
    assert.match(steps.json.error ?? '', /steps/);
    assert.deepEqual(await (await fetch(`${app.url}/api/jobs`)).json(), [], 'refused requests queue nothing');
  });
});

test('web limits: one client may have 2 jobs waiting or running; the third is refused with 429', async () => {
  await withApp({ maxPerClient: 2 }, async (app) => {
    const a = await postJob(app, { prompt: 'drop-bounce', ...QUICK });
    const b = await postJob(app, { prompt: 'drop-bounce', seed: 1, ...QUICK });
    assert.equal(a.status, 202);
    assert.equal(b.status, 202);
    const c = await postJob(app, { prompt: 'drop-bounce', seed: 2, ...QUICK });
    assert.equal(c.status, 429);
    assert.match(c.json.error ?? '', /you have 2 jobs waiting or running \(at most 2\)/);
    assert.equal((await followEvents(app, b.json.id)).pop()?.status.state, 'done');
    const d = await postJob(app, { prompt: 'drop-bounce', seed: 3, ...QUICK });
    assert.equal(d.status, 202, 'a finished job frees its place');
    assert.equal((await followEvents(app, d.json.id)).pop()?.status.state, 'done');
  });
});

test('web limits: a job over the time limit is stopped and fails with the reason', async () => {
  await withApp({ timeLimitSeconds: 0.3 }, async (app) => {
    const long = await postJob(app, { prompt: 'drop-bounce', steps: 200, refine: 'none' });
    assert.equal(long.status, 202);
    const end = (await followEvents(app, long.json.id)).pop()?.status;
    assert.equal(end?.state, 'failed');
    assert.match(end?.error ?? '', /time limit of 0.3 s/);
  });
});
