// `serve --redis`: the web app's jobs run on a queue worker; progress comes back as server-sent events, and a
// cancel stops the job on the worker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Queue } from 'bullmq';
import { generateVideo } from '../../src/pipeline/generate.js';
import { gifBytes, videoFromPixels } from '../../src/io/video.js';
import { loadCardModel, modelWeightsId } from '../../src/models/card-loader.js';
import { startWebApp } from '../../src/web/server.js';
import { KEY_PREFIX, queueNameFor } from '../../src/queue/connection.js';
import { queueRunner } from '../../src/queue/web.js';
import { jobRequestFrom } from '../../src/web/request.js';
import { startRedis, startWorker } from '../helpers/redis.js';
import { finishedJob, followEvents, postJob, QUICK } from '../web/helpers.js';

test('serve --redis: a job runs on the worker with progress events and the same GIF; a cancel stops it there', async (t) => {
  const redis = await startRedis(t);
  await startWorker(t, redis.url);
  const model = await loadCardModel();
  t.after(() => model.dispose());
  const runner = await queueRunner(model, { url: redis.url, parallel: 4, scale: 8, fps: 8 });
  const app = await startWebApp(model, { port: 0, runner });
  try {
    const body = { prompt: 'a red ball falls and bounces on the floor', seed: 10, ...QUICK };
    const { id } = await finishedJob(app, body);
    const request = jobRequestFrom(model, body);
    const gif = new Uint8Array(await (await fetch(`${app.url}/api/jobs/${id}/video.gif`)).arrayBuffer());
    const direct = await generateVideo(model, { scenario: request.scenario, config: request.config, seed: 10 });
    assert.deepEqual(gif, gifBytes(videoFromPixels(direct.pixels, model.frames, model.height, model.width), 8, 8));
    assert.equal((await fetch(`${app.url}/api/jobs/${id}/mask.png`)).headers.get('content-type'), 'image/png');

    // 200 steps take seconds on the worker; cancel once it has reported progress.
    const long = await postJob(app, { prompt: 'drop-bounce', steps: 200, refine: 'none' });
    const stream = followEvents(app, long.json.id);
    for (;;) {
      const s = (await (await fetch(`${app.url}/api/jobs/${long.json.id}`)).json()) as { progress: { nfe: number } | null };
      if (s.progress !== null && s.progress.nfe > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await fetch(`${app.url}/api/jobs/${long.json.id}`, { method: 'DELETE' })).status, 200);
    assert.equal((await stream).pop()?.status.state, 'cancelled');
    // The worker stopped the job (it failed as cancelled instead of completing) and takes the next one.
    const queue = new Queue(queueNameFor(modelWeightsId(model.card)), { connection: redis.client(), prefix: KEY_PREFIX });
    const failed = await queue.getJobs(['failed']);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].failedReason, 'cancelled');
    assert.equal(failed[0].attemptsMade, 1);
    const next = await postJob(app, { prompt: 'drop-bounce', seed: 3, ...QUICK });
    assert.equal((await followEvents(app, next.json.id)).pop()?.status.state, 'done');
    assert.equal(await queue.getCompletedCount(), 2);
    await queue.close();
  } finally {
    // Closes the runner's Redis connections too.
    await app.close();
  }
});
