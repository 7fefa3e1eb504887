// Layers import downward only: core <- models <- pipeline <- eval/bench/web/cli/queue, with errors.ts and io/ beside
// core (core imports errors.ts, io/ imports core). Every import counts here, type-only ones and `import(...)` included:
// a type that lives in a higher layer is as much an upward dependency as a function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { importSpecifiers, SRC, tsFiles } from '../helpers/imports.js';

/** For each top folder of src/, the top folders of src/ it must not import from. */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  core: ['io', 'models', 'pipeline', 'cli', 'web', 'queue', 'eval', 'bench', 'world', 'browser'],
  io: ['models', 'pipeline', 'cli', 'web', 'queue', 'eval', 'bench', 'world', 'browser'],
  models: ['pipeline', 'cli', 'web', 'queue', 'eval', 'bench', 'world', 'browser'],
  pipeline: ['cli', 'web', 'queue', 'eval', 'bench', 'world', 'browser'],
  web: ['cli', 'browser'],
};

/** The top folder of src/ a path lies in ('' for files directly in src/, such as errors.ts), or null outside src/. */
function layerOf(path: string): string | null {
  const rel = relative(SRC, path);
  if (rel.startsWith('..')) return null;
  const parts = rel.split(/[\\/]/);
  return parts.length > 1 ? parts[0] : '';
}

/** "file imports 'spec' (layer/ must not import target/)" for each import of `file` that points up the layers. */
function layerViolations(file: string, source: string): string[] {
  const from = layerOf(file);
  const forbidden = from === null ? undefined : FORBIDDEN[from];
  if (forbidden === undefined) return [];
  const problems: string[] = [];
  for (const { specifier } of importSpecifiers(source)) {
    if (!specifier.startsWith('.')) continue;
    const to = layerOf(resolve(dirname(file), specifier));
    if (to !== null && forbidden.includes(to)) {
      problems.push(`${relative(resolve(SRC, '..'), file)} imports '${specifier}' (${from}/ must not import ${to}/)`);
    }
  }
  return problems;
}

test('every layer of src/ imports only from itself and the layers below it', () => {
  const files = tsFiles(SRC);
  assert.ok(files.length > 100, `scanned ${files.length} files`);
  const problems = files.flatMap((f) => layerViolations(f, readFileSync(f, 'utf8')));
  assert.deepEqual(problems, [], `upward imports:\n${problems.join('\n')}\nmove the shared code down to the lower layer`);
});

test('the layer check catches type-only, multi-line and dynamic imports, and allows errors.ts and lower layers', () => {
  const guidance = resolve(SRC, 'core/guidance.ts');
  const source = [
    "import { UsageError } from '../errors.js';",
    "import { numel } from './tensor.js';",
    "import type { VelocityModel } from '../models/contract.js';",
    "import {\n  npyHeader,\n} from '../io/npy.js';",
    "export type { Job } from '../web/jobs.js';",
    "const m = await import('../pipeline/run.js');",
  ].join('\n');
  assert.deepEqual(layerViolations(guidance, source), [
    "src/core/guidance.ts imports '../models/contract.js' (core/ must not import models/)",
    "src/core/guidance.ts imports '../io/npy.js' (core/ must not import io/)",
    "src/core/guidance.ts imports '../web/jobs.js' (core/ must not import web/)",
    "src/core/guidance.ts imports '../pipeline/run.js' (core/ must not import pipeline/)",
  ]);
  const request = resolve(SRC, 'web/request.ts');
  assert.deepEqual(layerViolations(request, "import { parsePlan } from '../cli/sampler-options.js';"), [
    "src/web/request.ts imports '../cli/sampler-options.js' (web/ must not import cli/)",
  ]);
  assert.deepEqual(layerViolations(request, "import { runSampler } from '../pipeline/run.js';"), []);
  // cli/ is a top layer: it may import anything.
  assert.deepEqual(layerViolations(resolve(SRC, 'cli/generate.ts'), "import { serve } from '../web/server.js';"), []);
});
