// `selfrefine worker`: run queue jobs (datasets, benchmark cells, web app generations) from Redis until SIGTERM.
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { formatWeightsId, modelWeightsId, type CardModel } from '../models/card-loader.js';
import { redactedUrl } from '../queue/connection.js';
import { DEFAULT_JOB_TIMEOUT_SECONDS, DEFAULT_LOCK_SECONDS, startQueueWorker } from '../queue/worker.js';
import { addModelOptions, loadModelFromFlags, type ModelFlags } from './model-options.js';
import { parseInteger, parseNumber } from './flags.js';

interface WorkerFlags extends ModelFlags {
  redis: string;
  concurrency: string;
  lockSeconds?: string;
  jobTimeout?: string;
  store?: string;
}

export function registerWorkerCommand(program: Command): void {
  const cmd = program
    .command('worker')
    .description('take jobs from a Redis queue (generate --redis, bench --redis, serve --redis) and run them with the model; SIGTERM stops it after its jobs')
    .requiredOption('--redis <url>', 'the Redis server: redis://[:password@]host:port, rediss:// for TLS')
    .option('--concurrency <n>', 'jobs at once, each with its own copy of the model', '1')
    .option('--lock-seconds <s>', `a job's lock; a killed worker's job goes to another within about 1.5× this (default ${DEFAULT_LOCK_SECONDS})`)
    .option('--job-timeout <s>', `stop and fail a job running longer than this (default ${DEFAULT_JOB_TIMEOUT_SECONDS})`)
    .option('--store <dir>', "write generated clips here (shared storage the submitters read) instead of returning them through Redis");
  addModelOptions(cmd).action(async (flags: WorkerFlags) => {
    const concurrency = parseInteger(flags.concurrency, '--concurrency', 1);
    const positive = (text: string | undefined, flag: string): number | undefined =>
      text === undefined ? undefined : parseNumber(text, flag, (n) => Number.isFinite(n) && n > 0, 'a positive number of seconds');
    const lockSeconds = positive(flags.lockSeconds, '--lock-seconds');
    const jobTimeoutSeconds = positive(flags.jobTimeout, '--job-timeout');
    // One copy of the model per concurrent job; the cores are shared among them.
    const threads = concurrency > 1 ? Math.max(1, Math.floor(availableParallelism() / concurrency)) : undefined;
    const models: CardModel[] = [];
    const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    try {
      for (let i = 0; i < concurrency; i++) models.push(await loadModelFromFlags(flags, threads));
      const worker = await startQueueWorker(models, { url: flags.redis, lockSeconds, jobTimeoutSeconds, log, ...(flags.store === undefined ? {} : { store: flags.store }) });
      log(`worker on ${redactedUrl(flags.redis)}, queue ${worker.queueName}: model ${models[0].card.name} (${formatWeightsId(modelWeightsId(models[0].card))}), ${concurrency} at once`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          log('stopping: finishing the running jobs');
          void worker.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      log('stopped');
    } finally {
      await Promise.all(models.map((m) => m.dispose()));
    }
  });
}
