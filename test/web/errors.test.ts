// Which HTTP status each class of error gets, against a running server on a loopback port: 4xx only for bad
// requests; a cancelled job is a job state; a job that fails at run time answers 500 or 503 for its files. The
// server runs a stand-in model whose runner fails as each case needs (no network is loaded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, ModelOutputError, ToolError, UsageError } from '../../src/errors.js';
import { HttpError, httpStatusOf } from '../../src/web/http.js';
import { QueueFullError } from '../../src/web/jobs.js';
import { PHYSICS_DEFAULTS } from '../../src/pipeline/config.js';
import { samplerConfigFromOverrides } from '../../src/pipeline/overrides.js';
import type { JobRunner, WebModel } from '../../src/web/model.js';
import { startWebApp, type WebApp, type WebAppOptions } from '../../src/web/server.js';
import { followEvents, postJob } from './helpers.js';

/** A model whose requests are checked through the sampler overrides and whose jobs `runner` runs. */
function standIn(runner: JobRunner): WebModel {
  return {
    name: 'stand-in',
    summary: { kind: 'stand-in' },
    jobRequest(body) {
      const r = body as { prompt: string; seed?: number; steps?: number; plan?: string };
      return { scenario: r.prompt, prompt: r.prompt, seed: r.seed ?? 0, config: samplerConfigFromOverrides(PHYSICS_DEFAULTS, { steps: r.steps, plan: r.plan }) };
    },
    runner: () => runner,
    previewGif: () => new Uint8Array(0),
  };
}

async function withApp(options: WebAppOptions & { readonly runner: JobRunner }, body: (app: WebApp) => Promise<void>): Promise<void> {
  const app = await startWebApp(standIn(options.runner), { port: 0, ...options });
  try {
    await body(app);
  } finally {
    await app.close();
  }
}

/** A runner whose every job fails with `err` after reporting one step. */
function failingRunner(err: Error): JobRunner {
  return {
    parallel: 1,
    async run(_request, _signal, onStep) {
      onStep({ step: 1, totalSteps: 2, nfe: 1, uncertainFraction: null }, null);
      throw err;
    },
    close: async () => {},
  };
}

test('httpStatusOf: the one error → status map', () => {
  assert.equal(httpStatusOf(new UsageError('x')), 400);
  assert.equal(httpStatusOf(new HttpError(413, 'x')), 413);
  assert.equal(httpStatusOf(new QueueFullError('x')), 429);
  assert.equal(httpStatusOf(new CancelledError('x')), 409);
  assert.equal(httpStatusOf(new ToolError('x')), 503);
  assert.equal(httpStatusOf(new ModelOutputError('x')), 500);
  assert.equal(httpStatusOf(new Error('x')), 500);
});

const FAILURES: [string, Error, number, RegExp][] = [
  ['ffmpeg failing (ToolError)', new ToolError('ffmpeg exited with code 1: unknown encoder'), 503, /^job 'j1' failed: ffmpeg exited with code 1/],
  ['a NaN velocity (ModelOutputError)', new ModelOutputError('the model returned NaN at step 1'), 500, /^job 'j1' failed: the model returned NaN/],
  ['an unexpected exception', new Error('boom'), 500, /^job 'j1' failed: internal error: boom$/],
  ['input found unusable while it ran (UsageError)', new UsageError('prompt: 600 tokens; this model reads at most 512'), 422, /^job 'j1' failed: prompt: 600 tokens/],
];

for (const [what, err, status, message] of FAILURES) {
  test(`web statuses: a job failing with ${what} was accepted (202) and its files answer ${status} with one line`, async () => {
    await withApp({ runner: failingRunner(err) }, async (app) => {
      const submitted = await postJob(app, { prompt: 'drop-bounce' });
      assert.equal(submitted.status, 202);
      const end = (await followEvents(app, submitted.json.id)).pop()?.status;
      assert.equal(end?.state, 'failed');
      assert.equal(end?.error, message.source.includes('internal') ? 'internal error: boom' : err.message);
      for (const part of ['video.gif', 'mask.png', 'latent.npy']) {
        const res = await fetch(`${app.url}/api/jobs/${submitted.json.id}/${part}`);
        assert.equal(res.status, status, part);
        const body = (await res.json()) as { error: string };
        assert.match(body.error, message);
        assert.ok(!body.error.includes('\n') && !/at .*\.js:\d+/.test(body.error), 'one line, no stack');
      }
    });
  });
}

test('web statuses: a job its runner cancels is reported as cancelled, not as an error', async () => {
  await withApp({ runner: failingRunner(new CancelledError('cancelled')) }, async (app) => {
    const submitted = await postJob(app, { prompt: 'drop-bounce' });
    assert.equal(submitted.status, 202);
    const end = (await followEvents(app, submitted.json.id)).pop()?.status;
    assert.equal(end?.state, 'cancelled');
    assert.equal(end?.error, null);
    const video = await fetch(`${app.url}/api/jobs/${submitted.json.id}/video.gif`);
    assert.equal(video.status, 404);
    assert.match(((await video.json()) as { error: string }).error, /is cancelled: no video/);
  });
});

test('web statuses: bad requests are 4xx — 400 bad body, 404 unknown job, 405 wrong method, 413 too large, 415 not JSON, 429 queue full', async () => {
  const never: JobRunner = { parallel: 1, run: (_r, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), close: async () => {} };
  await withApp({ runner: never, maxQueued: 1 }, async (app) => {
    const post = (body: string, type = 'application/json'): Promise<Response> => fetch(`${app.url}/api/jobs`, { method: 'POST', headers: { 'content-type': type }, body });
    const expect = async (res: Response, status: number, message: RegExp): Promise<void> => {
      assert.equal(res.status, status);
      assert.match(((await res.json()) as { error: string }).error, message);
    };
    await expect(await post(JSON.stringify({ prompt: 'drop-bounce', steps: 0 })), 400, /steps/);
    await expect(await post(JSON.stringify({ prompt: 'drop-bounce', plan: '9-2:1' })), 400, /plan/);
    await expect(await post('{'), 400, /not valid JSON/);
    await expect(await post(JSON.stringify({ prompt: 'x'.repeat(70_000) })), 413, /over 65536 bytes/);
    await expect(await post('prompt=x', 'text/plain'), 415, /as JSON/);
    await expect(await fetch(`${app.url}/api/jobs/j42`), 404, /no job 'j42'/);
    await expect(await fetch(`${app.url}/api/jobs/j42/video.gif`), 404, /no job 'j42'/);
    await expect(await fetch(`${app.url}/api/jobs`, { method: 'PUT' }), 404, /no such page/);
    await expect(await fetch(`${app.url}/api/jobs/j1/video.gif`, { method: 'DELETE' }), 405, /only GET/);
    await expect(await fetch(`${app.url}/nowhere`), 404, /no such page/);

    assert.equal((await postJob(app, { prompt: 'drop-bounce' })).status, 202, 'runs');
    assert.equal((await postJob(app, { prompt: 'drop-bounce', seed: 1 })).status, 202, 'waits');
    await expect(await post(JSON.stringify({ prompt: 'drop-bounce', seed: 2 })), 429, /already waiting/);
  });
});
