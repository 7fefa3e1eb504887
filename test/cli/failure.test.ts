// The CLI ends every failure with one line and no stack: exit 2 for a wrong command, 1 for work that failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { CancelledError, ModelOutputError, ToolError, UsageError } from '../../src/errors.js';
import { NpyError } from '../../src/io/npy.js';
import { failureOf } from '../../src/cli/failure.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

test('bad input exits 2; tool and runtime failures, cancellations and bugs exit 1; each is one line', () => {
  assert.deepEqual(failureOf(new UsageError('--steps must be a positive integer')), { line: 'selfrefine: error: --steps must be a positive integer', exitCode: 2 });
  assert.deepEqual(failureOf(new NpyError('x.npy: not a .npy file')), { line: 'selfrefine: error: x.npy: not a .npy file', exitCode: 2 });
  assert.deepEqual(failureOf(new ToolError('ffmpeg failed to write a.mp4: exit code 1')), { line: 'selfrefine: error: ffmpeg failed to write a.mp4: exit code 1', exitCode: 1 });
  assert.deepEqual(failureOf(new CancelledError('sampling was cancelled')), { line: 'selfrefine: error: sampling was cancelled', exitCode: 1 });
  assert.deepEqual(failureOf(new ModelOutputError('non-finite velocity')), { line: 'selfrefine: error: non-finite velocity', exitCode: 1 });
  assert.deepEqual(failureOf(new TypeError('x is undefined\n    at f (a.js:1:1)')), { line: 'selfrefine: internal error: TypeError: x is undefined', exitCode: 1 });
  assert.deepEqual(failureOf('thrown string'), { line: 'selfrefine: internal error: thrown string', exitCode: 1 });
  // commander has printed its own message (or the help) already.
  assert.deepEqual(failureOf(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--nope'")), { line: null, exitCode: 2 });
  assert.deepEqual(failureOf(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)')), { line: null, exitCode: 0 });
});

test('the CLI: a wrong option exits 2, an unreachable Redis exits 1, each with one line and no stack', async () => {
  const dir = scratchDir('failure');
  const bad = runCli('generate', '--steps', 'many', '--out', join(dir, 'a.gif'));
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /^selfrefine: error: --steps .*\n$/);

  // A port nothing listens on: taken from the OS, then released.
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
  const down = runCli('generate', '--count', '1', '--redis', `redis://127.0.0.1:${port}`, '--out', join(dir, 'set'));
  assert.equal(down.code, 1, down.stderr);
  assert.match(down.stderr, /^selfrefine: error: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ within 5 s; start redis-server or fix --redis\n$/);
});
