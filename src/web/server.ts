// The web app's HTTP server (node:http, no framework): the page, a JSON API over the job queue, progress as
// server-sent events, and the finished files. The model runs in its worker thread, so this keeps answering
// while a job samples.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SelfRefineError, UsageError } from '../errors.js';
import type { ShippedModel } from '../models/shipped.js';
import { describeGuidance, PHYSICS_DEFAULTS } from '../pipeline/config.js';
import { plannedNfe } from '../pipeline/run.js';
import { isFinished, JobQueue, QueueFullError, type JobQueueOptions, type JobStatus } from './jobs.js';
import { PAGE_HTML } from './page.js';
import { jobRequestFrom } from './request.js';
import type { WorkLimits } from './limits.js';
import { sendStatic, WEB_DIST } from './static.js';

/** Request bodies larger than this are refused (a generate request is a few hundred bytes). */
const MAX_BODY_BYTES = 64 * 1024;

export interface WebApp {
  readonly server: Server;
  readonly queue: JobQueue;
  /** http://host:port of the listening server. */
  readonly url: string;
  /** Stop accepting connections, cancel the jobs, and close open event streams. */
  close(): Promise<void>;
}

export interface WebAppOptions extends JobQueueOptions {
  /** Bounds on the work of one request. */
  readonly limits?: WorkLimits;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
}

class HttpError extends SelfRefineError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function sendBytes(res: ServerResponse, type: string, bytes: Uint8Array): void {
  res.writeHead(200, { 'content-type': type, 'content-length': bytes.byteLength, 'cache-control': 'no-store' });
  res.end(bytes);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new HttpError(415, `send the request as JSON (content-type application/json), got '${type || 'none'}'`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (err) {
    throw new HttpError(400, `the request body is not valid JSON: ${(err as Error).message}`);
  }
}

function modelSummary(model: ShippedModel): Record<string, unknown> {
  const d = PHYSICS_DEFAULTS;
  return {
    name: model.card.name,
    frames: model.frames,
    width: model.width,
    height: model.height,
    prompts: model.card.scenarios.map((s) => ({ name: s.name, prompt: s.prompt })),
    defaults: {
      solver: d.solver,
      steps: d.steps,
      shift: d.grid.kind === 'flow' ? d.grid.shift : null,
      cfg: d.guidance.scale,
      cfgLow: d.guidance.cfgSchedule?.lowScale ?? null,
      guidance: describeGuidance(d.guidance),
      refine: d.refine.mode,
      plan: d.refine.mode === 'none' ? null : d.refine.plan,
      tau: d.refine.mode === 'none' ? null : d.refine.tau,
      nfe: plannedNfe(d),
    },
  };
}

/** Server-sent events of one job until it ends; the current status goes first. */
function streamEvents(queue: JobQueue, id: string, res: ServerResponse, open: Set<ServerResponse>): void {
  const first = queue.get(id);
  if (first === undefined) throw new HttpError(404, `no job '${id}'`);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  const send = (type: string, status: JobStatus): void => {
    res.write(`event: ${type}\ndata: ${JSON.stringify(status)}\n\n`);
  };
  send('state', first);
  if (isFinished(first.state)) {
    res.end();
    return;
  }
  open.add(res);
  const unsubscribe = queue.subscribe(id, (event) => {
    send(event.type, event.status);
    if (isFinished(event.status.state)) {
      unsubscribe?.();
      open.delete(res);
      res.end();
    }
  });
  res.on('close', () => {
    unsubscribe?.();
    open.delete(res);
  });
}

/** The in-browser app (web-dist/, `npm run build:web`) under /app/, cross-origin isolated for WASM threads. */
function sendApp(path: string, method: string, res: ServerResponse): void {
  if (method !== 'GET') throw new HttpError(405, `${method} ${path}: only GET`);
  if (path === '/app') {
    res.writeHead(308, { location: '/app/' });
    res.end();
    return;
  }
  if (!sendStatic(WEB_DIST, path.slice('/app'.length), res)) {
    throw new HttpError(404, existsSync(WEB_DIST) ? `no such file in the browser app: ${path}` : 'the browser app is not built; run npm run build:web');
  }
}

export async function startWebApp(model: ShippedModel, options: WebAppOptions = {}): Promise<WebApp> {
  const queue = new JobQueue(model, options);
  const streams = new Set<ServerResponse>();
  const summary = modelSummary(model);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/' || path === '/index.html') {
      if (method !== 'GET') throw new HttpError(405, `${method} ${path}: only GET`);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE_HTML);
      return;
    }
    if (path === '/app' || path.startsWith('/app/')) return sendApp(path, method, res);
    if (path === '/api/model' && method === 'GET') return sendJson(res, 200, summary);
    if (path === '/api/jobs' && method === 'GET') return sendJson(res, 200, queue.list());
    if (path === '/api/jobs' && method === 'POST') {
      const request = jobRequestFrom(model, await readJson(req), options.limits);
      return sendJson(res, 202, queue.submit(request, req.socket.remoteAddress ?? 'unknown'));
    }
    const m = /^\/api\/jobs\/([A-Za-z0-9]+)(?:\/(events|video\.gif|preview\.gif|mask\.png))?$/.exec(path);
    if (m === null) throw new HttpError(404, `no such page: ${method} ${path}`);
    const [, id, part] = m;
    if (part === undefined && method === 'DELETE') {
      if (queue.get(id) === undefined) throw new HttpError(404, `no job '${id}'`);
      if (!queue.cancel(id)) throw new HttpError(409, `job '${id}' has already finished`);
      return sendJson(res, 200, queue.get(id));
    }
    if (method !== 'GET') throw new HttpError(405, `${method} ${path}: only GET${part === undefined ? ' and DELETE' : ''}`);
    const status = queue.get(id);
    if (status === undefined) throw new HttpError(404, `no job '${id}' (finished jobs are kept for a while, then dropped)`);
    switch (part) {
      case undefined:
        return sendJson(res, 200, status);
      case 'events':
        return streamEvents(queue, id, res, streams);
      case 'video.gif': {
        const r = queue.result(id);
        if (r === null) throw new HttpError(404, `job '${id}' is ${status.state}: no video yet`);
        return sendBytes(res, 'image/gif', r.gif);
      }
      case 'preview.gif': {
        const p = queue.preview(id);
        if (p === null) throw new HttpError(404, `job '${id}' is ${status.state}: no preview yet`);
        return sendBytes(res, 'image/gif', p);
      }
      case 'mask.png': {
        const r = queue.result(id);
        if (r === null || r.maskPng === null) throw new HttpError(404, r === null ? `job '${id}' is ${status.state}: no mask yet` : `job '${id}' refined no step, so it has no mask`);
        return sendBytes(res, 'image/png', r.maskPng);
      }
    }
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : err instanceof QueueFullError ? 429 : err instanceof UsageError ? 400 : 500;
      const message = err instanceof SelfRefineError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
      if (res.headersSent) res.end();
      else sendJson(res, status, { error: message });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UsageError(`port ${options.port} on ${host} is in use; pick another with --port`) : err),
    );
    server.listen(options.port ?? 8080, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    queue,
    url: `http://${shownHost}:${address.port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      for (const s of streams) s.end();
      server.closeIdleConnections();
      await closed;
    },
  };
}
