// A private redis-server on a free loopback port for one test, and `selfrefine worker` processes beside it; all
// stopped by pid when the test ends, pass or fail.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { CLI } from './cli.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Stop the server (SIGTERM: with appendonly it flushes its log first) and wait for it to exit. */
  stop(): Promise<void>;
  /** Start it again on the same port and directory. */
  start(): Promise<void>;
  /** A client connection (closed at the end of the test). */
  client(): Redis;
}

/** Start redis-server on 127.0.0.1; `persistent` keeps an append-only file (fsync on every write) in its directory. */
export async function startRedis(t: TestContext, persistent = false): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sr-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const clients: Redis[] = [];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--protected-mode', 'yes'];
  if (persistent) args.push('--appendonly', 'yes', '--appendfsync', 'always');
  const start = async (): Promise<void> => {
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    child = proc;
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    for (let i = 0; ; i++) {
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch {
        if (proc.exitCode !== null || i > 100) throw new Error(`redis-server did not start on port ${port}`);
        probe.disconnect();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    probe.disconnect();
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (proc === null || proc.pid === undefined) return;
    process.kill(proc.pid, 'SIGTERM');
    await exited(proc);
  };
  t.after(async () => {
    for (const c of clients) c.disconnect();
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    start,
    client() {
      const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: null });
      c.on('error', () => {});
      clients.push(c);
      return c;
    },
  };
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exit: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Run the CLI in the background (killed by pid at the end of the test if it is still running). */
export function spawnCli(t: TestContext, args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (text += b.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid as number;
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, signal);
    await exited(child);
  };
  t.after(() => kill('SIGKILL'));
  return { child, pid, output: () => text, exit, kill };
}

/** Start `selfrefine worker` and wait until it says it listens. */
export async function startWorker(t: TestContext, url: string, extra: readonly string[] = []): Promise<CliProcess> {
  const w = spawnCli(t, ['worker', '--redis', url, '--lock-seconds', '2', ...extra]);
  for (let i = 0; !/ worker on /.test(w.output()); i++) {
    if (w.child.exitCode !== null || i > 600) throw new Error(`the worker did not start:\n${w.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return w;
}

export async function waitFor(what: string, test: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await test())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
