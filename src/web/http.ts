// The HTTP plumbing of the web server (node:http, no framework): JSON and byte answers, JSON request bodies, and
// the one mapping from an error's class to a status. 4xx only for bad requests: UsageError 400, unknown job 404,
// over the limits 413/429. Failures of the server's own tools 503 (ffmpeg, the ONNX runtime, Redis), anything
// else 500; each with the error's message.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CancelledError, SelfRefineError, ToolError, UsageError } from '../errors.js';

/** Request bodies larger than this are refused (a generate request is a few hundred bytes). */
export const MAX_BODY_BYTES = 64 * 1024;

/** An error that carries its HTTP status. */
export class HttpError extends SelfRefineError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function httpStatusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof UsageError) return 400;
  if (err instanceof CancelledError) return 409;
  if (err instanceof ToolError) return 503;
  return 500;
}

/** The message of an error selfrefine raised, or "internal error: …" for anything else. */
export function errorMessage(err: unknown): string {
  return err instanceof SelfRefineError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function sendBytes(res: ServerResponse, type: string, bytes: Uint8Array): void {
  res.writeHead(200, { 'content-type': type, 'content-length': bytes.byteLength, 'cache-control': 'no-store' });
  res.end(bytes);
}

/** Answer `err` as `{ error }` with its status (or end a response already under way). */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) res.end();
  else sendJson(res, httpStatusOf(err), { error: errorMessage(err) });
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
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
