// `selfrefine bench`: every method on the same seeds and conditions, per task, with cached jobs,
// parallel lanes, one progress bar, and the results written to DIR (results.json, results.md, SVG
// plots, GIF grids, mask pictures).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_REFERENCE_SEED, evaluateReference } from '../eval/evaluate.js';
import type { ClipEvaluation } from '../eval/clip.js';
import type { Interval } from '../eval/stats.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { modelWeightsId, type CardModel } from '../models/card-loader.js';
import { PHYSICS_DEFAULTS, type SamplerConfig } from '../pipeline/config.js';
import type { WorldConfig } from '../world/config.js';
import { getScenario } from '../world/scenarios.js';
import { methodClips, summariseCell, summariseReference, type CellResult, type ReferenceResult, type MethodClips } from './aggregate.js';
import { makeJob, readCached, type ClipRecord, type BenchJob, type JobRecord } from './jobs.js';
import { benchMethods, DEFAULT_METHOD, methodPlannedNfe, selectMethods, tuningMethods, type MethodSpec } from './methods.js';
import { progressBar, runLanes, type LaneOptions } from './runner.js';
import { getSuite, type SuiteName, type SuiteSpec } from './suites.js';
import { getTask, taskCondition, type TaskCondition, type TaskSpec } from './tasks.js';
import { WIN_SCORE_DESCRIPTION } from './verifiers.js';
import { worldOf } from './world-of.js';
import { writeOutputs } from './report.js';

export const RESULTS_FORMAT = 'selfrefine-bench/1';
/** Key of the pooled rows (all tasks of the run together). */
export const ALL_TASKS = 'all';

export interface BenchOptions {
  readonly suite: SuiteName;
  /** Output directory (results, pictures, cache/). */
  readonly out: string;
  /** Samples per task (overrides the suite's). */
  readonly samples?: number;
  /**
   * Index of the first sample of each task (default 0). Sample i's scenario, seed and true clip depend only on
   * (task, i), so a run from an index no earlier run reached uses seeds that were never used to choose a setting.
   */
  readonly firstSample?: number;
  /** Method ids (overrides the suite's; the default sampler is always run). */
  readonly methods?: readonly string[];
  readonly tasks?: readonly string[];
  /** Parallel lanes, each with its own model (default: min(2, cores)). */
  readonly workers?: number;
  readonly referenceClips?: number;
  readonly resamples?: number;
  /** Show the progress bar (default: when stderr is a terminal). */
  readonly progress?: boolean;
  /** Load one model with this many intra-op threads (each lane calls it once). */
  readonly loadModel: (threads: number) => Promise<CardModel>;
  /** The model's default configuration (default PHYSICS_DEFAULTS, read at run time). */
  readonly defaults?: SamplerConfig;
  /** Runs the pending jobs elsewhere (a job queue) instead of on local lanes; gets the first model for its identity. */
  readonly runPending?: (model: CardModel, jobs: readonly BenchJob[], opts: LaneOptions) => Promise<void>;
}

export interface MethodInfo {
  readonly id: string;
  readonly label: string;
  readonly group: string;
  readonly config: SamplerConfig;
  readonly bestOf?: MethodSpec['bestOf'];
  readonly params?: MethodSpec['params'];
  readonly plannedNfe: number;
}

export interface CellTiming {
  /** Mean wall time of one sample (best-of-N: all candidates), ms. */
  readonly wallMsPerSample: number;
  readonly relativeToDefault: number;
}

export interface BenchResults {
  readonly format: string;
  readonly suite: SuiteName;
  readonly samples: number;
  /** Index of the first sample of each task: the run's samples are firstSample … firstSample + samples − 1. */
  readonly firstSample: number;
  /** `sha256`: the card's modelWeightsId (for a pair of experts both sha256 and the switch σ). */
  readonly model: { readonly name: string; readonly sha256: string };
  readonly world: { readonly width: number; readonly height: number; readonly frames: number };
  readonly defaults: SamplerConfig;
  readonly tasks: readonly TaskSpec[];
  readonly methods: readonly MethodInfo[];
  readonly referenceClips: number;
  readonly resamples: number;
  readonly winScore: string;
  /** cells[task or 'all'][method]. */
  readonly cells: Record<string, Record<string, CellResult>>;
  /** True clips through the same extractor, per task and pooled. */
  readonly reference: Record<string, ReferenceResult>;
  /** Everything measured in wall time (excluded from determinism). */
  readonly timing: {
    readonly runSeconds: number;
    readonly modelLoadSeconds: number;
    readonly lanes: number;
    readonly jobs: number;
    readonly jobsRun: number;
    readonly jobsCached: number;
    readonly cells: Record<string, Record<string, CellTiming>>;
  };
}

export interface BenchRun {
  readonly results: BenchResults;
  readonly files: string[];
}

function positiveInt(v: number | undefined, name: string): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new UsageError(`${name} must be a positive integer, got ${v}`);
}

/** Every method a suite can run (before `--methods` narrows it). */
export function suiteMethods(suite: SuiteSpec, defaults: SamplerConfig): MethodSpec[] {
  return suite.methodSet === 'tuning' ? tuningMethods(defaults) : benchMethods(defaults);
}

/** The run's options resolved against its suite, checked. */
interface BenchSettings {
  readonly suite: SuiteSpec;
  readonly samples: number;
  readonly firstSample: number;
  readonly tasks: TaskSpec[];
  readonly defaults: SamplerConfig;
  readonly methods: MethodSpec[];
  readonly referenceClips: number;
  readonly resamples: number;
  readonly cacheDir: string;
  readonly lanesWanted: number;
}

function benchSettings(opts: BenchOptions): BenchSettings {
  const suite = getSuite(opts.suite);
  positiveInt(opts.samples, '--samples');
  positiveInt(opts.workers, '--workers');
  positiveInt(opts.resamples, '--resamples');
  if (opts.firstSample !== undefined && (!Number.isInteger(opts.firstSample) || opts.firstSample < 0)) {
    throw new UsageError(`--first-sample must be a non-negative integer, got ${opts.firstSample}`);
  }
  if (opts.referenceClips !== undefined && (!Number.isInteger(opts.referenceClips) || opts.referenceClips < 0)) {
    throw new UsageError(`--reference must be a non-negative integer, got ${opts.referenceClips}`);
  }
  const tasks = [...new Set(opts.tasks ?? suite.tasks)].map(getTask);
  if (tasks.length === 0) throw new UsageError('no tasks selected');
  const defaults = opts.defaults ?? PHYSICS_DEFAULTS;
  return {
    suite,
    samples: opts.samples ?? suite.samples,
    firstSample: opts.firstSample ?? 0,
    tasks,
    defaults,
    methods: selectMethods(suiteMethods(suite, defaults), opts.methods ?? suite.methods),
    referenceClips: opts.referenceClips ?? suite.referenceClips,
    resamples: opts.resamples ?? suite.resamples,
    cacheDir: join(opts.out, 'cache'),
    lanesWanted: opts.workers ?? Math.max(1, Math.min(2, availableParallelism())),
  };
}

/** Every (task, sample, method) job, deduplicated: methods with the same configuration share a job. */
interface JobPlan {
  readonly conditions: Map<string, TaskCondition[]>;
  /** By job file. */
  readonly jobs: Map<string, BenchJob>;
  /** `${task}|${method}|${index}|${kind}` → job file. */
  readonly jobOf: Map<string, string>;
}

/** Conditions and jobs: every method sees the same (task, index) condition and seed. */
function planJobs(set: BenchSettings, scenarios: readonly string[], world: WorldConfig, modelId: string): JobPlan {
  const conditions = new Map<string, TaskCondition[]>();
  const jobs = new Map<string, BenchJob>();
  const jobOf = new Map<string, string>();
  for (const task of set.tasks) {
    const conds = Array.from({ length: set.samples }, (_, i) => taskCondition(task, set.firstSample + i, scenarios, world));
    conditions.set(task.id, conds);
    for (let i = 0; i < set.samples; i++) {
      for (const m of set.methods) {
        const kind: 'sample' | 'draws' = m.bestOf === undefined ? 'sample' : 'draws';
        const job = makeJob({
          kind,
          task,
          index: set.firstSample + i,
          rank: i,
          condition: conds[i],
          config: m.config,
          n: m.bestOf?.n,
          model: modelId,
          refining: m.config.refine.mode !== 'none' && m.config.freeInit === undefined,
        });
        if (!jobs.has(job.file)) jobs.set(job.file, job);
        jobOf.set(`${task.id}|${m.id}|${i}|${kind}`, job.file);
      }
    }
  }
  return { conditions, jobs, jobOf };
}

/** The records already in the cache, by job file. */
function cachedRecords(cacheDir: string, jobs: Map<string, BenchJob>): Map<string, JobRecord> {
  const records = new Map<string, JobRecord>();
  for (const job of jobs.values()) {
    const rec = readCached(cacheDir, job);
    if (rec !== null) records.set(job.file, rec);
  }
  return records;
}

/**
 * The jobs still to run, sample-major: every method's jobs are spread evenly over the run, so their wall times see
 * the same machine load (and an interrupted run has finished whole samples across methods).
 */
function pendingJobs(jobs: Map<string, BenchJob>, records: Map<string, JobRecord>): BenchJob[] {
  return [...jobs.values()].filter((j) => !records.has(j.file)).sort((a, b) => a.index - b.index || b.plannedNfe - a.plannedNfe || a.file.localeCompare(b.file));
}

/** Load the models of lanes 2… into `models`; returns the seconds spent. */
async function loadMoreLanes(opts: BenchOptions, models: CardModel[], lanes: number): Promise<number> {
  const tMore = performance.now();
  const more = await Promise.allSettled(Array.from({ length: lanes - 1 }, () => opts.loadModel(1)));
  for (const r of more) if (r.status === 'fulfilled') models.push(r.value);
  const failed = more.find((r) => r.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  return (performance.now() - tMore) / 1000;
}

/** Run the pending jobs on the lanes (or the caller's queue) under one progress bar, adding their records. */
async function runPendingJobs(opts: BenchOptions, models: readonly CardModel[], plan: JobPlan, records: Map<string, JobRecord>, pending: readonly BenchJob[], cacheDir: string): Promise<void> {
  const jobs = [...plan.jobs.values()];
  const totalNfe = jobs.reduce((a, j) => a + j.plannedNfe, 0);
  const doneNfe = jobs.filter((j) => records.has(j.file)).reduce((a, j) => a + j.plannedNfe, 0);
  const progress = progressBar(totalNfe, doneNfe, plan.jobs.size, records.size, opts.progress ?? process.stderr.isTTY === true);
  try {
    const laneOptions: LaneOptions = { cacheDir, progress, onRecord: (job, rec) => records.set(job.file, rec) };
    if (opts.runPending !== undefined) await opts.runPending(models[0], pending, laneOptions);
    else await runLanes(models, pending, laneOptions);
  } finally {
    progress.stop();
  }
}

/** What the aggregation gives: per task (and pooled) cells, reference rows and timings, and each task's clips. */
interface Aggregates {
  readonly clipsByTask: Map<string, MethodClips>;
  readonly cells: Record<string, Record<string, CellResult>>;
  readonly reference: Record<string, ReferenceResult>;
  readonly timingCells: Record<string, Record<string, CellTiming>>;
}

/** Each task's clips per method, judged, and the true-clip reference through the same extractor. */
async function aggregate(set: BenchSettings, plan: JobPlan, records: Map<string, JobRecord>, world: WorldConfig): Promise<Aggregates> {
  const { tasks, samples } = set;
  const recordOf = (task: TaskSpec) => (m: MethodSpec, i: number, kind: 'sample' | 'draws'): JobRecord => {
    const file = plan.jobOf.get(`${task.id}|${m.id}|${i}|${kind}`);
    const rec = file === undefined ? undefined : records.get(file);
    if (rec === undefined) throw new Error(`internal: no record for ${task.id}/${m.id}/${i}/${kind}`);
    return rec;
  };
  const clipsByTask = new Map<string, MethodClips>();
  const refByTask = new Map<string, ClipEvaluation[]>();
  for (const task of tasks) {
    clipsByTask.set(task.id, await methodClips(task, set.methods, samples, recordOf(task)));
    const infos = (plan.conditions.get(task.id) as TaskCondition[]).map((c) => c.info);
    refByTask.set(task.id, set.referenceClips > 0 ? evaluateReference(infos, world, set.referenceClips, DEFAULT_REFERENCE_SEED) : []);
  }
  const aggOpts = { resamples: set.resamples };
  const cells: Record<string, Record<string, CellResult>> = {};
  const reference: Record<string, ReferenceResult> = {};
  const timingCells: Record<string, Record<string, CellTiming>> = {};
  const groups: { key: string; tasks: TaskSpec[] }[] = tasks.map((t) => ({ key: t.id, tasks: [t] }));
  if (tasks.length > 1) groups.push({ key: ALL_TASKS, tasks });
  for (const g of groups) {
    const pick = (id: string): ClipRecord[] => g.tasks.flatMap((t) => (clipsByTask.get(t.id) as MethodClips).get(id) as ClipRecord[]);
    const i2v = g.tasks.flatMap((t) => Array.from({ length: samples }, () => t.givenFrames > 0));
    const refs = g.tasks.flatMap((t) => refByTask.get(t.id) as ClipEvaluation[]);
    const defaultClips = pick(DEFAULT_METHOD);
    const defaultWall = meanWall(defaultClips);
    cells[g.key] = {};
    timingCells[g.key] = {};
    for (const m of set.methods) {
      const clips = pick(m.id);
      cells[g.key][m.id] = summariseCell(clips, defaultClips, i2v, refs, aggOpts);
      const wall = meanWall(clips);
      timingCells[g.key][m.id] = { wallMsPerSample: Math.round(wall), relativeToDefault: Number((wall / defaultWall).toFixed(3)) };
    }
    reference[g.key] = summariseReference(g.tasks.map((t) => refByTask.get(t.id) as ClipEvaluation[]), samples, aggOpts);
  }
  return { clipsByTask, cells, reference, timingCells };
}

export async function runBench(opts: BenchOptions): Promise<BenchRun> {
  const t0 = performance.now();
  const set = benchSettings(opts);
  const { suite, samples, firstSample, tasks, defaults, methods, referenceClips, resamples } = set;
  const tLoad = performance.now();
  const models: CardModel[] = [await opts.loadModel(1)];
  let loadSeconds = (performance.now() - tLoad) / 1000;
  try {
    const first = models[0];
    const world = worldOf(first);
    const scenarios = first.card.scenarios.map((s) => s.name);
    for (const s of scenarios) getScenario(s);
    const plan = planJobs(set, scenarios, world, `${first.card.name}:${modelWeightsId(first.card)}`);
    const { conditions, jobs } = plan;
    const records = cachedRecords(set.cacheDir, jobs);
    const pending = pendingJobs(jobs, records);
    const lanes = opts.runPending !== undefined ? 1 : Math.max(1, Math.min(set.lanesWanted, pending.length));
    if (lanes > 1) loadSeconds += await loadMoreLanes(opts, models, lanes);
    if (pending.length > 0) await runPendingJobs(opts, models, plan, records, pending, set.cacheDir);
    const { clipsByTask, cells, reference, timingCells } = await aggregate(set, plan, records, world);

    const results: BenchResults = {
      format: RESULTS_FORMAT,
      suite: suite.name,
      samples,
      firstSample,
      model: { name: first.card.name, sha256: modelWeightsId(first.card) },
      world: { width: world.width, height: world.height, frames: world.frames },
      defaults,
      tasks,
      methods: methods.map((m) => ({ id: m.id, label: m.label, group: m.group, config: m.config, bestOf: m.bestOf, params: m.params, plannedNfe: methodPlannedNfe(m) })),
      referenceClips,
      resamples,
      winScore: WIN_SCORE_DESCRIPTION,
      cells,
      reference,
      timing: {
        runSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
        modelLoadSeconds: Number(loadSeconds.toFixed(2)),
        lanes: models.length,
        jobs: jobs.size,
        jobsRun: pending.length,
        jobsCached: jobs.size - pending.length,
        cells: timingCells,
      },
    };
    const [, , h, w] = first.network.shape;
    const files = await writeOutputs(opts.out, results, { clipsByTask, conditions, methods, latentHW: [h, w] });
    // results.json last: its presence means the run is complete.
    writeFileAtomic(join(opts.out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
    files.push('results.json');
    return { results, files };
  } finally {
    await Promise.all(models.map((m) => m.dispose()));
  }
}

function meanWall(clips: readonly ClipRecord[]): number {
  return clips.length ? clips.reduce((a, c) => a + c.wallMs, 0) / clips.length : NaN;
}

/** results.json without its timing (what must be identical between runs with the same options). */
export function deterministicPart(results: BenchResults): Omit<BenchResults, 'timing'> {
  const { timing: _timing, ...rest } = results;
  void _timing;
  return rest;
}

export type { Interval };
