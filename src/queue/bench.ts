// `bench --redis URL`: the benchmark's pending jobs run on queue workers instead of local lanes. A job's queue id
// is its cache key, so a rerun (or a second submitter) shares the jobs already queued or finished, and every
// result is also written to the local cache, where the next run finds it before asking the queue.
import { decodeRecord, writeRecord, type BenchJob } from '../bench/jobs.js';
import type { LaneOptions } from '../bench/runner.js';
import { modelWeightsId, type CardModel } from '../models/card-loader.js';
import { QueueClient, QueueJobError } from './client.js';
import { benchJobId, type BenchJobData } from './payload.js';

/** The queue job of a benchmark job. */
export function benchJobData(job: BenchJob, weights: string): BenchJobData {
  return {
    kind: 'bench',
    weights,
    key: job.key,
    file: job.file,
    jobKind: job.kind,
    task: job.task.id,
    index: job.index,
    config: job.config,
    configId: job.configId,
    seeds: job.seeds,
    keepVideo: job.keepVideo,
    recordMasks: job.recordMasks,
    plannedNfe: job.plannedNfe,
  };
}

/** Run `jobs` on the workers behind `url`; records arrive through `opts` as they would from local lanes. */
export async function runBenchJobsOnQueue(url: string, model: CardModel, jobs: readonly BenchJob[], opts: LaneOptions, log?: (line: string) => void): Promise<void> {
  const weights = modelWeightsId(model.card);
  const entries = jobs.map((job) => {
    const data = benchJobData(job, weights);
    return { id: benchJobId(data), data, job };
  });
  const byId = new Map(entries.map((e) => [e.id, e]));
  const lanes = new Map<string, number>();
  const laneOf = (id: string): number => {
    let lane = lanes.get(id);
    if (lane === undefined) lanes.set(id, (lane = lanes.size));
    return lane;
  };
  const client = await QueueClient.open(url, weights, log);
  let failure: QueueJobError | null = null;
  try {
    await client.submit(entries);
    await client.follow([...byId.keys()], {
      progress(id, p) {
        opts.progress.update(laneOf(id), p.nfe);
      },
      done(id, text) {
        const entry = byId.get(id);
        if (entry === undefined) return;
        const stored = writeRecord(opts.cacheDir, entry.job, decodeRecord(text));
        opts.progress.done(laneOf(id), entry.job);
        lanes.delete(id);
        opts.onRecord(entry.job, stored);
      },
      failed(id, reason) {
        failure ??= new QueueJobError(id, reason);
      },
    });
  } finally {
    await client.close();
  }
  if (failure !== null) throw failure;
}
