// The submitting side of the queue: add jobs under ids of their own, follow their progress, collect results.
import { Job as BullJob, Queue, QueueEvents, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { SelfRefineError } from '../errors.js';
import { CANCEL_CHANNEL, CANCEL_TTL_SECONDS, KEY_PREFIX, cancelKey, connectRedis, queueNameFor } from './connection.js';
import { wrap, type Envelope, type QueueJobData, type QueueProgress } from './payload.js';

/** A job failed on the workers (after its attempts); the message is the worker's error. */
export class QueueJobError extends SelfRefineError {
  constructor(
    readonly jobId: string,
    readonly reason: string,
  ) {
    super(`job ${jobId} failed: ${reason}`);
  }
}

/**
 * Retries and retention: a failing job gets 3 attempts (a model failure may be the machine's, not the job's);
 * finished jobs stay readable for a day and failed ones for a week, then Redis drops them even when their
 * submitter never came back for them.
 */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'fixed', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 100_000 },
};

/** How often the submitter asks Redis directly for jobs it has not heard about (events may be missed while it reconnects). */
const POLL_MS = 2000;
/** Jobs looked up per poll. */
const POLL_BATCH = 200;

export interface JobHandlers {
  progress?(id: string, progress: QueueProgress): void;
  /** A job finished; `result` is the worker's result text. */
  done(id: string, result: string): void;
  /** A job failed after its attempts (or was cancelled: reason 'cancelled'). */
  failed(id: string, reason: string): void;
}

export interface NewJob {
  readonly id: string;
  readonly data: QueueJobData;
}

export class QueueClient {
  private constructor(
    readonly queue: Queue<Envelope, string>,
    private readonly events: QueueEvents,
    private readonly connection: Redis,
    private readonly eventsConnection: Redis,
    private readonly log: (line: string) => void,
  ) {}

  /** Connect to the queue of one model's weights. */
  static async open(url: string, weights: string, log: (line: string) => void = () => {}): Promise<QueueClient> {
    const connection = await connectRedis(url, { log });
    const name = queueNameFor(weights);
    const queue = new Queue<Envelope, string>(name, { connection, prefix: KEY_PREFIX, defaultJobOptions: JOB_OPTIONS });
    const eventsConnection = connection.duplicate();
    const events = new QueueEvents(name, { connection: eventsConnection, prefix: KEY_PREFIX });
    events.on('error', () => {});
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return new QueueClient(queue, events, connection, eventsConnection, log);
  }

  /**
   * Add jobs (an id already in the queue is not added twice: the submitter shares the earlier job and its result).
   * A job of the same id that had failed is retried, so a rerun after a fix does not stop at the old failure.
   */
  async submit(jobs: readonly NewJob[], options: JobsOptions = {}): Promise<void> {
    for (let i = 0; i < jobs.length; i += 500) {
      const batch = jobs.slice(i, i + 500);
      await this.queue.addBulk(batch.map((j) => ({ name: j.data.kind, data: wrap(j.data), opts: { ...options, jobId: j.id } })));
      for (const j of batch) {
        if ((await this.queue.getJobState(j.id)) === 'failed') {
          const job = await BullJob.fromId<Envelope, string>(this.queue, j.id);
          await job?.retry('failed');
        }
      }
    }
  }

  /**
   * Follow jobs until every one has finished or failed: events as they come, and a slow poll that catches what
   * the events missed (a reconnect, jobs that finished before this client listened).
   */
  async follow(ids: readonly string[], handlers: JobHandlers, signal?: AbortSignal): Promise<void> {
    const open = new Set(ids);
    let wake: (() => void) | null = null;
    const settle = (id: string, outcome: () => void): void => {
      if (!open.delete(id)) return;
      outcome();
      if (open.size === 0) wake?.();
    };
    const check = async (id: string): Promise<void> => {
      const job = await BullJob.fromId<Envelope, string>(this.queue, id);
      if (job === undefined) {
        settle(id, () => handlers.failed(id, 'the job is gone from the queue (expired or removed); submit it again'));
        return;
      }
      const state = await job.getState();
      if (state === 'completed') settle(id, () => handlers.done(id, job.returnvalue));
      else if (state === 'failed') settle(id, () => handlers.failed(id, job.failedReason));
    };
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }): void => {
      if (open.has(jobId) && typeof data === 'object' && data !== null) handlers.progress?.(jobId, data as QueueProgress);
    };
    const onFinished = ({ jobId }: { jobId: string }): void => {
      if (open.has(jobId)) void check(jobId).catch(() => {});
    };
    this.events.on('progress', onProgress);
    this.events.on('completed', onFinished);
    this.events.on('failed', onFinished);
    try {
      let cursor = 0;
      while (open.size > 0) {
        if (signal?.aborted) throw signal.reason;
        const pending = [...open];
        cursor = cursor % pending.length;
        const batch = pending.slice(cursor, cursor + POLL_BATCH);
        cursor += POLL_BATCH;
        try {
          await Promise.all(batch.map(check));
        } catch (err) {
          this.log(`queue: ${(err as Error).message}; retrying`);
        }
        if (open.size === 0) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, POLL_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    } finally {
      this.events.off('progress', onProgress);
      this.events.off('completed', onFinished);
      this.events.off('failed', onFinished);
    }
  }

  /**
   * Cancel a job: a waiting one is removed; a running one is stopped by its worker (every worker listens on the
   * cancel channel), and the cancel key stops it should it start later.
   */
  async cancel(id: string): Promise<void> {
    await this.connection.set(cancelKey(id), '1', 'EX', CANCEL_TTL_SECONDS);
    await this.connection.publish(CANCEL_CHANNEL, id);
    try {
      await this.queue.remove(id);
    } catch {
      // Locked by a worker: the published cancel stops it there.
    }
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    // BullMQ leaves connections it was given open.
    await quitQuietly(this.eventsConnection);
    await quitQuietly(this.connection);
  }
}

/** Close a connection; one that cannot say goodbye (Redis away) is dropped. */
export async function quitQuietly(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
