// npm run bench:queue [-- --count N] [-- --json]
// Throughput of the Redis queue on this machine: the same `generate --count N` dataset (default sampler) run
// in-process, then through a private redis-server with 1 and with 2 `selfrefine worker` processes; and the
// queue's overhead per job, from the same dataset at 2 steps without refinement (jobs of ~0.1 s, so the
// difference to the in-process run is mostly the queue's), and as the round trip of 200 empty jobs one after
// another (add, take, a progress update, a 49 KB result, read back). Each dataset is checked byte-identical.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const json = process.argv.includes('--json');
const countAt = process.argv.indexOf('--count');
const count = countAt > 0 ? Number(process.argv[countAt + 1]) : 64;
if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer, got ${process.argv[countAt + 1]}`);
const TINY = ['--steps', '2', '--refine', 'none'];

const dir = mkdtempSync(join(tmpdir(), 'sr-bench-queue-'));
const children: ChildProcess[] = [];
const stopAll = (): void => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGTERM');
};
process.on('exit', () => {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function background(cmd: string, args: readonly string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (text += b.toString()));
  children.push(child);
  return { child, output: () => text };
}

async function until(what: string, test: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid, 'SIGTERM');
  await exited;
}

/** Wall seconds of one `generate --count` (model load included, as a user sees it). */
function generate(out: string, extra: readonly string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'generate', '--count', String(count), '--seed', '4242', '--no-mp4', '--out', out, ...extra], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`generate failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

function sameDataset(a: string, b: string): boolean {
  return readFileSync(join(a, 'videos.npy')).equals(readFileSync(join(b, 'videos.npy')));
}

const port = await freePort();
const url = `redis://127.0.0.1:${port}`;
const redis = background('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir]);
await new Promise((r) => setTimeout(r, 300));
if (redis.child.exitCode !== null) throw new Error(`redis-server did not start: ${redis.output()}`);

const rows: { what: string; workers: number; seconds: number; clipsPerMinute: number; identical: boolean }[] = [];
const local = join(dir, 'local');
const localSeconds = generate(local, []);
rows.push({ what: 'default sampler', workers: 0, seconds: localSeconds, clipsPerMinute: (60 * count) / localSeconds, identical: true });
const localTiny = join(dir, 'local-tiny');
const localTinySeconds = generate(localTiny, TINY);

const workers: ReturnType<typeof background>[] = [];
let overheadMs = NaN;
for (const n of [1, 2]) {
  while (workers.length < n) {
    const w = background(process.execPath, [CLI, 'worker', '--redis', url]);
    await until('the worker to start', () => / worker on /.test(w.output()) || w.child.exitCode !== null);
    if (w.child.exitCode !== null) throw new Error(`worker failed: ${w.output()}`);
    workers.push(w);
  }
  // The queue keeps finished jobs (their ids are content hashes), so each run starts from an empty Redis.
  spawnSync('redis-cli', ['-p', String(port), 'FLUSHALL']);
  const out = join(dir, `queue-${n}`);
  const seconds = generate(out, ['--redis', url]);
  rows.push({ what: 'default sampler', workers: n, seconds, clipsPerMinute: (60 * count) / seconds, identical: sameDataset(out, local) });
  spawnSync('redis-cli', ['-p', String(port), 'FLUSHALL']);
  if (n === 1) {
    // One worker runs the jobs one after another, as the in-process loop does: the difference is the queue's.
    const tinyOut = join(dir, 'queue-tiny');
    const tinySeconds = generate(tinyOut, [...TINY, '--redis', url]);
    if (!sameDataset(tinyOut, localTiny)) throw new Error('the queue dataset differs from the in-process one');
    overheadMs = (1000 * (tinySeconds - localTinySeconds)) / count;
  }
}
for (const w of workers) await stop(w.child);
const roundTripMs = await emptyJobRoundTrip(200);
await stop(redis.child);

/** Mean ms from adding a job that does nothing but report progress and return 49 KB to reading its result back. */
async function emptyJobRoundTrip(jobs: number): Promise<number> {
  const connect = (): Redis => new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: null });
  const connections = [connect(), connect(), connect()];
  const options = (i: number): { connection: Redis; prefix: string } => ({ connection: connections[i], prefix: 'bench' });
  const queue = new Queue('empty', options(0));
  const events = new QueueEvents('empty', options(1));
  const result = 'x'.repeat(49_152);
  const worker = new Worker('empty', async (job) => {
    await job.updateProgress({ nfe: 1 });
    return result;
  }, options(2));
  await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
  const t0 = performance.now();
  for (let i = 0; i < jobs; i++) {
    const job = await queue.add('empty', { payload: '{}' }, { jobId: `empty-${i}` });
    await job.waitUntilFinished(events);
    if ((await queue.getJob(`empty-${i}`))?.returnvalue !== result) throw new Error('an empty job lost its result');
  }
  const ms = (performance.now() - t0) / jobs;
  await worker.close();
  await events.close();
  await queue.close();
  for (const c of connections) c.disconnect();
  return ms;
}

const summary = {
  machine: `${availableParallelism()} cores`,
  clips: count,
  rows: rows.map((r) => ({ ...r, seconds: Number(r.seconds.toFixed(1)), clipsPerMinute: Number(r.clipsPerMinute.toFixed(1)) })),
  tinyInProcessSeconds: Number(localTinySeconds.toFixed(2)),
  overheadMsPerJob: Number(overheadMs.toFixed(1)),
  emptyJobRoundTripMs: Number(roundTripMs.toFixed(1)),
};
if (json) {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} else {
  process.stdout.write(`queue throughput, ${count} clips, ${summary.machine}:\n`);
  for (const r of summary.rows) {
    process.stdout.write(`  ${r.workers === 0 ? 'in-process  ' : `${r.workers} worker(s) `} ${String(r.seconds).padStart(6)} s  ${String(r.clipsPerMinute).padStart(6)} clips/min${r.identical ? '' : '  (DIFFERENT BYTES)'}\n`);
  }
  process.stdout.write(`  queue overhead per job (2-step jobs on 1 worker against ${summary.tinyInProcessSeconds} s in-process): ${summary.overheadMsPerJob} ms\n`);
  process.stdout.write(`  round trip of an empty job (add → progress → 49 KB result → read back, one after another): ${summary.emptyJobRoundTripMs} ms\n`);
}
