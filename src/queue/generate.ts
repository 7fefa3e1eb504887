// `generate --count N --redis URL`: one queue job per clip; the clips come back as the same uint8 videos the
// in-process loop writes, so the dataset directory is byte-identical.
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { modelWeightsId, type CardModel } from '../models/card-loader.js';
import type { SamplerConfig } from '../pipeline/config.js';
import type { GivenFrames } from '../pipeline/generate.js';
import { QueueClient, QueueJobError } from './client.js';
import { clipJobId, decodeResult, fromBase64, toBase64, type ClipJobData, type ClipResult } from './payload.js';

export interface QueuedClips {
  readonly url: string;
  readonly config: SamplerConfig;
  readonly seed: number;
  /** The scenario of clip k. */
  readonly scenarios: readonly string[];
  readonly given?: GivenFrames;
  /** Called with the NFE spent so far over all clips. */
  readonly onProgress?: (nfe: number, finished: number) => void;
  readonly log?: (line: string) => void;
}

/** Run clip k (seed + k) on the workers; returns the uint8 videos [N, 3, F, H, W] and the NFE spent. */
export async function generateClipsOnQueue(model: CardModel, request: QueuedClips): Promise<{ data: Uint8Array; nfe: number }> {
  const weights = modelWeightsId(model.card);
  const per = 3 * model.frames * model.height * model.width;
  const given = request.given === undefined ? undefined : { pixels: toBase64(new Uint8Array(request.given.pixels.buffer, request.given.pixels.byteOffset, request.given.pixels.byteLength)), frames: request.given.frames };
  const jobs = request.scenarios.map((scenario, k) => {
    const data: ClipJobData = { kind: 'clip', weights, scenario, seed: request.seed + k, config: request.config, ...(given === undefined ? {} : { given }) };
    return { id: clipJobId(data), data };
  });
  const index = new Map<string, number[]>();
  jobs.forEach((j, k) => index.set(j.id, [...(index.get(j.id) ?? []), k]));
  const client = await QueueClient.open(request.url, weights, request.log);
  try {
    await client.submit(jobs);
    const data = new Uint8Array(jobs.length * per);
    const running = new Map<string, number>();
    let finishedNfe = 0;
    let finished = 0;
    let failure: QueueJobError | null = null;
    const show = (): void => request.onProgress?.(finishedNfe + [...running.values()].reduce((a, v) => a + v, 0), finished);
    await client.follow([...index.keys()], {
      progress(id, p) {
        running.set(id, p.nfe);
        show();
      },
      done(id, text) {
        const result = decodeResult<ClipResult>(text);
        const video = result.videoFile !== undefined ? readStored(result.videoFile) : fromBase64(result.video ?? '');
        if (video.length !== per) throw new QueueJobError(id, `its video holds ${video.length} bytes; the model's clips have ${per}`);
        for (const k of index.get(id) ?? []) data.set(video, k * per);
        running.delete(id);
        finishedNfe += result.nfe * (index.get(id)?.length ?? 1);
        finished += index.get(id)?.length ?? 1;
        show();
      },
      failed(id, reason) {
        failure ??= new QueueJobError(id, reason);
        running.delete(id);
      },
    });
    if (failure !== null) throw failure;
    return { data, nfe: finishedNfe };
  } finally {
    await client.close();
  }
}

/** A clip a worker wrote to its --store (a directory shared with this machine). */
function readStored(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read the clip a worker stored at ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}); give workers a --store directory this machine can read`);
  }
}
