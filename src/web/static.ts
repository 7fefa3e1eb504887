// Static files of the browser app (web-dist/, `npm run build:web`) over node:http: what `selfrefine serve` answers
// under /app/, and the tests' and the web benchmark's stand-alone server.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** web-dist/ of this package. */
export const WEB_DIST = fileURLToPath(new URL('../../../web-dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
};

/**
 * Headers that make the page cross-origin isolated, which browsers require before they give it SharedArrayBuffer
 * (onnxruntime-web's WASM threads). Everything the app loads is same-origin, so nothing else is affected.
 */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

export interface StaticOptions {
  /** Send ISOLATION_HEADERS (default true). */
  readonly isolate?: boolean;
}

/**
 * Answer a GET for `path` (below the mount point, starting with '/') from the folder `root`; false when no such
 * file exists there (the caller answers 404). Paths that climb out of `root` are never served.
 */
export function sendStatic(root: string, path: string, res: ServerResponse, options: StaticOptions = {}): boolean {
  let relative: string;
  try {
    relative = decodeURIComponent(path.endsWith('/') ? `${path}index.html` : path);
  } catch {
    return false;
  }
  const base = resolve(root);
  const file = resolve(join(base, relative));
  if (file !== base && !file.startsWith(base + sep)) return false;
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) return false;
    size = stat.size;
  } catch {
    return false;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': 'no-cache',
    ...(options.isolate === false ? {} : ISOLATION_HEADERS),
  });
  createReadStream(file).pipe(res);
  return true;
}

export interface StaticServer {
  readonly server: Server;
  /** http://127.0.0.1:port/ */
  readonly url: string;
  close(): Promise<void>;
}

/** A static file server for `root` on a free loopback port. */
export async function startStaticServer(root: string, options: StaticOptions = {}): Promise<StaticServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' || !sendStatic(root, path, res, options)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`not found: ${path}\n`);
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/`,
    async close() {
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
    },
  };
}
