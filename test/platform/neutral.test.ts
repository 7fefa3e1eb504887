// The platform-neutral modules (core with the model contract, pipeline, the VAE, the card logic, the physics ONNX network,
// the ONNX graph client, its worker protocol and the worker's handler, a model folder's binding and denoiser, the model
// assembly, the browser app) import nothing from Node, directly or through the modules they import: the browser app
// bundles them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { importSpecifiers, ROOT, SRC, tsFiles } from '../helpers/imports.js';

const NEUTRAL_DIRS = ['core', 'pipeline', 'browser'];
const NEUTRAL_FILES = [
  'models/vae.ts',
  'models/onnx/card.ts',
  'models/onnx/backend.ts',
  'models/onnx/graph-client.ts',
  'models/onnx/graph-protocol.ts',
  'models/onnx/graph-serve.ts',
  'models/onnx/binding.ts',
  'models/folder/denoiser.ts',
  'models/card-model.ts',
  'models/autoguided.ts',
  'models/sigma-experts.ts',
  'io/gif.ts',
];

const BUILTINS = new Set(builtinModules);

/** The specifiers a source file imports at run time (type-only imports and exports are erased, so they are skipped). */
function runtimeImports(source: string): string[] {
  return importSpecifiers(source)
    .filter((i) => !i.typeOnly)
    .map((i) => i.specifier);
}

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0]);
}

/** Every Node import reachable from `file` through relative imports inside src/, as "file: specifier" lines. */
function nodeImportsFrom(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const problems: string[] = [];
  for (const spec of runtimeImports(readFileSync(file, 'utf8'))) {
    if (isNodeBuiltin(spec)) problems.push(`${relative(ROOT, file)}: ${spec}`);
    else if (spec.startsWith('.')) problems.push(...nodeImportsFrom(resolve(dirname(file), spec.replace(/\.js$/, '.ts')), seen));
  }
  return problems;
}

test('platform-neutral modules import nothing from Node, directly or transitively', () => {
  const roots = [...NEUTRAL_DIRS.flatMap((d) => tsFiles(join(SRC, d))), ...NEUTRAL_FILES.map((f) => join(SRC, f))];
  assert.ok(roots.length > 20, `scanned ${roots.length} files`);
  const seen = new Set<string>();
  const problems = roots.flatMap((f) => nodeImportsFrom(f, seen));
  assert.deepEqual(problems, [], 'move file, process or crypto access into a Node-only wrapper');
});

test('the import scan sees runtime imports, skips type-only ones, and catches a Node import two modules away', () => {
  const source = [
    "import { readFileSync } from 'node:fs';",
    "import type { Worker } from 'node:worker_threads';",
    "import {\n  a,\n  b,\n} from './x.js';",
    "export { c } from '../y.js';",
    "export type { D } from 'node:http';",
    "import 'side-effect';",
    "const m = await import('path');",
  ].join('\n');
  assert.deepEqual(runtimeImports(source), ['node:fs', './x.js', '../y.js', 'side-effect', 'path']);
  // card-loader.ts is the Node loader: it reaches node:url itself and node:fs through vae-file.ts and card-file.ts.
  const problems = nodeImportsFrom(join(SRC, 'models/card-loader.ts'));
  assert.ok(problems.some((p) => p.endsWith('node:url')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('src/models/vae-file.ts: node:fs')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('src/models/onnx/card-file.ts: node:fs')), problems.join('\n'));
});
