// `npm run test:unit`: the fast tests alone, under 60 s on 2 cores. It runs every compiled test file except those
// below, which start a service or a process (redis-server, chromium, ffmpeg, the selfrefine CLI, the web server)
// or run whole samplers on models for seconds each. `npm test` runs them all. Keep this list to such files: a new
// test belongs here only if it needs one of those. Extra arguments go to node --test (e.g. --test-reporter=tap).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Paths under dist/test/: a folder (ending in /) or one file. */
const SLOW = [
  'queue/', // redis-server
  'web/', // the web server sampling jobs; chromium for the app
  'cli/generate.test.js', // the CLI on the shipped model, ffmpeg for MP4
  'cli/generate-folder.test.js',
  'cli/generate-i2v.test.js',
  'cli/generate-text.test.js',
  'cli/sample.test.js',
  'cli/serve.test.js',
  'cli/model-options.test.js',
  'bench/bench.test.js', // whole benchmark runs
  'bench/cli.test.js',
  'models/wan-parity.test.js', // Wan-style samplers against their reference, about 35 s
  'world/dataset.test.js', // the CLI's world and eval commands
  'io/gif.test.js', // ffmpeg decodes the GIFs
];

const root = fileURLToPath(new URL('../dist/test/', import.meta.url));

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return testFiles(path);
    return e.name.endsWith('.test.js') ? [path] : [];
  });
}

const isSlow = (file) => {
  const rel = relative(root, file).split('\\').join('/');
  return SLOW.some((s) => (s.endsWith('/') ? rel.startsWith(s) : rel === s));
};
const files = testFiles(root).filter((f) => !isSlow(f)).sort();
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
process.exit(run.status ?? 1);
