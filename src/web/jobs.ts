// A first-in, first-out queue of generation jobs for the web app. One model serves every job, so jobs
// run one at a time; the model's forward passes run in its worker thread, so the server keeps answering
// while a job samples.
import { SelfRefineError } from '../errors.js';
import { gifBytes, maskPicture, videoFromPixels } from '../io/video.js';
import type { ShippedModel } from '../models/shipped.js';
import type { SamplerConfig } from '../pipeline/config.js';
import { generateVideo, type GeneratedVideo } from '../pipeline/generate.js';
import { plannedNfe } from '../pipeline/run.js';

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobRequest {
  readonly scenario: string;
  readonly prompt: string;
  readonly seed: number;
  readonly config: SamplerConfig;
}

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

export interface JobResult {
  readonly gif: Uint8Array;
  /** The uncertainty mask at each refined step over the frames; null when nothing was refined. */
  readonly maskPng: Uint8Array | null;
  readonly nfe: number;
  readonly nfeSaved: number;
  readonly seconds: number;
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
  readonly result: { readonly nfe: number; readonly nfeSaved: number; readonly seconds: number; readonly hasMask: boolean } | null;
  readonly error: string | null;
}

export type JobEvent = { readonly type: 'progress' | 'state'; readonly status: JobStatus };
type Listener = (event: JobEvent) => void;

interface Job {
  readonly id: string;
  readonly request: JobRequest;
  state: JobState;
  progress: JobProgress | null;
  result: JobResult | null;
  /**
   * The live preview: x̂0 of the latest step, copied by the step observer; encoded to a GIF only when asked for
   * (encoding in the observer would add its cost to every step of the sampling loop).
   */
  preview: { readonly latent: Float32Array; nfe: number; gif: Uint8Array | null; gifNfe: number } | null;
  error: string | null;
  readonly abort: AbortController;
  readonly listeners: Set<Listener>;
}

export interface JobQueueOptions {
  /** Finished jobs kept for download; the oldest are dropped first. */
  readonly keepFinished?: number;
  /** Jobs waiting at once; more are refused. */
  readonly maxQueued?: number;
  /** Pixel upscaling of the GIFs. */
  readonly scale?: number;
  readonly fps?: number;
}

/** Refused because too many jobs are waiting. */
export class QueueFullError extends SelfRefineError {}

/** Previews are GIFs at the model's own frame size; the page scales them up (pixelated). */
const PREVIEW_SCALE = 1;

const TERMINAL: ReadonlySet<JobState> = new Set(['done', 'failed', 'cancelled']);

/** A job in this state will not change again. */
export function isFinished(state: JobState): boolean {
  return TERMINAL.has(state);
}

/** A finished generation as the web app serves it: the GIF, and the mask picture when a step was refined. */
export function renderResult(model: ShippedModel, video: GeneratedVideo, scale: number, fps: number, seconds: number): JobResult {
  const { frames: F, height: H, width: W } = model;
  const [, , h, w] = model.network.shape;
  const rows = video.masks.map((m) => ({ step: m.step, uncertainFraction: m.uncertainFraction, certain: m.certain, x0: videoFromPixels(m.x0Pixels, F, H, W) }));
  return {
    gif: gifBytes(videoFromPixels(video.pixels, F, H, W), scale, fps),
    maskPng: rows.length > 0 ? maskPicture(rows, h, w, Math.max(1, Math.round(scale / 2))) : null,
    nfe: video.nfe,
    nfeSaved: video.nfeSaved,
    seconds,
  };
}

/** A GIF of a latent x̂0 at the model's own frame size (the page scales it up, pixelated). */
export function previewGif(model: ShippedModel, latent: Float32Array, fps: number): Uint8Array {
  const [, F, h, w] = model.network.shape;
  return gifBytes(videoFromPixels(model.vae.decode(latent, F, h, w), F, model.height, model.width), PREVIEW_SCALE, fps);
}

export class JobQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private running: Job | null = null;
  private nextId = 1;
  private readonly keepFinished: number;
  private readonly maxQueued: number;
  private readonly scale: number;
  private readonly fps: number;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly model: ShippedModel,
    options: JobQueueOptions = {},
  ) {
    this.keepFinished = options.keepFinished ?? 32;
    this.maxQueued = options.maxQueued ?? 16;
    this.scale = options.scale ?? 8;
    this.fps = options.fps ?? 8;
  }

  submit(request: JobRequest): JobStatus {
    if (this.waiting.length >= this.maxQueued) throw new QueueFullError(`${this.waiting.length} jobs are already waiting; try again when one has finished`);
    const job: Job = {
      id: `j${this.nextId++}`,
      request,
      state: 'queued',
      progress: null,
      result: null,
      preview: null,
      error: null,
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

  /** The finished GIF, or while running a small GIF of the latest x̂0 (null before the first step). */
  preview(id: string): Uint8Array | null {
    const job = this.jobs.get(id);
    if (job === undefined) return null;
    if (job.result !== null) return job.result.gif;
    const p = job.preview;
    if (p === null) return null;
    if (p.gif === null || p.gifNfe !== p.nfe) {
      p.gif = previewGif(this.model, p.latent, this.fps);
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
      job.abort.abort();
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
    while (this.running !== null || this.waiting.length > 0) await this.idle;
  }

  /** Cancel everything and wait for the running job to stop. */
  async close(): Promise<void> {
    for (const job of [...this.waiting]) this.cancel(job.id);
    if (this.running !== null) this.cancel(this.running.id);
    await this.drain();
  }

  private status(job: Job): JobStatus {
    const r = job.result;
    return {
      id: job.id,
      state: job.state,
      prompt: job.request.prompt,
      seed: job.request.seed,
      refine: job.request.config.refine.mode,
      position: job.state === 'queued' ? this.waiting.indexOf(job) + (this.running !== null ? 1 : 0) : 0,
      progress: job.progress,
      result: r && { nfe: r.nfe, nfeSaved: r.nfeSaved, seconds: r.seconds, hasMask: r.maskPng !== null },
      error: job.error,
    };
  }

  private emit(job: Job, type: JobEvent['type']): void {
    const event: JobEvent = { type, status: this.status(job) };
    for (const l of job.listeners) l(event);
  }

  private finish(job: Job, state: JobState, error: string | null = null): void {
    job.state = state;
    job.error = error;
    job.preview = null;
    this.emit(job, 'state');
    job.listeners.clear();
    const finished = [...this.jobs.values()].filter((j) => isFinished(j.state));
    for (const old of finished.slice(0, Math.max(0, finished.length - this.keepFinished))) this.jobs.delete(old.id);
  }

  private pump(): void {
    if (this.running !== null) return;
    const job = this.waiting.shift();
    if (job === undefined) return;
    this.running = job;
    for (const w of this.waiting) this.emit(w, 'state');
    this.idle = this.run(job).finally(() => {
      this.running = null;
      this.pump();
    });
  }

  private async run(job: Job): Promise<void> {
    const { model } = this;
    const { config, scenario, seed } = job.request;
    const planned = plannedNfe(config);
    job.state = 'running';
    this.emit(job, 'state');
    const t0 = performance.now();
    try {
      const video = await generateVideo(model, {
        scenario,
        config,
        seed,
        recordMasks: config.refine.mode !== 'none',
        signal: job.abort.signal,
        observer: (r) => {
          const elapsed = (performance.now() - t0) / 1000;
          const rate = r.nfe > 0 ? elapsed / r.nfe : NaN;
          job.progress = {
            step: r.step + 1,
            totalSteps: r.totalSteps,
            nfe: r.nfe,
            plannedNfe: planned,
            elapsedSeconds: elapsed,
            etaSeconds: Number.isFinite(rate) ? Math.max(0, planned - r.nfe) * rate : null,
            uncertainFraction: r.uncertainFraction,
          };
          if (job.preview === null) job.preview = { latent: new Float32Array(r.x0.length), nfe: 0, gif: null, gifNfe: -1 };
          job.preview.latent.set(r.x0);
          job.preview.nfe = r.nfe;
          this.emit(job, 'progress');
        },
      });
      job.result = renderResult(model, video, this.scale, this.fps, (performance.now() - t0) / 1000);
      this.finish(job, 'done');
    } catch (err) {
      if (job.abort.signal.aborted) this.finish(job, 'cancelled');
      else this.finish(job, 'failed', err instanceof SelfRefineError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
