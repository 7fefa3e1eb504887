import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PHYSICS_DEFAULTS } from '../../src/pipeline/config.js';
import { generateVideo } from '../../src/pipeline/generate.js';
import { plannedNfe } from '../../src/pipeline/run.js';
import { gifBytes, videoFromPixels } from '../../src/io/video.js';
import { jobRequestFrom } from '../../src/web/request.js';
import { finishedJob, followEvents, postJob, QUICK, withApp } from './helpers.js';

test('web API: the model summary, bad requests refused with a message and a 4xx status', async () => {
  await withApp({}, async (app, model) => {
    const summary = (await (await fetch(`${app.url}/api/model`)).json()) as { name: string; prompts: { prompt: string }[]; defaults: { nfe: number; plan: string } };
    assert.equal(summary.name, model.card.name);
    assert.deepEqual(summary.prompts.map((p) => p.prompt), model.card.scenarios.map((s) => s.prompt));
    assert.equal(summary.defaults.nfe, plannedNfe(PHYSICS_DEFAULTS));

    const page = await fetch(app.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /<form id="form">/);

    const unknown = await postJob(app, { prompt: 'a purple cube spins' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.error ?? '', /not in the model's vocabulary/);
    assert.ok((unknown.json.error ?? '').includes(model.card.scenarios[0].prompt), 'the error lists the valid prompts');

    const wrongType = await postJob(app, { prompt: 'drop-bounce', steps: 'many' });
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.json.error ?? '', /steps/);
    const extra = await postJob(app, { prompt: 'drop-bounce', sampler: 'heun' });
    assert.equal(extra.status, 400);
    assert.match(extra.json.error ?? '', /sampler/);
    const badPlan = await postJob(app, { prompt: 'drop-bounce', plan: '6-2:x' });
    assert.equal(badPlan.status, 400);
    assert.match(badPlan.json.error ?? '', /plan/i);

    const notJson = await fetch(`${app.url}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{prompt:' });
    assert.equal(notJson.status, 400);
    assert.match(((await notJson.json()) as { error: string }).error, /not valid JSON/);
    const form = await fetch(`${app.url}/api/jobs`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'prompt=x' });
    assert.equal(form.status, 415);

    assert.equal((await fetch(`${app.url}/api/jobs/j999`)).status, 404);
    assert.equal((await fetch(`${app.url}/api/nothing`)).status, 404);
    assert.deepEqual(await (await fetch(`${app.url}/api/jobs`)).json(), [], 'refused requests queue nothing');
  });
});

test('web API: a job streams its progress, then serves the same GIF bytes as generating directly', async () => {
  await withApp({}, async (app, model) => {
    const body = { prompt: 'a red ball falls and bounces on the floor', seed: 10, ...QUICK };
    const { id, last } = await finishedJob(app, body);
    const request = jobRequestFrom(model, body);
    assert.equal(last.result?.nfe, plannedNfe(request.config));
    assert.equal(last.progress?.plannedNfe, plannedNfe(request.config));
    assert.equal(last.result?.hasMask, true);

    const gif = new Uint8Array(await (await fetch(`${app.url}/api/jobs/${id}/video.gif`)).arrayBuffer());
    const direct = await generateVideo(model, { scenario: request.scenario, config: request.config, seed: 10 });
    assert.deepEqual(gif, gifBytes(videoFromPixels(direct.pixels, model.frames, model.height, model.width), 8, 8));
    const mask = await fetch(`${app.url}/api/jobs/${id}/mask.png`);
    assert.equal(mask.headers.get('content-type'), 'image/png');
    assert.deepEqual([...new Uint8Array(await mask.arrayBuffer()).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.equal((await fetch(`${app.url}/api/jobs/${id}`, { method: 'DELETE' })).status, 409, 'a finished job cannot be cancelled');

    const plain = await postJob(app, { prompt: 'drop-bounce', seed: 1, steps: 4, refine: 'none' });
    const plainEnd = (await followEvents(app, plain.json.id)).pop()?.status;
    assert.equal(plainEnd?.state, 'done');
    assert.equal(plainEnd?.result?.hasMask, false);
    assert.equal((await fetch(`${app.url}/api/jobs/${plain.json.id}/mask.png`)).status, 404);
  });
});

test('web API: the server answers while a job samples; queued jobs wait their turn and can be cancelled', async () => {
  await withApp({ maxQueued: 2 }, async (app, model) => {
    const first = await postJob(app, { prompt: 'drop-bounce', seed: 3 }); // the default sampler: 32 NFE
    const second = await postJob(app, { prompt: 'drift', seed: 4, ...QUICK });
    const third = await postJob(app, { prompt: 'drift', seed: 5, ...QUICK });
    assert.equal(second.json.position, 1);
    assert.equal(third.json.position, 2);
    const full = await postJob(app, { prompt: 'drift', seed: 6, ...QUICK });
    assert.equal(full.status, 429);
    assert.match(full.json.error ?? '', /already waiting/);

    // wait for the first job's progress, then ask while it samples: the answer must come mid-run
    let mid = (await (await fetch(`${app.url}/api/jobs/${first.json.id}`)).json()) as typeof first.json;
    for (let i = 0; i < 400 && mid.progress === null && mid.state !== 'done'; i++) {
      await new Promise((r) => setTimeout(r, 5));
      mid = (await (await fetch(`${app.url}/api/jobs/${first.json.id}`)).json()) as typeof first.json;
    }
    assert.equal(mid.state, 'running');
    assert.ok(mid.progress !== null && mid.progress.nfe < mid.progress.plannedNfe, `answered mid-run: ${JSON.stringify(mid.progress)}`);
    assert.ok(mid.progress.etaSeconds !== null && mid.progress.etaSeconds > 0);
    const preview = await fetch(`${app.url}/api/jobs/${first.json.id}/preview.gif`);
    assert.equal(preview.status, 200);
    const gif = Buffer.from(await preview.arrayBuffer());
    assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
    assert.equal(gif.readUInt16LE(6), model.width, 'the preview is x̂0 at the model frame size');
    assert.equal((await fetch(`${app.url}/api/jobs/${second.json.id}/preview.gif`)).status, 404, 'a queued job has no preview yet');

    const cancelled = await fetch(`${app.url}/api/jobs/${third.json.id}`, { method: 'DELETE' });
    assert.equal(cancelled.status, 200);
    assert.equal(((await cancelled.json()) as { state: string }).state, 'cancelled');

    const firstEnd = (await followEvents(app, first.json.id)).pop()?.status;
    const secondEnd = (await followEvents(app, second.json.id)).pop()?.status;
    assert.equal(firstEnd?.state, 'done');
    assert.equal(secondEnd?.state, 'done');
    const states = ((await (await fetch(`${app.url}/api/jobs`)).json()) as { id: string; state: string }[]).map((s) => `${s.id}:${s.state}`);
    assert.deepEqual(states, [`${first.json.id}:done`, `${second.json.id}:done`, `${third.json.id}:cancelled`]);

    // a running job stops at its next step when cancelled
    const long = await postJob(app, { prompt: 'drift', seed: 7, steps: 60, refine: 'none' });
    const events = followEvents(app, long.json.id);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await fetch(`${app.url}/api/jobs/${long.json.id}`, { method: 'DELETE' })).status, 200);
    const end = (await events).pop()?.status;
    assert.equal(end?.state, 'cancelled');
    assert.ok((end?.progress?.nfe ?? 0) < 60, `stopped early, at NFE ${end?.progress?.nfe}`);
  });
});
