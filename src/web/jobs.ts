// A first-in, first-out queue of generation jobs for the web app. A runner executes them: in-process, one model
// serves every job, so jobs run one at a time (the model's forward passes run in its worker thread, so the server
// keeps answering while a job samples); `serve --redis` hands them to queue workers instead (src/queue/web.ts).
// A failure is the job's state, never the status of the request that submitted it.
import { CancelledError, SelfRefineError, UsageError } from '../errors.js';
import type { SamplerConfig } from '../pipeline/config.js';
import { plannedNfe } from '../pipeline/run.js';
import { errorMessage, HttpError, httpStatusOf } from './http.js';
import type { JobRequest, JobResult, JobRunner, WebModel } from './model.js';

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly nfe: number;
  readonly plannedNfe: number;
  readonly elapsedSeconds: number;
  /** Remaining seconds at the rate so far (NFE per second); null before the first step. */
  readonly etaSeconds: number | null;
  /** Refined steps: fraction of positions still uncertain; null on plain steps. */
  readonly uncertainFraction: number | null;
}

export interface JobStatus {
  readonly id: string;
  readonly state: JobState;
  readonly prompt: string;
  readonly seed: number;
  readonly refine: SamplerConfig['refine']['mode'];
  /** Jobs ahead of this one (0 when running or finished). */
  readonly position: number;
  readonly progress: JobProgress | null;
  readonly result: { readonly nfe: number; readonly nfeSaved: number; readonly seconds: number; readonly hasMask: boolean; readonly hasLatent: boolean } | null;
  readonly error: string | null;
}

export type JobEvent = { readonly type: 'progress' | 'state'; readonly status: JobStatus };
type Listener = (event: JobEvent) => void;

interface WebJob {
  readonly id: string;
  readonly request: JobRequest;
  state: JobState;
  progress: JobProgress | null;
  result: JobResult | null;
  /**
   * The live preview: x̂0 of the latest step, copied by the step observer; encoded to a GIF only when asked for
   * (encoding in the observer would add its cost to every step of the sampling loop). A remote runner sends GIFs.
   */
  preview: { latent: Float32Array | null; nfe: number; gif: Uint8Array | null; gifNfe: number } | null;
  error: string | null;
  /** For a failed job: the HTTP status its files answer with (failureStatusOf). */
  failureStatus: number;
  /** Who asked (the client's address), for the per-client limit. */
  readonly client: string;
  readonly abort: AbortController;
  readonly listeners: Set<Listener>;
}

export interface JobQueueOptions {
  /** Finished jobs kept for download; the oldest are dropped first. */
  readonly keepFinished?: number;
  /** Jobs waiting at once; more are refused. */
  readonly maxQueued?: number;
  /** Jobs one client may have waiting or running at once; more are refused. */
  readonly maxPerClient?: number;
  /** A job running longer is stopped and fails. */
  readonly timeLimitSeconds?: number;
  /** Pixel upscaling of the GIFs. */
  readonly scale?: number;
  readonly fps?: number;
  /** Runs the jobs (default: in this process, on the queue's model). */
  readonly runner?: JobRunner;
}

/** Refused because too many jobs are waiting (HTTP 429: try again later). */
export class QueueFullError extends HttpError {
  constructor(message: string) {
    super(429, message);
  }
}

const TERMINAL: ReadonlySet<JobState> = new Set(['done', 'failed', 'cancelled']);

/** A job in this state will not change again. */
export function isFinished(state: JobState): boolean {
  return TERMINAL.has(state);
}

export class JobQueue {
  private readonly jobs = new Map<string, WebJob>();
  private readonly waiting: WebJob[] = [];
  private readonly running = new Set<WebJob>();
  private nextId = 1;
  private readonly keepFinished: number;
  private readonly maxQueued: number;
  private readonly maxPerClient: number;
  private readonly timeLimitMs: number;
  private readonly fps: number;
  private readonly runner: JobRunner;
  private readonly idle = new Set<Promise<void>>();

  constructor(
    private readonly model: WebModel,
    options: JobQueueOptions = {},
  ) {
    this.keepFinished = options.keepFinished ?? 32;
    this.maxQueued = options.maxQueued ?? 16;
    this.maxPerClient = options.maxPerClient ?? 4;
    this.timeLimitMs = 1000 * (options.timeLimitSeconds ?? 600);
    this.fps = options.fps ?? 8;
    this.runner = options.runner ?? model.runner(options.scale ?? 8, this.fps);
  }

  /** Queue a job for `client` (its address); QueueFullError when the queue or the client's share of it is full. */
  submit(request: JobRequest, client = 'local'): JobStatus {
    if (this.waiting.length >= this.maxQueued) throw new QueueFullError(`${this.waiting.length} jobs are already waiting; try again when one has finished`);
    const mine = [...this.jobs.values()].filter((j) => j.client === client && !isFinished(j.state)).length;
    if (mine >= this.maxPerClient) throw new QueueFullError(`you have ${mine} jobs waiting or running (at most ${this.maxPerClient}); wait for one to finish or cancel one`);
    const job: WebJob = {
      id: `j${this.nextId++}`,
      request,
      state: 'queued',
      progress: null,
      result: null,
      preview: null,
      error: null,
      failureStatus: 500,
      client,
      abort: new AbortController(),
      listeners: new Set(),
    };
    this.jobs.set(job.id, job);
    this.waiting.push(job);
    this.pump();
    return this.status(job);
  }

  /** Every job still kept, oldest first. */
  list(): JobStatus[] {
    return [...this.jobs.values()].map((j) => this.status(j));
  }

  get(id: string): JobStatus | undefined {
    const job = this.jobs.get(id);
    return job && this.status(job);
  }

  result(id: string): JobResult | null {
    return this.jobs.get(id)?.result ?? null;
  }

  /** The HTTP status of a failed job's failure (422, 500 or 503); undefined for other jobs. */
  failureStatus(id: string): number | undefined {
    const job = this.jobs.get(id);
    return job?.state === 'failed' ? job.failureStatus : undefined;
  }

  /** The finished GIF, or while running a small GIF of the latest x̂0 (null before the first step). */
  preview(id: string): Uint8Array | null {
    const job = this.jobs.get(id);
    if (job === undefined) return null;
    if (job.result !== null) return job.result.gif;
    const p = job.preview;
    if (p === null) return null;
    if (p.latent !== null && (p.gif === null || p.gifNfe !== p.nfe)) {
      p.gif = this.model.previewGif(p.latent, job.request, this.fps);
      p.gifNfe = p.nfe;
    }
    return p.gif;
  }

  /** Cancel a queued or running job; false when it is unknown or already finished. */
  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    if (job === undefined || isFinished(job.state)) return false;
    if (job.state === 'queued') {
      this.waiting.splice(this.waiting.indexOf(job), 1);
      this.finish(job, 'cancelled');
    } else {
      job.abort.abort(new CancelledError('cancelled'));
    }
    return true;
  }

  /** Listen to a job's events until it ends; returns the unsubscribe function (undefined for an unknown job). */
  subscribe(id: string, listener: Listener): (() => void) | undefined {
    const job = this.jobs.get(id);
    if (job === undefined) return undefined;
    job.listeners.add(listener);
    return () => job.listeners.delete(listener);
  }

  /** Resolves once no job is running or waiting. */
  async drain(): Promise<void> {
    while (this.running.size > 0 || this.waiting.length > 0) await Promise.race(this.idle);
  }

  /** Cancel everything, wait for the running jobs to stop, and close the runner. */
  async close(): Promise<void> {
    for (const job of [...this.waiting]) this.cancel(job.id);
    for (const job of [...this.running]) this.cancel(job.id);
    await this.drain();
    await this.runner.close();
  }

  private status(job: WebJob): JobStatus {
    const r = job.result;
    return {
      id: job.id,
      state: job.state,
      prompt: job.request.prompt,
      seed: job.request.seed,
      refine: job.request.config.refine.mode,
      position: job.state === 'queued' ? this.waiting.indexOf(job) + this.running.size : 0,
      progress: job.progress,
      result: r && { nfe: r.nfe, nfeSaved: r.nfeSaved, seconds: r.seconds, hasMask: r.maskPng !== null, hasLatent: r.latent !== null },
      error: job.error,
    };
  }

  private emit(job: WebJob, type: JobEvent['type']): void {
    const event: JobEvent = { type, status: this.status(job) };
    for (const l of job.listeners) l(event);
  }

  private finish(job: WebJob, state: JobState, error: string | null = null): void {
    job.state = state;
    job.error = error;
    job.preview = null;
    this.emit(job, 'state');
    job.listeners.clear();
    const finished = [...this.jobs.values()].filter((j) => isFinished(j.state));
    for (const old of finished.slice(0, Math.max(0, finished.length - this.keepFinished))) this.jobs.delete(old.id);
  }

  private pump(): void {
    while (this.running.size < this.runner.parallel) {
      const job = this.waiting.shift();
      if (job === undefined) return;
      this.running.add(job);
      for (const w of this.waiting) this.emit(w, 'state');
      const done: Promise<void> = this.run(job).finally(() => {
        this.running.delete(job);
        this.idle.delete(done);
        this.pump();
      });
      this.idle.add(done);
    }
  }

  private async run(job: WebJob): Promise<void> {
    const planned = plannedNfe(job.request.config);
    job.state = 'running';
    this.emit(job, 'state');
    const t0 = performance.now();
    const timer = setTimeout(() => job.abort.abort(new JobTimeLimitError(`the job ran over the time limit of ${this.timeLimitMs / 1000} s`)), this.timeLimitMs);
    try {
      job.result = await this.runner.run(job.request, job.abort.signal, (r, preview) => {
        const elapsed = (performance.now() - t0) / 1000;
        const rate = r.nfe > 0 ? elapsed / r.nfe : NaN;
        job.progress = { ...r, plannedNfe: planned, elapsedSeconds: elapsed, etaSeconds: Number.isFinite(rate) ? Math.max(0, planned - r.nfe) * rate : null };
        if (preview !== null) {
          job.preview ??= { latent: null, nfe: 0, gif: null, gifNfe: -1 };
          if ('gif' in preview) {
            job.preview.gif = preview.gif;
            job.preview.gifNfe = r.nfe;
          } else if (job.preview.latent === null) {
            job.preview.latent = Float32Array.from(preview.latent);
          } else {
            job.preview.latent.set(preview.latent);
          }
          job.preview.nfe = r.nfe;
        }
        this.emit(job, 'progress');
      });
      this.finish(job, 'done');
    } catch (err) {
      const reason: unknown = job.abort.signal.reason;
      if (reason instanceof JobTimeLimitError) this.finish(job, 'failed', reason.message);
      else if (job.abort.signal.aborted || err instanceof CancelledError) this.finish(job, 'cancelled');
      else {
        job.failureStatus = failureStatusOf(err);
        this.finish(job, 'failed', errorMessage(err));
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The status a failed job's files answer with: 422 when its own input proved unusable only while it ran (a prompt
 * over the text encoder's length, a size the graph was not exported for), else the failure's 5xx (503 for a tool).
 */
function failureStatusOf(err: unknown): number {
  return err instanceof UsageError ? 422 : Math.max(500, httpStatusOf(err));
}

/** A job stopped because it ran too long. */
class JobTimeLimitError extends SelfRefineError {}
