// What travels through the queue: a job's data (what to compute, with which weights) and its result. Both are
// JSON strings in which ±Infinity and NaN survive (τ = ∞ in a sampler configuration, NaN in metrics).
import { canonicalJson, decodeJson, encodeJson, shortHash, type BenchJob, type JobKind } from '../bench/jobs.js';
import type { SamplerConfig } from '../pipeline/config.js';

/** One clip of `generate --count`: its pixels depend only on these fields. */
export interface ClipJobData {
  readonly kind: 'clip';
  readonly weights: string;
  readonly scenario: string;
  readonly seed: number;
  readonly config: SamplerConfig;
  /** Image-to-video: the given frames' pixels (float32 [3, N, H, W], base64). */
  readonly given?: { readonly pixels: string; readonly frames: number };
}

/** One benchmark job: src/bench/jobs.ts's Job with its task by id; the worker rebuilds the condition. */
export type BenchJobData = Omit<BenchJob, 'kind' | 'task' | 'condition'> & {
  readonly kind: 'bench';
  readonly weights: string;
  readonly jobKind: JobKind;
  readonly task: string;
};

/** One generation of the web app. */
export interface WebJobData {
  readonly kind: 'web';
  readonly weights: string;
  readonly scenario: string;
  readonly seed: number;
  readonly config: SamplerConfig;
  readonly scale: number;
  readonly fps: number;
}

export type QueueJobData = ClipJobData | BenchJobData | WebJobData;

/** A clip's result: the uint8 video [3, F, H, W], base64 in Redis or a file in the worker's --store. */
export interface ClipResult {
  readonly video?: string;
  readonly videoFile?: string;
  readonly nfe: number;
  readonly nfeSaved: number;
}

/** The web app's result: the GIF and the mask picture (base64). */
export interface WebResult {
  readonly gif: string;
  readonly maskPng: string | null;
  readonly nfe: number;
  readonly nfeSaved: number;
  readonly seconds: number;
}

/** What a worker reports while a job runs (BullMQ's job progress). */
export interface QueueProgress {
  readonly nfe: number;
  readonly step: number;
  readonly totalSteps: number;
  readonly uncertainFraction: number | null;
  /** A GIF of the latest x̂0 (base64), sent at most about once a second. */
  readonly preview?: string;
}

/** BullMQ stores a job's data as this object; the payload is encodeJson's text. */
export interface Envelope {
  readonly payload: string;
}

export function wrap(data: QueueJobData): Envelope {
  return { payload: encodeJson(data) };
}

export function unwrap(envelope: Envelope): QueueJobData {
  return decodeJson(envelope.payload) as QueueJobData;
}

export const encodeResult = (result: unknown): string => encodeJson(result);
export const decodeResult = <T>(text: string): T => decodeJson(text) as T;

export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
export const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** The job id of a clip: a hash of everything its pixels depend on, so resubmitting it never computes it twice. */
export function clipJobId(data: ClipJobData): string {
  return `clip-${shortHash(canonicalJson(data), 32)}`;
}

/** The job id of a benchmark job: its cache key (a hash of method settings, task, index, seeds and weights). */
export function benchJobId(data: BenchJobData): string {
  return `bench-${data.key}`;
}
