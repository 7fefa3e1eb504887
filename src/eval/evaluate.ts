/**
 * Evaluate a set of videos (a dataset directory or in-memory batch): per-clip metrics, the same metrics on fresh
 * true clips (the ground-truth floor; same scenario mix, same givenFrames), set metrics against those true clips,
 * and the report.
 */
import { UsageError } from '../errors.js';
import type { WorldConfig } from '../world/config.js';
import type { ClipInfo, Dataset, VideoBatch } from '../world/dataset/schema.js';
import { clipInfoFromTruth, generateTrueClips } from '../world/dataset/truth.js';
import { loadDataset } from '../world/dataset/load.js';
import { getScenario } from '../world/scenarios.js';
import { hashSeed } from '../world/rng.js';
import { Tracker, clipView } from './track.js';
import { metricsFromTrack, type ClipEvaluation } from './clip.js';
import { setMetrics, type SetMetrics } from './metrics/set.js';
import { buildReport, type EvalReport } from './report.js';

export const DEFAULT_REFERENCE_CLIPS = 2048;
export const DEFAULT_REFERENCE_SEED = 20260601;

export interface EvaluateOptions {
  /** Fresh true clips for the floor and the set metrics (default 2048; 0 skips both). */
  referenceClips?: number;
  referenceSeed?: number;
  /** Bootstrap resamples (default 1000). */
  resamples?: number;
}

export interface EvalResult {
  report: EvalReport;
  generated: ClipEvaluation[];
  reference: ClipEvaluation[];
}

/** Per-clip evaluation of every clip in a batch. */
export function evaluateBatch(videos: VideoBatch, clips: readonly ClipInfo[], world: WorldConfig): ClipEvaluation[] {
  if (clips.length !== videos.count) throw new UsageError(`${clips.length} clip entries for ${videos.count} videos`);
  if (videos.frames !== world.frames || videos.height !== world.height || videos.width !== world.width) {
    throw new UsageError(`videos are ${videos.width}x${videos.height}x${videos.frames} (WxHxF), the world is ${world.width}x${world.height}x${world.frames}`);
  }
  const per = 3 * videos.frames * videos.height * videos.width;
  if (videos.data.length !== videos.count * per) throw new UsageError(`video data holds ${videos.data.length} values, ${videos.count} clips need ${videos.count * per}`);
  for (const c of clips) getScenario(c.scenario);
  const tracker = Tracker.forWorld(world);
  const out: ClipEvaluation[] = [];
  for (let i = 0; i < videos.count; i++) {
    const track = tracker.track(clipView(videos.data, videos, i));
    out.push(metricsFromTrack(track, clips[i], world));
  }
  return out;
}

/** Fresh true clips matching a set's scenarios and givenFrames (clip j copies entry j mod N), evaluated. */
export function evaluateReference(clips: readonly ClipInfo[], world: WorldConfig, count: number, seed: number): ClipEvaluation[] {
  const out: ClipEvaluation[] = [];
  const chunk = 256;
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const infos: ClipInfo[] = [];
    const { videos } = generateTrueClipsFor(clips, world, start, n, seed, infos);
    out.push(...evaluateBatch(videos, infos, world));
  }
  return out;
}

function generateTrueClipsFor(
  clips: readonly ClipInfo[],
  world: WorldConfig,
  start: number,
  n: number,
  seed: number,
  infos: ClipInfo[],
): { videos: VideoBatch } {
  // one scenario per clip: reuse generateTrueClips with a per-clip scenario list of length 1
  const per = 3 * world.frames * world.height * world.width;
  const data = new Uint8Array(n * per);
  for (let k = 0; k < n; k++) {
    const j = start + k;
    const like = clips[j % clips.length];
    const { videos, truths } = generateTrueClips(1, hashSeed(seed, j), world, [like.scenario]);
    data.set(videos.data, k * per);
    infos.push(clipInfoFromTruth(truths[0], like.givenFrames));
  }
  return { videos: { data, count: n, frames: world.frames, height: world.height, width: world.width } };
}

/**
 * Two halves of reference clips that copy their conditions cyclically (clip j copies condition
 * j mod `period`): alternate whole cycles, so both halves have the same scenario mix even when the
 * period is even. With fewer than two whole cycles, alternate clips.
 */
export function referenceHalves<T>(items: readonly T[], period: number): [T[], T[]] {
  const p = Math.max(1, period);
  const byCycle = items.length >= 2 * p;
  const half = (parity: number): T[] => items.filter((_, i) => (byCycle ? Math.floor(i / p) : i) % 2 === parity);
  return [half(0), half(1)];
}

function features(evals: readonly ClipEvaluation[]): Float64Array[] {
  return evals.flatMap((e) => e.features);
}

function bounceCounts(evals: readonly ClipEvaluation[]): number[] {
  return evals.map((e) => e.metrics.bounces);
}

export function evaluateVideos(ds: Dataset, opts: EvaluateOptions = {}): EvalResult {
  if (ds.clips.length === 0) throw new UsageError('the dataset has no clips');
  const generated = evaluateBatch(ds.videos, ds.clips, ds.world);
  const refCount = opts.referenceClips ?? DEFAULT_REFERENCE_CLIPS;
  if (!Number.isInteger(refCount) || refCount < 0) throw new UsageError(`reference clip count must be a non-negative integer, got ${refCount}`);
  const reference = refCount > 0 ? evaluateReference(ds.clips, ds.world, refCount, opts.referenceSeed ?? DEFAULT_REFERENCE_SEED) : [];
  let set: SetMetrics | null = null;
  let setFloor: SetMetrics | null = null;
  if (reference.length > 0) {
    set = setMetrics(features(generated), features(reference), bounceCounts(generated), bounceCounts(reference));
    const [even, odd] = referenceHalves(reference, ds.clips.length);
    if (even.length > 0 && odd.length > 0) setFloor = setMetrics(features(odd), features(even), bounceCounts(odd), bounceCounts(even));
  }
  const report = buildReport(
    generated.map((e) => e.metrics),
    reference.map((e) => e.metrics),
    set,
    setFloor,
    { resamples: opts.resamples },
  );
  return { report, generated, reference };
}

/** Evaluate a dataset directory (see src/world/dataset/schema.ts for the format) or an in-memory dataset. */
export function evaluateDataset(source: string | Dataset, opts: EvaluateOptions = {}): EvalResult {
  return evaluateVideos(typeof source === 'string' ? loadDataset(source) : source, opts);
}
