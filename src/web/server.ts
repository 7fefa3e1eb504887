// The web app's HTTP server (node:http, no framework): the page at /, the in-browser app under /app/, and the JSON
// API under /api (api.ts) over the job queue, with progress as server-sent events. The model runs off the main
// thread, so this keeps answering while a job samples.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import type { CardModel } from '../models/card-loader.js';
import { routeApi, type ApiContext } from './api.js';
import { cardWebModel } from './card.js';
import { HttpError, sendError } from './http.js';
import { JobQueue, type JobQueueOptions } from './jobs.js';
import { DEFAULT_WORK_LIMITS, type WorkLimits } from './limits.js';
import type { WebModel } from './model.js';
import { PAGE_HTML } from './page.js';
import { sendStatic, WEB_DIST } from './static.js';

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

function sendPage(path: string, method: string, res: ServerResponse): void {
  if (method !== 'GET') throw new HttpError(405, `${method} ${path}: only GET`);
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(PAGE_HTML);
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

/** The server's one dispatch: the page, the browser app, the API. */
async function route(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const method = req.method ?? 'GET';
  if (path === '/' || path === '/index.html') return sendPage(path, method, res);
  if (path === '/app' || path.startsWith('/app/')) return sendApp(path, method, res);
  if (path === '/api' || path.startsWith('/api/')) return routeApi(ctx, path, req, res);
  throw new HttpError(404, `no such page: ${method} ${path}`);
}

async function listen(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new UsageError(`port ${port} on ${host} is in use; pick another with --port`) : err));
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

function isWebModel(model: CardModel | WebModel): model is WebModel {
  return 'jobRequest' in model;
}

/** Serve `model` (the physics model, or any WebModel such as a model folder's) until close(). */
export async function startWebApp(model: CardModel | WebModel, options: WebAppOptions = {}): Promise<WebApp> {
  const web = isWebModel(model) ? model : cardWebModel(model);
  const queue = new JobQueue(web, options);
  const ctx: ApiContext = { model: web, queue, limits: options.limits ?? DEFAULT_WORK_LIMITS, streams: new Set() };
  const server = createServer((req, res) => {
    route(ctx, req, res).catch((err: unknown) => sendError(res, err));
  });
  const url = await listen(server, options.host ?? '127.0.0.1', options.port ?? 8080);
  return {
    server,
    queue,
    url,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      for (const s of ctx.streams) s.end();
      server.closeIdleConnections();
      await closed;
    },
  };
}
