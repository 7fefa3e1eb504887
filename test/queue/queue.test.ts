// The Redis queue end to end: workers that die or lose Redis mid-run still produce the in-process dataset byte for
// byte; a job whose model output is non-finite fails after its attempts without blocking the queue.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Job, Queue } from 'bullmq';
import { loadModelCard } from '../../src/models/onnx/card-file.js';
import { DEFAULT_MODEL_CARD, modelWeightsId } from '../../src/models/card-loader.js';
import { KEY_PREFIX, queueNameFor } from '../../src/queue/connection.js';
import { runCli } from '../helpers/cli.js';
import { spawnCli, startRedis, startWorker, waitFor } from '../helpers/redis.js';
import { scratchDir } from '../helpers/scratch.js';

const dir = scratchDir('queue');
const QUEUE = queueNameFor(modelWeightsId((await loadModelCard(DEFAULT_MODEL_CARD)).card));
const key = (part: string): string => `${KEY_PREFIX}:${QUEUE}:${part}`;
/** Few steps and no refinement keep each clip at 8 NFE (about half a second here). */
const FAST = ['--steps', '8', '--refine', 'none', '--no-mp4'];

function generateArgs(count: number, seed: number, out: string, extra: readonly string[] = []): string[] {
  return ['generate', '--count', String(count), '--seed', String(seed), ...FAST, '--out', out, ...extra];
}

/** The dataset of the same command run in-process. */
function inProcess(count: number, seed: number, name: string): { videos: Buffer; clips: Buffer } {
  const out = join(dir, name);
  const r = runCli(...generateArgs(count, seed, out));
  assert.equal(r.code, 0, r.stderr);
  return { videos: readFileSync(join(out, 'videos.npy')), clips: readFileSync(join(out, 'clips.json')) };
}

function assertSameDataset(out: string, expected: { videos: Buffer; clips: Buffer }): void {
  assert.ok(readFileSync(join(out, 'videos.npy')).equals(expected.videos), 'videos.npy differs from the in-process run');
  assert.ok(readFileSync(join(out, 'clips.json')).equals(expected.clips), 'clips.json differs from the in-process run');
}

test('a worker killed with SIGKILL mid-job: its job goes to another worker, and the dataset is byte-identical', async (t) => {
  const redis = await startRedis(t);
  const r = redis.client();
  const a = await startWorker(t, redis.url);
  await startWorker(t, redis.url);
  const out = join(dir, 'killed');
  const gen = spawnCli(t, generateArgs(12, 4242, out, ['--redis', redis.url]));
  // Kill A while both workers hold a job (and some are already done).
  await waitFor('both workers busy', async () => (await r.llen(key('active'))) >= 2 && (await r.zcard(key('completed'))) >= 1);
  await a.kill('SIGKILL');
  await startWorker(t, redis.url);
  assert.equal(await gen.exit, 0, gen.output());
  assertSameDataset(out, inProcess(12, 4242, 'killed-local'));
  // Every clip was stored once, and one of them was taken back from the killed worker.
  assert.equal(await r.zcard(key('completed')), 12);
  const queue = new Queue(QUEUE, { connection: r, prefix: KEY_PREFIX });
  const jobs = await queue.getJobs(['completed']);
  assert.equal(new Set(jobs.map((j) => j.id)).size, 12);
  assert.ok(
    jobs.some((j) => j.stalledCounter >= 1),
    'no job was recovered from the killed worker',
  );
  await queue.close();
});

test('Redis restarted mid-run: workers and the submitter reconnect, and no finished clip is lost', async (t) => {
  const redis = await startRedis(t, true);
  const r = redis.client();
  await startWorker(t, redis.url);
  const out = join(dir, 'restarted');
  const gen = spawnCli(t, generateArgs(8, 77, out, ['--redis', redis.url]));
  await waitFor('three finished clips', async () => (await r.zcard(key('completed'))) >= 3);
  await redis.stop();
  await new Promise((resolve) => setTimeout(resolve, 500));
  await redis.start();
  assert.equal(await gen.exit, 0, gen.output());
  assertSameDataset(out, inProcess(8, 77, 'restarted-local'));
  assert.equal(await r.zcard(key('completed')), 8);
});

test('a job whose model output is non-finite fails after 3 attempts with its error, and the next jobs still run', async (t) => {
  const redis = await startRedis(t);
  const r = redis.client();
  await startWorker(t, redis.url);
  // A guidance scale of 1e300 turns the model's velocity into ±Inf/NaN at the first step.
  const poisoned = runCliAsync(t, generateArgs(2, 5, join(dir, 'poisoned'), ['--redis', redis.url, '--cfg', '1e300']));
  const { code, output } = await poisoned;
  assert.notEqual(code, 0);
  assert.match(output, /failed: the model returned a non-finite velocity/);
  const queue = new Queue(QUEUE, { connection: r, prefix: KEY_PREFIX });
  const failed = await queue.getJobs(['failed']);
  assert.equal(failed.length, 2);
  for (const job of failed) assert.equal(job.attemptsMade, 3);
  await queue.close();
  const out = join(dir, 'after-poison');
  const good = await runCliAsync(t, generateArgs(3, 9, out, ['--redis', redis.url]));
  assert.equal(good.code, 0, good.output);
  assertSameDataset(out, inProcess(3, 9, 'after-poison-local'));
});

test('worker --store: clips go to a shared directory instead of Redis, and the dataset is the same', async (t) => {
  const redis = await startRedis(t);
  const r = redis.client();
  const store = join(dir, 'store');
  await startWorker(t, redis.url, ['--store', store]);
  const out = join(dir, 'stored');
  const gen = await runCliAsync(t, generateArgs(3, 31, out, ['--redis', redis.url]));
  assert.equal(gen.code, 0, gen.output);
  assertSameDataset(out, inProcess(3, 31, 'stored-local'));
  const queue = new Queue(QUEUE, { connection: r, prefix: KEY_PREFIX });
  const jobs = await queue.getJobs(['completed']);
  assert.equal(jobs.length, 3);
  for (const job of jobs) {
    const result = JSON.parse(job.returnvalue as string) as { video?: string; videoFile?: string };
    assert.equal(result.video, undefined, 'no video in Redis');
    assert.equal(result.videoFile, join(store, `${job.id}.u8`));
  }
  await queue.close();
});

test('bench --redis: job ids are the cache keys, so a second run with a fresh cache computes nothing', async (t) => {
  const redis = await startRedis(t);
  const r = redis.client();
  await startWorker(t, redis.url);
  const args = ['bench', '--suite', 'quick', '--samples', '1', '--tasks', 't2v', '--methods', 'default', '--reference', '0', '--no-progress', '--json'];
  const first = await runCliAsync(t, [...args, '--out', join(dir, 'bench-1'), '--redis', redis.url]);
  assert.equal(first.code, 0, first.output);
  const queue = new Queue(QUEUE, { connection: r, prefix: KEY_PREFIX });
  const finishedOn = async (): Promise<Map<string, number | undefined>> => new Map((await queue.getJobs(['completed'])).map((j: Job) => [j.id ?? '', j.finishedOn]));
  const before = await finishedOn();
  assert.ok(before.size >= 1);
  for (const id of before.keys()) assert.match(id, /^bench-[0-9a-f]{32}$/);
  const second = await runCliAsync(t, [...args, '--out', join(dir, 'bench-2'), '--redis', redis.url]);
  assert.equal(second.code, 0, second.output);
  assert.deepEqual(await finishedOn(), before, 'the second run added or recomputed jobs');
  const results = (name: string): unknown => {
    const { timing: _timing, ...rest } = JSON.parse(readFileSync(join(dir, name, 'results.json'), 'utf8')) as Record<string, unknown>;
    return rest;
  };
  assert.deepEqual(results('bench-2'), results('bench-1'));
  await queue.close();
});

/** Run the CLI without blocking the event loop (the test's own Redis clients keep working). */
async function runCliAsync(t: Parameters<typeof spawnCli>[0], args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const p = spawnCli(t, args);
  const code = await p.exit;
  return { code, output: p.output() };
}
