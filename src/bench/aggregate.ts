// From job records to the benchmark's numbers: per (task, method) cell, every column with a bootstrap
// 95 % interval, set metrics against fresh true clips, paired comparisons with the default sampler.
// Everything here is deterministic; wall times are kept apart (timing).
import { bestOfN } from '../core/baselines.js';
import type { ClipEvaluation, ClipMetrics } from '../eval/clip.js';
import { setMetrics, type SetMetrics } from '../eval/metrics/set.js';
import { referenceHalves } from '../eval/evaluate.js';
import { bootstrapMean, type Interval } from '../eval/stats.js';
import { countReasons, mismatchReasons } from '../eval/report.js';
import type { ClipRecord, JobRecord } from './jobs.js';
import { DEFAULT_METHOD, type MethodSpec } from './methods.js';
import type { TaskSpec } from './tasks.js';
import { compareClips, oracleScore } from './verifiers.js';

export interface Column {
  readonly key: string;
  readonly label: string;
  /** Which direction is better (for the reader; the table marks nothing). */
  readonly better: 'higher' | 'lower' | 'neither';
  readonly get: (c: ClipRecord, paired: ClipRecord) => number;
}

const b = (v: boolean): number => (v ? 1 : 0);
const rgbDistance = (a: readonly number[], c: readonly number[]): number => Math.hypot(a[0] - c[0], a[1] - c[1], a[2] - c[2]);

/** The per-clip columns. `paired` is the default sampler's clip of the same seed and condition. */
export const COLUMNS: readonly Column[] = [
  { key: 'validity', label: 'validity', better: 'higher', get: (c) => b(c.metrics.valid) },
  { key: 'violationRate', label: 'physics-violation rate', better: 'lower', get: (c) => b(c.metrics.violation) },
  { key: 'lawResidualPx', label: 'law residual (px)', better: 'lower', get: (c) => c.metrics.lawResidualPx },
  { key: 'scenarioMatch', label: 'scenario match', better: 'higher', get: (c) => b(c.metrics.scenarioMatch) },
  { key: 'trajectoryErrorPx', label: 'trajectory error (px)', better: 'lower', get: (c) => c.metrics.trajectoryErrorPx },
  { key: 'flicker', label: 'flicker score', better: 'higher', get: (c) => c.metrics.flicker },
  { key: 'motionSmoothness', label: 'motion smoothness', better: 'higher', get: (c) => c.metrics.motionSmoothness },
  { key: 'dynamicDegree', label: 'dynamic degree', better: 'higher', get: (c) => c.metrics.dynamicDegree },
  { key: 'bgDrift', label: 'background drift within clip (RGB)', better: 'lower', get: (c) => c.metrics.bgDrift },
  { key: 'bgShift', label: 'background colour vs default (RGB)', better: 'lower', get: (c, d) => rgbDistance(c.bg, d.bg) },
  { key: 'perFrame', label: 'per-frame verifier score', better: 'higher', get: (c) => c.perFrame },
];

/** Columns whose paired difference (method − default) is reported with an interval. */
export const DIFF_COLUMNS = ['validity', 'violationRate', 'lawResidualPx', 'scenarioMatch', 'trajectoryErrorPx', 'flicker', 'motionSmoothness', 'dynamicDegree'] as const;

/** Columns measured on true clips too (the floor). */
const FLOOR_COLUMNS = new Set(['validity', 'violationRate', 'lawResidualPx', 'scenarioMatch', 'trajectoryErrorPx', 'flicker', 'motionSmoothness', 'dynamicDegree', 'bgDrift']);

export interface SetSummary {
  readonly frechet: Interval;
  readonly precision: number;
  readonly recall: number;
  readonly bounceHistogramTV: number;
  readonly tracks: number;
}

export interface CellResult {
  readonly n: number;
  /** Mean NFE per sample (best-of-N: all candidates). */
  readonly nfe: number;
  readonly nfeSaved: number;
  readonly metrics: Record<string, Interval>;
  readonly set: SetSummary | null;
  readonly vsDefault: {
    readonly wins: number;
    readonly ties: number;
    readonly losses: number;
    readonly winRate: Interval;
    readonly diff: Record<string, Interval>;
  };
  readonly invalidReasons: Record<string, number>;
  readonly violationReasons: Record<string, number>;
  readonly mismatchReasons: Record<string, number>;
}

export interface ReferenceResult {
  readonly n: number;
  readonly metrics: Record<string, Interval>;
  /** One half of the true clips against the other half. */
  readonly setFloor: SetSummary | null;
}

/** Clips of one method on one task, in sample order. */
export type MethodClips = Map<string, ClipRecord[]>;

export interface TaskClips {
  readonly task: TaskSpec;
  readonly byMethod: MethodClips;
}

/**
 * The clip each method produced for every sample of a task. Plain methods read their job's record;
 * best-of-N picks among [the default's clip, the extra draws] with `bestOfN` and the method's verifier.
 */
export async function methodClips(
  task: TaskSpec,
  methods: readonly MethodSpec[],
  samples: number,
  recordOf: (method: MethodSpec, index: number, kind: 'sample' | 'draws') => JobRecord,
): Promise<MethodClips> {
  const out: MethodClips = new Map();
  const i2v = task.givenFrames > 0;
  const def = methods.find((m) => m.id === DEFAULT_METHOD);
  if (def === undefined) throw new Error('the default method is missing');
  for (const m of methods) {
    const list: ClipRecord[] = [];
    for (let i = 0; i < samples; i++) {
      if (m.bestOf === undefined) {
        list.push(recordOf(m, i, 'sample').clips[0]);
        continue;
      }
      const candidates = [recordOf(def, i, 'sample').clips[0], ...recordOf(m, i, 'draws').clips].slice(0, m.bestOf.n);
      const verifier = m.bestOf.verifier;
      const best = await bestOfN(
        candidates.length,
        async (k) => ({ x: new Float32Array(0), nfe: candidates[k].nfe, nfeSaved: candidates[k].nfeSaved, refinedSteps: 0, innerIterations: 0 }),
        (_x, k) => (verifier === 'oracle' ? oracleScore(candidates[k].metrics, i2v) : candidates[k].perFrame),
      );
      const chosen = candidates[best.bestIndex];
      list.push({
        ...chosen,
        nfe: best.nfe,
        nfeSaved: candidates.reduce((a, c) => a + c.nfeSaved, 0),
        wallMs: candidates.reduce((a, c) => a + c.wallMs, 0),
      });
    }
    out.set(m.id, list);
  }
  return out;
}


const toFeatures = (clips: readonly { features: readonly (readonly number[])[] }[]): Float64Array[] => clips.flatMap((c) => c.features.map((f) => Float64Array.from(f)));

export interface AggregateOptions {
  readonly resamples: number;
}

/** Seeds of the bootstrap: fixed per column, so every cell's intervals are reproducible. */
const seedOf = (key: string): number => {
  let h = 0xb007;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) >>> 0;
  return h;
};

export function summariseSet(gen: readonly ClipRecord[], refEvals: readonly ClipEvaluation[], opts: AggregateOptions): SetSummary | null {
  if (refEvals.length === 0) return null;
  const ref = refEvals.flatMap((e) => e.features);
  const s: SetMetrics = setMetrics(toFeatures(gen), ref, gen.map((c) => c.metrics.bounces), refEvals.map((e) => e.metrics.bounces));
  return {
    // No interval: resampling clips with replacement duplicates trajectories, which inflates the Fréchet
    // distance so much that the whole bootstrap distribution lies above the point estimate.
    frechet: { mean: s.frechet, lo: NaN, hi: NaN, n: gen.length },
    precision: s.precision,
    recall: s.recall,
    bounceHistogramTV: s.bounceHistogramTV,
    tracks: s.generatedTracks,
  };
}

/** One cell: a method's clips on a task (or pooled tasks) against the default's clips of the same samples. */
export function summariseCell(
  clips: readonly ClipRecord[],
  defaults: readonly ClipRecord[],
  imageToVideo: readonly boolean[],
  refEvals: readonly ClipEvaluation[],
  opts: AggregateOptions,
): CellResult {
  const n = clips.length;
  const metrics: Record<string, Interval> = {};
  for (const col of COLUMNS) {
    metrics[col.key] = bootstrapMean(
      clips.map((c, i) => col.get(c, defaults[i])),
      { resamples: opts.resamples, seed: seedOf(col.key) },
    );
  }
  const diff: Record<string, Interval> = {};
  for (const key of DIFF_COLUMNS) {
    const col = COLUMNS.find((c) => c.key === key) as Column;
    diff[key] = bootstrapMean(
      clips.map((c, i) => col.get(c, defaults[i]) - col.get(defaults[i], defaults[i])),
      { resamples: opts.resamples, seed: seedOf(`diff-${key}`) },
    );
  }
  let wins = 0;
  let ties = 0;
  let losses = 0;
  const outcome: number[] = [];
  clips.forEach((c, i) => {
    const r = compareClips(c.metrics, defaults[i].metrics, imageToVideo[i]);
    if (r > 0) wins++;
    else if (r < 0) losses++;
    else ties++;
    outcome.push(r > 0 ? 1 : r < 0 ? 0 : 0.5);
  });
  return {
    n,
    nfe: n ? clips.reduce((a, c) => a + c.nfe, 0) / n : NaN,
    nfeSaved: n ? clips.reduce((a, c) => a + c.nfeSaved, 0) / n : NaN,
    metrics,
    set: summariseSet(clips, refEvals, opts),
    vsDefault: { wins, ties, losses, winRate: bootstrapMean(outcome, { resamples: opts.resamples, seed: seedOf('win') }), diff },
    invalidReasons: countReasons(clips.map((c) => c.metrics.invalidReasons)),
    violationReasons: countReasons(clips.map((c) => c.metrics.violationReasons)),
    mismatchReasons: countReasons(clips.map((c) => mismatchReasons(c.metrics))),
  };
}

/**
 * The same columns on true clips (through the same extractor); the set floor compares two halves of
 * them. `perTask` holds each task's true clips (clip j copies condition j mod `period`); the halves are
 * whole cycles of the conditions, so both have the same scenario mix even when the period is even.
 */
export function summariseReference(perTask: readonly (readonly ClipEvaluation[])[], period: number, opts: AggregateOptions): ReferenceResult {
  const refEvals = perTask.flat();
  const metrics: Record<string, Interval> = {};
  const asRecord = (m: ClipMetrics): ClipRecord => ({ seed: 0, nfe: 0, nfeSaved: 0, metrics: m, features: [], perFrame: NaN, bg: [NaN, NaN, NaN], wallMs: 0 });
  const recs = refEvals.map((e) => asRecord(e.metrics));
  for (const col of COLUMNS) {
    if (!FLOOR_COLUMNS.has(col.key)) continue;
    metrics[col.key] = bootstrapMean(recs.map((r) => col.get(r, r)), { resamples: opts.resamples, seed: seedOf(col.key) });
  }
  const halves = perTask.map((list) => referenceHalves(list, period));
  const even = halves.flatMap(([h]) => h);
  const odd = halves.flatMap(([, h]) => h);
  let setFloor: SetSummary | null = null;
  if (even.length > 1 && odd.length > 1) {
    const s = setMetrics(odd.flatMap((e) => e.features), even.flatMap((e) => e.features), odd.map((e) => e.metrics.bounces), even.map((e) => e.metrics.bounces));
    setFloor = { frechet: { mean: s.frechet, lo: NaN, hi: NaN, n: odd.length }, precision: s.precision, recall: s.recall, bounceHistogramTV: s.bounceHistogramTV, tracks: s.generatedTracks };
  }
  return { n: refEvals.length, metrics, setFloor };
}
