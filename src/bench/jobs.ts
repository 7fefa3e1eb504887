// Benchmark jobs: one job = one (sampler configuration, task, sample index), or the extra candidates of
// best-of-N for one (task, index). Each finished job is one JSON file under DIR/cache, named by the
// configuration's hash and validated by a fingerprint of everything its result depends on.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClipMetrics } from '../eval/clip.js';
import { metricsFromTrack } from '../eval/clip.js';
import { Tracker, clipView } from '../eval/track.js';
import { writeFileAtomic } from '../io/atomic.js';
import { floatToUint8 } from '../io/gif.js';
import type { CardModel } from '../models/card-loader.js';
import type { SamplerConfig } from '../pipeline/config.js';
import { generateVideo } from '../pipeline/generate.js';
import { plannedNfe } from '../pipeline/run.js';
import type { StepObserver } from '../core/sample.js';
import { PALETTE, type WorldConfig } from '../world/config.js';
import { hashSeed } from '../world/rng.js';
import type { TaskCondition, TaskSpec } from './tasks.js';
import { meanBackground, perFrameScore } from './verifiers.js';

export const CACHE_FORMAT = 'selfrefine-bench-job/1';
/** Samples 0…GRID_SAMPLES−1 of every task keep their video (GIF grid); sample 0 of refining methods keeps its masks. */
export const GRID_SAMPLES = 4;
export const MASK_SAMPLES = 1;

/** One evaluated clip. Numbers are exact; non-finite values survive the JSON round trip. */
export interface ClipRecord {
  readonly seed: number;
  readonly nfe: number;
  readonly nfeSaved: number;
  readonly metrics: ClipMetrics;
  /** Per-ball trajectory features for the set metrics. */
  readonly features: number[][];
  /** The per-frame verifier's score. */
  readonly perFrame: number;
  /** Mean background colour (RGB 0–255). */
  readonly bg: [number, number, number];
  /** uint8 [3, F, H, W], base64 (grid samples only). */
  readonly video?: string;
  readonly masks?: readonly MaskEntry[];
  /** Timing (not part of the deterministic results). */
  readonly wallMs: number;
}

export interface MaskEntry {
  readonly step: number;
  readonly sigma: number;
  readonly uncertainFraction: number;
  /** [F, h, w] uint8 (1 = certain), base64. */
  readonly certain: string;
  /** Decoded x̂0, uint8 [3, F, H, W], base64. */
  readonly x0: string;
}

export interface JobRecord {
  readonly format: string;
  readonly key: string;
  readonly task: string;
  readonly index: number;
  readonly configId: string;
  readonly kind: JobKind;
  readonly clips: readonly ClipRecord[];
}

export type JobKind = 'sample' | 'draws';

export interface BenchJob {
  readonly key: string;
  /** Path under DIR/cache. */
  readonly file: string;
  readonly kind: JobKind;
  readonly task: TaskSpec;
  readonly index: number;
  readonly condition: TaskCondition;
  readonly config: SamplerConfig;
  readonly configId: string;
  /** 'draws': the extra candidates' seeds. */
  readonly seeds: readonly number[];
  readonly keepVideo: boolean;
  readonly recordMasks: boolean;
  readonly plannedNfe: number;
}

/** JSON with sorted keys (for hashes). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function shortHash(text: string, length = 12): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Id of a sampler configuration (the cache folder of its jobs). */
export function configId(config: SamplerConfig): string {
  return `c${shortHash(canonicalJson(config), 10)}`;
}

/** Seeds of the extra best-of-N candidates 1…n−1 of a sample (candidate 0 is the sample's own seed). */
export function candidateSeeds(seed: number, n: number): number[] {
  return Array.from({ length: n - 1 }, (_, k) => hashSeed(seed, 0xb0, k + 1));
}

export interface JobSpec {
  readonly kind: JobKind;
  readonly task: TaskSpec;
  readonly index: number;
  /** Position of the sample in its run (default: index): the run's first samples keep their video and masks. */
  readonly rank?: number;
  readonly condition: TaskCondition;
  readonly config: SamplerConfig;
  /** Best-of-N size (draws jobs). */
  readonly n?: number;
  /** Identity of the model (card name and ONNX sha256). */
  readonly model: string;
  readonly refining: boolean;
}

export function makeJob(spec: JobSpec): BenchJob {
  const cid = configId(spec.config);
  const seeds = spec.kind === 'draws' ? candidateSeeds(spec.condition.seed, spec.n ?? 1) : [spec.condition.seed];
  const rank = spec.rank ?? spec.index;
  const keepVideo = rank < GRID_SAMPLES;
  const recordMasks = spec.kind === 'sample' && spec.refining && rank < MASK_SAMPLES;
  const fingerprint = {
    format: CACHE_FORMAT,
    model: spec.model,
    kind: spec.kind,
    config: spec.config,
    task: spec.task,
    index: spec.index,
    scenario: spec.condition.scenario,
    seeds,
    truthSeed: spec.condition.info.seed ?? null,
    keepVideo,
    recordMasks,
  };
  const key = shortHash(canonicalJson(fingerprint), 32);
  const folder = spec.kind === 'draws' ? `${cid}-draws` : cid;
  return {
    key,
    file: join(spec.task.id, folder, `${String(spec.index).padStart(5, '0')}.json`),
    kind: spec.kind,
    task: spec.task,
    index: spec.index,
    condition: spec.condition,
    config: spec.config,
    configId: cid,
    seeds,
    keepVideo,
    recordMasks,
    plannedNfe: plannedNfe(spec.config) * seeds.length,
  };
}

// ---------- JSON with non-finite numbers ----------

const NON_FINITE = '__nf:';

/** JSON in which ±Infinity and NaN survive the round trip (metrics, τ = ∞); decodeJson reads it back. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `${NON_FINITE}${String(v)}` : v));
}

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => (typeof v === 'string' && v.startsWith(NON_FINITE) ? Number(v.slice(NON_FINITE.length)) : v));
}

export function encodeRecord(record: JobRecord): string {
  return encodeJson(record);
}

export function decodeRecord(text: string): JobRecord {
  return decodeJson(text) as JobRecord;
}

/** The cached record of a job, or null when missing, unreadable or made for a different fingerprint. */
export function readCached(cacheDir: string, job: BenchJob): JobRecord | null {
  const path = join(cacheDir, job.file);
  if (!existsSync(path)) return null;
  try {
    const rec = decodeRecord(readFileSync(path, 'utf8'));
    return rec.format === CACHE_FORMAT && rec.key === job.key && Array.isArray(rec.clips) && rec.clips.length === job.seeds.length ? rec : null;
  } catch {
    return null;
  }
}

/** Write a record atomically and return it as read back (so fresh and cached results are identical). */
export function writeRecord(cacheDir: string, job: BenchJob, record: JobRecord): JobRecord {
  const text = encodeRecord(record);
  writeFileAtomic(join(cacheDir, job.file), text);
  return decodeRecord(text);
}

// ---------- running ----------

const b64 = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
export const fromB64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

/** Evaluates generated clips (one tracker per lane). */
export class ClipJudge {
  private readonly tracker: Tracker;
  private readonly palette = PALETTE.map((c) => c.rgb);

  constructor(private readonly world: WorldConfig) {
    this.tracker = Tracker.forWorld(world);
  }

  judge(video: Uint8Array, condition: TaskCondition): Pick<ClipRecord, 'metrics' | 'features' | 'perFrame' | 'bg'> {
    const w = this.world;
    const track = this.tracker.track(clipView(video, w));
    const perFrame = perFrameScore(track, condition.scenario, w, this.palette);
    const bg = meanBackground(track);
    const ev = metricsFromTrack(track, condition.info, w);
    return { metrics: ev.metrics, features: ev.features.map((f) => Array.from(f)), perFrame, bg };
  }
}

/** Run one job on a model; `observer` sees each candidate's steps with the NFE already spent by the job. */
export async function runJob(model: CardModel, job: BenchJob, judge: ClipJudge, observe?: (nfeSoFar: number) => void, signal?: AbortSignal): Promise<JobRecord> {
  const clips: ClipRecord[] = [];
  let spent = 0;
  for (const seed of job.seeds) {
    const t0 = performance.now();
    const offset = spent;
    const observer: StepObserver = (r) => observe?.(offset + r.nfe);
    const video = await generateVideo(model, {
      scenario: job.condition.scenario,
      config: job.config,
      seed,
      given: job.condition.given,
      observer,
      recordMasks: job.recordMasks,
      signal,
    });
    // Judge the 8-bit video, as `selfrefine generate --count` + `selfrefine eval` would.
    const u8 = floatToUint8(video.pixels);
    const judged = judge.judge(u8, job.condition);
    const masks = job.recordMasks
      ? video.masks.map((m) => ({ step: m.step, sigma: m.sigma, uncertainFraction: m.uncertainFraction, certain: b64(m.certain), x0: b64(floatToUint8(m.x0Pixels)) }))
      : undefined;
    spent += video.nfe;
    clips.push({
      seed,
      nfe: video.nfe,
      nfeSaved: video.nfeSaved,
      ...judged,
      video: job.keepVideo ? b64(u8) : undefined,
      masks,
      wallMs: Math.round(performance.now() - t0),
    });
  }
  return { format: CACHE_FORMAT, key: job.key, task: job.task.id, index: job.index, configId: job.configId, kind: job.kind, clips };
}
