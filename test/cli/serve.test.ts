import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { CLI, runCli } from '../helpers/cli.js';

test('selfrefine serve: prints its address, answers, and stops cleanly on SIGTERM', async () => {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /on (http:\/\/\S+)/.exec(out);
      if (m !== null) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const summary = (await (await fetch(`${url}/api/model`)).json()) as { prompts: unknown[] };
  assert.equal(summary.prompts.length, 9);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
});

test('selfrefine serve: a port in use or out of range is a one-line error, exit code 2', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const busy = runCli('serve', '--port', String(port));
    assert.equal(busy.code, 2);
    assert.match(busy.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
    assert.doesNotMatch(busy.stderr, /at .*\.js:\d+/);
  } finally {
    blocker.close();
  }
  const high = runCli('serve', '--port', '70000');
  assert.equal(high.code, 2);
  assert.match(high.stderr, /--port must be at most 65535/);
});
