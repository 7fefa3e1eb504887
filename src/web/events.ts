// A job's progress as server-sent events: the current status first, then every change until the job ends.
import type { ServerResponse } from 'node:http';
import { HttpError } from './http.js';
import { isFinished, type JobQueue, type JobStatus } from './jobs.js';

/** Stream job `id`'s events to `res`; `open` holds the streams still open (the server ends them when it stops). */
export function streamEvents(queue: JobQueue, id: string, res: ServerResponse, open: Set<ServerResponse>): void {
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
