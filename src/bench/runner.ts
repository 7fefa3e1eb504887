// Runs pending jobs on parallel lanes. Each lane owns one model (its own ONNX worker thread with one
// intra-op thread), so two lanes keep two cores busy; the main thread only does the sampler's vector
// arithmetic and the metrics. Lanes pull jobs from one queue (in the order given); every finished job is
// written to the cache at once, so an interrupted run resumes where it stopped.
import { terminalBar } from '../io/progress.js';
import type { CardModel } from '../models/card-loader.js';
import { worldOf } from './world-of.js';
import { ClipJudge, runJob, writeRecord, type BenchJob, type JobRecord } from './jobs.js';

export interface Progress {
  /** A job made progress: NFE spent so far by it. */
  update(lane: number, nfe: number): void;
  /** A job finished. */
  done(lane: number, job: BenchJob): void;
  stop(): void;
}

export function progressBar(totalNfe: number, doneNfe: number, totalJobs: number, doneJobs: number, enabled: boolean): Progress {
  if (!enabled || totalNfe === 0) return { update() {}, done() {}, stop() {} };
  let finished = doneNfe;
  let jobs = doneJobs;
  const running = new Map<number, number>();
  const value = (): number => Math.min(totalNfe, finished + [...running.values()].reduce((a, v) => a + v, 0));
  const bar = terminalBar({
    format: 'bench {bar} {percentage}% | NFE {value}/{total} | jobs {jobs}/{totalJobs} | {duration_formatted} | ETA {eta_formatted}',
    total: totalNfe,
    start: doneNfe,
    payload: { jobs, totalJobs },
    etaBuffer: 200,
    fps: 5,
  });
  return {
    update(lane, nfe) {
      running.set(lane, nfe);
      bar.update(value(), { jobs, totalJobs });
    },
    done(lane, job) {
      running.delete(lane);
      finished += job.plannedNfe;
      jobs++;
      bar.update(value(), { jobs, totalJobs });
    },
    stop() {
      bar.stop();
    },
  };
}

export interface LaneOptions {
  readonly cacheDir: string;
  readonly progress: Progress;
  /** Called once per finished job with its record as read back from the cache. */
  readonly onRecord: (job: BenchJob, record: JobRecord) => void;
}

/** Run `jobs` on the given models (one lane each). Rejects on the first failure, after every lane stopped. */
export async function runLanes(models: readonly CardModel[], jobs: readonly BenchJob[], opts: LaneOptions): Promise<void> {
  let next = 0;
  const abort = new AbortController();
  let failure: unknown = null;
  const lane = async (id: number, model: CardModel): Promise<void> => {
    const judge = new ClipJudge(worldOf(model));
    while (!abort.signal.aborted) {
      const k = next++;
      if (k >= jobs.length) return;
      const job = jobs[k];
      try {
        const record = await runJob(model, job, judge, (nfe) => opts.progress.update(id, nfe), abort.signal);
        const stored = writeRecord(opts.cacheDir, job, record);
        opts.progress.done(id, job);
        opts.onRecord(job, stored);
      } catch (err) {
        if (failure === null) failure = err;
        abort.abort();
        return;
      }
    }
  };
  await Promise.all(models.map((m, i) => lane(i, m)));
  if (failure !== null) throw failure;
}
