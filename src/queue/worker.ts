// `selfrefine worker`: takes jobs from the queue of its model's weights and runs them, one model per concurrent
// job (each with its own ONNX worker thread). Delivery is at least once: a job whose worker dies is handed to
// another by BullMQ's stalled-job check, and only the worker holding the job's lock can store its result.
import { resolve } from 'node:path';
import { UnrecoverableError, Worker, type Job as BullJob } from 'bullmq';
import { ClipJudge, encodeRecord, runJob, type BenchJob } from '../bench/jobs.js';
import { getTask, taskCondition } from '../bench/tasks.js';
import { worldOf } from '../bench/world-of.js';
import type { StepReport } from '../core/sample.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { videoFromPixels } from '../io/video.js';
import { formatWeightsId, modelWeightsId, type CardModel } from '../models/card-loader.js';
import { generateVideo } from '../pipeline/generate.js';
import { inProcessRunner, previewGif } from '../web/card.js';
import { quitQuietly } from './client.js';
import { CANCEL_CHANNEL, KEY_PREFIX, cancelKey, connectRedis, queueNameFor } from './connection.js';
import {
  clipJobId,
  encodeResult,
  fromBase64,
  toBase64,
  unwrap,
  type BenchJobData,
  type ClipJobData,
  type ClipResult,
  type Envelope,
  type QueueProgress,
  type WebJobData,
  type WebResult,
} from './payload.js';

export interface QueueWorkerOptions {
  readonly url: string;
  /**
   * How long a worker's lock on a job lasts without renewal (renewed every half of it while the job runs): a
   * killed worker's job goes to another worker within about this time plus the stall check's interval.
   */
  readonly lockSeconds?: number;
  /** A job running longer is stopped and failed (no retry). */
  readonly jobTimeoutSeconds?: number;
  /**
   * A directory every submitter can read (shared storage): clips are written there, named by job id, instead of
   * being returned through Redis (for videos too big for Redis).
   */
  readonly store?: string;
  readonly log?: (line: string) => void;
}

export interface QueueWorker {
  readonly queueName: string;
  readonly weights: string;
  /** Stop taking jobs, let the running ones finish, and disconnect. */
  close(): Promise<void>;
}

export const DEFAULT_LOCK_SECONDS = 30;
export const DEFAULT_JOB_TIMEOUT_SECONDS = 3600;
/** Minimum time between two previews of one web job. */
const PREVIEW_INTERVAL_MS = 1000;

/** Start a worker with one model per concurrent job (all of the same weights). */
export async function startQueueWorker(models: readonly CardModel[], options: QueueWorkerOptions): Promise<QueueWorker> {
  if (models.length === 0) throw new UsageError('a worker needs at least one model');
  const weights = modelWeightsId(models[0].card);
  if (models.some((m) => modelWeightsId(m.card) !== weights)) throw new UsageError('every model of one worker must have the same weights');
  const log = options.log ?? (() => {});
  const lockMs = Math.round(1000 * (options.lockSeconds ?? DEFAULT_LOCK_SECONDS));
  const timeoutMs = Math.round(1000 * (options.jobTimeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS));
  const lanes = models.map((model) => ({ model, judge: new ClipJudge(worldOf(model)) }));
  const free = [...lanes];
  const queueName = queueNameFor(weights);

  const connection = await connectRedis(options.url, { log });
  const subscriber = connection.duplicate();
  const processor = async (job: BullJob<Envelope, string>, _token: string | undefined, signal?: AbortSignal): Promise<string> => {
    const data = unwrap(job.data);
    if (data.weights !== weights) {
      throw new UnrecoverableError(`job ${job.id} is for weights ${formatWeightsId(data.weights)}, but this worker runs ${formatWeightsId(weights)}`);
    }
    if (job.id !== undefined && (await connection.exists(cancelKey(job.id))) === 1) throw new UnrecoverableError('cancelled');
    const lane = free.pop();
    if (lane === undefined) throw new Error('internal: more jobs than models');
    const abort = new AbortController();
    const onAbort = (): void => abort.abort();
    signal?.addEventListener('abort', onAbort);
    const timer = setTimeout(() => abort.abort(new JobTimeout()), timeoutMs);
    try {
      return await runData(lane.model, lane.judge, data, job, abort.signal, options.store);
    } catch (err) {
      if (abort.signal.aborted) {
        throw new UnrecoverableError(abort.signal.reason instanceof JobTimeout ? `the job ran over the time limit of ${timeoutMs / 1000} s` : 'cancelled');
      }
      // Bad input does not get better on a retry; a model failure might (a lost worker thread, a flaky device).
      if (err instanceof UsageError) throw new UnrecoverableError(err.message);
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      free.push(lane);
    }
  };
  const worker = new Worker<Envelope, string>(queueName, processor, {
    connection,
    prefix: KEY_PREFIX,
    concurrency: models.length,
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.round(lockMs / 2)),
    maxStalledCount: 2,
    autorun: false,
  });
  worker.on('error', (err) => log(`worker: ${err.message}`));
  worker.on('failed', (job, err) => log(`job ${job?.id ?? '?'} failed (attempt ${job?.attemptsMade ?? '?'}): ${err.message}`));

  await subscriber.subscribe(CANCEL_CHANNEL);
  subscriber.on('message', (_channel: string, jobId: string) => {
    worker.cancelJob(jobId, 'cancelled');
  });
  const running = worker.run();
  await worker.waitUntilReady();
  return {
    queueName,
    weights,
    async close() {
      await worker.close();
      await running;
      await quitQuietly(subscriber);
      await quitQuietly(connection);
    },
  };
}

class JobTimeout extends Error {}


async function runData(model: CardModel, judge: ClipJudge, data: ClipJobData | BenchJobData | WebJobData, job: BullJob<Envelope, string>, signal: AbortSignal, store?: string): Promise<string> {
  switch (data.kind) {
    case 'clip':
      return encodeResult(await runClip(model, data, job, signal, store));
    case 'bench':
      return encodeRecord(await runJob(model, benchJobOf(model, data), judge, (nfe) => void report(job, { nfe, step: 0, totalSteps: 0, uncertainFraction: null }), signal));
    case 'web':
      return encodeResult(await runWeb(model, data, job, signal));
  }
}

function report(job: BullJob<Envelope, string>, progress: QueueProgress): Promise<void> {
  // Progress is advisory: a lost update (Redis away for a moment) must not fail the job.
  return job.updateProgress(progress as unknown as object).catch(() => {});
}

const stepProgress = (r: StepReport): QueueProgress => ({ nfe: r.nfe, step: r.step + 1, totalSteps: r.totalSteps, uncertainFraction: r.uncertainFraction });

async function runClip(model: CardModel, data: ClipJobData, job: BullJob<Envelope, string>, signal: AbortSignal, store?: string): Promise<ClipResult> {
  const given = data.given === undefined ? undefined : { pixels: new Float32Array(fromBase64(data.given.pixels).slice().buffer), frames: data.given.frames };
  const video = await generateVideo(model, { scenario: data.scenario, config: data.config, seed: data.seed, given, signal, observer: (r) => void report(job, stepProgress(r)) });
  const rgb = videoFromPixels(video.pixels, model.frames, model.height, model.width);
  if (store === undefined) return { video: toBase64(rgb.data), nfe: video.nfe, nfeSaved: video.nfeSaved };
  // Named by job id and written atomically: a job run twice (a stalled worker) writes the same bytes once more.
  const videoFile = resolve(store, `${job.id ?? clipJobId(data)}.u8`);
  writeFileAtomic(videoFile, rgb.data);
  return { videoFile, nfe: video.nfe, nfeSaved: video.nfeSaved };
}

function benchJobOf(model: CardModel, data: BenchJobData): BenchJob {
  const task = getTask(data.task);
  const condition = taskCondition(task, data.index, model.card.scenarios.map((s) => s.name), worldOf(model));
  if (data.jobKind === 'sample' && data.seeds[0] !== condition.seed) {
    throw new UsageError(`bench job ${data.key}: its seed ${data.seeds[0]} is not the seed of ${data.task} sample ${data.index} (${condition.seed}); the submitter runs another version`);
  }
  const { kind: _kind, weights: _weights, task: _task, jobKind, ...rest } = data;
  return { ...rest, kind: jobKind, task, condition };
}

async function runWeb(model: CardModel, data: WebJobData, job: BullJob<Envelope, string>, signal: AbortSignal): Promise<WebResult> {
  let lastPreview = -Infinity;
  const request = { scenario: data.scenario, prompt: data.scenario, seed: data.seed, config: data.config };
  const r = await inProcessRunner(model, data.scale, data.fps).run(request, signal, (step, preview) => {
    const now = performance.now();
    const withPreview = preview !== null && 'latent' in preview && now - lastPreview >= PREVIEW_INTERVAL_MS;
    if (withPreview) lastPreview = now;
    void report(job, { ...step, ...(withPreview ? { preview: toBase64(previewGif(model, preview.latent, data.fps)) } : {}) });
  });
  return { gif: toBase64(r.gif), maskPng: r.maskPng === null ? null : toBase64(r.maskPng), nfe: r.nfe, nfeSaved: r.nfeSaved, seconds: r.seconds };
}
