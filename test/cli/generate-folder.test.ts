// `selfrefine generate --model DIR` end to end on the tiny Wan fixtures: the interface's outputs and its bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpyFloat32, writeNpy } from '../../src/io/npy.js';
import { cudaProviderInstalled } from '../../src/models/onnx/graph.js';
import { runCli, MODEL_DIR } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const WAN = fileURLToPath(new URL('../../../test/fixtures/wan-tiny/', import.meta.url));
const UNBINDABLE = fileURLToPath(new URL('../../../test/fixtures/folder-unbindable', import.meta.url));
const COMMON = join(WAN, 'cases', 'common');

function interfaceArgs(overrides: Record<string, string> = {}, extra: string[] = []): string[] {
  const flags: Record<string, string> = {
    '--model': join(WAN, 't2v'),
    '--preset': 'wan2.1-t2v-1.3b',
    '--prompt-embeds': join(COMMON, 'pos.npy'),
    '--negative-embeds': join(COMMON, 'neg.npy'),
    '--frames': '17',
    '--size': '64x48',
    '--init': join(COMMON, 'init.npy'),
    '--noise': join(COMMON, 'stream.npy'),
    '--solver': 'euler',
    '--steps': '4',
    '--shift': '5',
    '--cfg': '5',
    ...overrides,
  };
  return ['generate', ...Object.entries(flags).flat(), ...extra];
}

/** .safetensors with one F32 tensor. */
function writeSafetensors(path: string, data: Float32Array, shape: number[]): void {
  let json = JSON.stringify({ states: { dtype: 'F32', shape, data_offsets: [0, data.byteLength] } });
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([head, Buffer.from(json), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

test('generate --model DIR prints "nfe N" and writes the final latent [16, F, H/8, W/8]; .safetensors and [1, L, 4096] embeddings give the same bits', () => {
  const dir = scratchDir('folder-gen');
  const out = join(dir, 'x.npy');
  const r = runCli(...interfaceArgs({ '--out': out }, ['--refine', 'pnp', '--plan', '0-1:2', '--tau', '0.25']));
  assert.equal(r.code, 0, r.stderr);
  const nfe = /^nfe (\d+)$/m.exec(r.stdout);
  assert.ok(nfe !== null, r.stdout);
  assert.ok(Number(nfe[1]) >= 4 && Number(nfe[1]) <= 8, `4 steps plus at most 2 × 2 inner evaluations, got ${nfe[1]}`);
  const x = readNpyFloat32(out);
  assert.deepEqual(x.shape, [16, 5, 6, 8]);

  const pos = readNpyFloat32(join(COMMON, 'pos.npy'));
  const posSt = join(dir, 'pos.safetensors');
  writeSafetensors(posSt, pos.data, [1, ...pos.shape]);
  const negBatched = join(dir, 'neg.npy');
  const neg = readNpyFloat32(join(COMMON, 'neg.npy'));
  writeNpy(negBatched, neg.data, [1, ...neg.shape]);
  const out2 = join(dir, 'y.npy');
  const r2 = runCli(...interfaceArgs({ '--out': out2, '--prompt-embeds': posSt, '--negative-embeds': negBatched }, ['--refine', 'pnp', '--plan', '0-1:2', '--tau', '0.25']));
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(readNpyFloat32(out2).data, x.data);
});

test('--condition-latent keeps the first N latent frames on the clean latent: the final latent equals it there', () => {
  const dir = scratchDir('folder-cond');
  const clean = new Float32Array(16 * 5 * 6 * 8).map((_, i) => Math.sin(i));
  const cond = join(dir, 'clean.npy');
  writeNpy(cond, clean, [16, 5, 6, 8]);
  const out = join(dir, 'x.npy');
  const r = runCli(...interfaceArgs({ '--out': out }, ['--refine', 'pnp', '--plan', '0-1:2', '--tau', '0.25', '--condition-latent', `${cond}:2`]));
  assert.equal(r.code, 0, r.stderr);
  const x = readNpyFloat32(out).data;
  let givenErr = 0;
  let restDiff = 0;
  for (let c = 0; c < 16; c++) {
    for (let i = 0; i < 5 * 48; i++) {
      const j = c * 5 * 48 + i;
      if (i < 2 * 48) givenErr = Math.max(givenErr, Math.abs(x[j] - clean[j]));
      else restDiff = Math.max(restDiff, Math.abs(x[j] - clean[j]));
    }
  }
  assert.ok(givenErr < 1e-5, `given frames end on the clean latent (max error ${givenErr})`);
  assert.ok(restDiff > 0.1, 'the other frames are generated');
  const bad = runCli(...interfaceArgs({ '--out': out }, ['--condition-latent', `${cond}:5`]));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--condition-latent N must be in 1\.\.4/);
});

test('bad input to generate --model DIR: one line, exit 2, nothing written', () => {
  const dir = scratchDir('folder-bad');
  const wide = join(dir, 'wide.npy');
  writeNpy(wide, new Float32Array(3 * 4095), [3, 4095]);
  const long = join(dir, 'long.npy');
  writeNpy(long, new Float32Array(513 * 4096), [513, 4096]);
  const badInit = join(dir, 'init.npy');
  writeNpy(badInit, new Float32Array(16 * 5 * 6 * 7), [16, 5, 6, 7]);
  const shortStream = join(dir, 'stream.npy');
  writeNpy(shortStream, new Float32Array(16 * 5 * 6 * 8), [1, 16, 5, 6, 8]);
  const cases: [string, string[], RegExp][] = [
    ['folder without transformer/', interfaceArgs({ '--model': dir }), /no transformer\/model\.onnx/],
    ['unbindable graph', interfaceArgs({ '--model': UNBINDABLE }), /cannot bind the latent input; the graph's inputs are noisy float32/],
    ['embeddings of the wrong width', interfaceArgs({ '--prompt-embeds': wide }), /text states are 4095 wide; this model reads 4096/],
    ['more than 512 tokens', interfaceArgs({ '--negative-embeds': long }), /513 tokens; this model reads at most 512/],
    ['frames not 4k+1', interfaceArgs({ '--frames': '18' }), /--frames 18: .*nearest valid count is 17/],
    ['size not a multiple of 16', interfaceArgs({ '--size': '64x40' }), /--size 64x40: .*nearest valid size is 64x48/],
    ['--init of the wrong shape', interfaceArgs({ '--init': badInit }), /initial latent of shape \[16, 5, 6, 7\]; this run's latent is \[16, 5, 6, 8\]/],
    ['a stream that runs out', interfaceArgs({ '--noise': shortStream }, ['--refine', 'pnp', '--plan', '0-1:2', '--tau', '0', '--no-early-exit']), /noise stream exhausted after 1 draw/],
    ['an --out that is not .npy without a decoder', interfaceArgs({ '--out': join(dir, 'clip.gif') }), /give a \.npy path \(the folder has no vae_decoder\/\)/],
  ];
  if (!cudaProviderInstalled()) cases.push(['a missing CUDA provider', interfaceArgs({}, ['--device', 'cuda']), /no CUDA execution provider; install it with `ONNXRUNTIME_NODE_INSTALL=cuda12 node/]);
  for (const [what, args, message] of cases) {
    const withOut = args.includes('--out') ? args : [...args, '--out', join(dir, 'x.npy')];
    const r = runCli(...withOut);
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    assert.match(r.stderr, /^selfrefine: error: [^\n]+\n$/, `${what}: one line`);
    assert.match(r.stderr, message, what);
  }
  assert.deepEqual(readdirSync(dir).sort(), ['init.npy', 'long.npy', 'stream.npy', 'wide.npy'], 'no output was written');
});

test('the shipped physics model refuses model-folder flags', () => {
  const r = runCli('generate', '--model', join(MODEL_DIR, 'card.json'), '--prompt', 'drift', '--frames', '17', '--out', join(scratchDir('folder-phys'), 'a.gif'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--frames applies to model folders \(--model DIR\)/);
  assert.equal(existsSync(join(WAN, 't2v', 'selfrefine.json')), false, 'the interface folder has no selfrefine.json');
});
