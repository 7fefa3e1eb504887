// `serve --redis URL`: the web app's jobs run on queue workers. The web app keeps its own list of the jobs it
// submitted (states, progress, previews, results come back through the queue), and a cancel reaches the worker
// that runs the job through the cancel channel.
import { randomUUID } from 'node:crypto';
import { CancelledError, UsageError } from '../errors.js';
import { modelWeightsId, type CardModel } from '../models/card-loader.js';
import type { JobResult, JobRunner } from '../web/model.js';
import { JOB_OPTIONS, QueueClient, QueueJobError } from './client.js';
import { decodeResult, fromBase64, type WebJobData, type WebResult } from './payload.js';

/** Web jobs nobody asked for again are dropped from Redis after an hour. */
const WEB_JOB_OPTIONS = { ...JOB_OPTIONS, removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 3600, count: 1000 } };

export interface QueueRunnerOptions {
  readonly url: string;
  /** Jobs handed to the workers at once (the rest wait in the web app's own queue, with their position). */
  readonly parallel: number;
  readonly scale: number;
  readonly fps: number;
  readonly log?: (line: string) => void;
}

export async function queueRunner(model: CardModel, options: QueueRunnerOptions): Promise<JobRunner> {
  const weights = modelWeightsId(model.card);
  const client = await QueueClient.open(options.url, weights, options.log);
  return {
    parallel: options.parallel,
    async run(request, signal, onStep): Promise<JobResult> {
      if (request.kind === 'folder') throw new UsageError('queue workers run the physics model; a model folder\'s jobs run in the server');
      const id = `web-${randomUUID()}`;
      const data: WebJobData = { kind: 'web', weights, scenario: request.scenario, seed: request.seed, config: request.config, scale: options.scale, fps: options.fps };
      await client.submit([{ id, data }], WEB_JOB_OPTIONS);
      const onAbort = (): void => void client.cancel(id).catch(() => {});
      signal.addEventListener('abort', onAbort);
      let result: JobResult | null = null;
      let failure: Error | null = null;
      try {
        if (signal.aborted) onAbort();
        await client.follow([id], {
          progress(_id, p) {
            onStep({ step: p.step, totalSteps: p.totalSteps, nfe: p.nfe, uncertainFraction: p.uncertainFraction }, p.preview === undefined ? null : { gif: fromBase64(p.preview) });
          },
          done(_id, text) {
            const r = decodeResult<WebResult>(text);
            result = { gif: fromBase64(r.gif), maskPng: r.maskPng === null ? null : fromBase64(r.maskPng), latent: null, nfe: r.nfe, nfeSaved: r.nfeSaved, seconds: r.seconds };
          },
          failed(_id, reason) {
            failure = signal.aborted ? new CancelledError('cancelled') : new QueueJobError(id, reason);
          },
        });
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      if (failure !== null) throw failure;
      if (result === null) throw new CancelledError('cancelled');
      return result;
    },
    close: () => client.close(),
  };
}
