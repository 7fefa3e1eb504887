// The JSON API under /api: the model, the job list, submitting, and one job's status, events, files and cancel.
// The server's only router for it: fixed paths first, then one pattern for /api/jobs/<id>[/<part>].
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeNpy } from '../io/npy.js';
import { streamEvents } from './events.js';
import { HttpError, readJson, sendBytes, sendJson } from './http.js';
import type { JobQueue, JobStatus } from './jobs.js';
import type { WorkLimits } from './limits.js';
import type { WebModel } from './model.js';

export interface ApiContext {
  readonly model: WebModel;
  readonly queue: JobQueue;
  readonly limits: WorkLimits;
  /** Open event streams, ended when the server stops. */
  readonly streams: Set<ServerResponse>;
}

const JOB_PATH = /^\/api\/jobs\/([A-Za-z0-9]+)(?:\/(events|video\.gif|preview\.gif|mask\.png|latent\.npy))?$/;

type JobPart = 'events' | 'video.gif' | 'preview.gif' | 'mask.png' | 'latent.npy';

export async function routeApi(ctx: ApiContext, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  if (path === '/api/model' && method === 'GET') return sendJson(res, 200, ctx.model.summary);
  if (path === '/api/jobs' && method === 'GET') return sendJson(res, 200, ctx.queue.list());
  if (path === '/api/jobs' && method === 'POST') {
    const request = ctx.model.jobRequest(await readJson(req), ctx.limits);
    return sendJson(res, 202, ctx.queue.submit(request, req.socket.remoteAddress ?? 'unknown'));
  }
  const m = JOB_PATH.exec(path);
  if (m === null) throw new HttpError(404, `no such page: ${method} ${path}`);
  const id = m[1];
  const part = m[2] as JobPart | undefined;
  if (part === undefined && method === 'DELETE') {
    if (ctx.queue.get(id) === undefined) throw new HttpError(404, `no job '${id}'`);
    if (!ctx.queue.cancel(id)) throw new HttpError(409, `job '${id}' has already finished`);
    return sendJson(res, 200, ctx.queue.get(id));
  }
  if (method !== 'GET') throw new HttpError(405, `${method} ${path}: only GET${part === undefined ? ' and DELETE' : ''}`);
  const status = ctx.queue.get(id);
  if (status === undefined) throw new HttpError(404, `no job '${id}' (finished jobs are kept for a while, then dropped)`);
  if (part === undefined) return sendJson(res, 200, status);
  if (part === 'events') return streamEvents(ctx.queue, id, res, ctx.streams);
  sendJobFile(ctx.queue, status, part, res);
}

/** Not there (yet): 404, or for a failed job its failure's status (422, 500 or 503) with its message. */
function missing(queue: JobQueue, status: JobStatus, what: string): HttpError {
  const failure = queue.failureStatus(status.id);
  if (failure !== undefined) return new HttpError(failure, `job '${status.id}' failed: ${status.error ?? 'unknown error'}`);
  return new HttpError(404, `job '${status.id}' is ${status.state}: no ${what} yet`);
}

function sendJobFile(queue: JobQueue, status: JobStatus, part: Exclude<JobPart, 'events'>, res: ServerResponse): void {
  const id = status.id;
  const r = queue.result(id);
  switch (part) {
    case 'video.gif':
      if (r === null) throw missing(queue, status, 'video');
      return sendBytes(res, 'image/gif', r.gif);
    case 'preview.gif': {
      const p = queue.preview(id);
      if (p === null) throw missing(queue, status, 'preview');
      return sendBytes(res, 'image/gif', p);
    }
    case 'mask.png':
      if (r === null) throw missing(queue, status, 'mask');
      if (r.maskPng === null) throw new HttpError(404, `job '${id}' refined no step, so it has no mask`);
      return sendBytes(res, 'image/png', r.maskPng);
    case 'latent.npy':
      if (r === null) throw missing(queue, status, 'latent');
      if (r.latent === null) throw new HttpError(404, `job '${id}' ran on a queue worker, which sends back its pictures only`);
      return sendBytes(res, 'application/octet-stream', encodeNpy(r.latent.data, r.latent.shape));
  }
}
