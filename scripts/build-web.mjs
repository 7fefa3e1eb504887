// `npm run build:web`: the browser app as static files in web-dist/ (any static file server can serve the folder).
//   web-dist/index.html, style.css, pnp.svg      the page
//   web-dist/app.js                               the page's script: sampler, refinement, VAE, model assembly (esbuild)
//   web-dist/onnx-worker-{wasm,webgpu}.js         the Web Worker that runs a network, on onnxruntime-web's WASM or
//                                                 WebGPU build
//   web-dist/ort/                                 onnxruntime-web's wasm files (no CDN)
//   web-dist/models/physics/                      the shipped card, its ONNX networks and its VAE, copied
// The browser sources are type-checked first (tsconfig.web.json: DOM types, no Node types).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'web-dist');
const tmp = join(root, 'web-dist.tmp');
const require = createRequire(import.meta.url);

try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.web.json')], { stdio: 'inherit' });
} catch {
  console.error('build:web: the browser sources do not type-check (errors above)');
  process.exit(1);
}

rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // onnxruntime-web then loads its wasm glue and binary from env.wasm.wasmPaths (web-dist/ort/) instead of inlining them.
  conditions: ['onnxruntime-web-use-extern-wasm'],
};
await build({ ...common, entryPoints: [join(root, 'src/browser/app.ts')], outfile: join(tmp, 'app.js') });
for (const [name, ort] of [['wasm', 'onnxruntime-web/wasm'], ['webgpu', 'onnxruntime-web/webgpu']]) {
  await build({ ...common, entryPoints: [join(root, 'src/browser/onnx-worker.ts')], outfile: join(tmp, `onnx-worker-${name}.js`), alias: { 'onnxruntime-web': ort } });
}

const ortDist = dirname(require.resolve('onnxruntime-web/wasm'));
mkdirSync(join(tmp, 'ort'));
// The WASM build's runtime, and the WebGPU build's (asyncify) one.
for (const file of ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm']) {
  copyFileSync(join(ortDist, file), join(tmp, 'ort', file));
}

const modelDir = join(root, 'models/physics');
const card = JSON.parse(readFileSync(join(modelDir, 'card.json'), 'utf8'));
mkdirSync(join(tmp, 'models/physics'), { recursive: true });
const files = ['card.json', card.onnx ?? 'model.onnx', card.vae, card.highNoiseExpert?.onnx, card.autoguide?.onnx].filter((f) => f !== undefined);
for (const file of files) copyFileSync(join(modelDir, file), join(tmp, 'models/physics', file));

for (const file of ['index.html', 'style.css']) copyFileSync(join(root, 'src/browser', file), join(tmp, file));
copyFileSync(join(root, 'docs/pnp.svg'), join(tmp, 'pnp.svg'));

rmSync(out, { recursive: true, force: true });
renameSync(tmp, out);
console.log(`wrote ${out}`);
