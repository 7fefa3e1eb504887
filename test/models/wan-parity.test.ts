// `generate --model DIR` on the tiny Wan fixtures against the PyTorch reference (tools/wan/reference.py): the final
// latent of every case within 1e-4 of the reference (max|a − b| / max|b|), and the same NFE count. Then the bad
// inputs a model folder run must refuse: exit 2, one line on stderr, no output file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpyFloat32, writeNpy } from '../../src/io/npy.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/wan-tiny', import.meta.url));
const CASES = join(FIXTURES, 'cases');
const TOLERANCE = 1e-4;

interface ParityCase {
  /** Model folder under the fixtures. */
  readonly model: string;
  /** CLI arguments after `generate --model DIR`; .npy paths are relative to the fixtures folder. */
  readonly args: readonly string[];
  /** NFE the reference spent. */
  readonly nfe: number;
}

function readCase(name: string): ParityCase {
  return JSON.parse(readFileSync(join(CASES, name, 'args.json'), 'utf8')) as ParityCase;
}

function resolveArgs(args: readonly string[]): string[] {
  return args.map((a) => (a.endsWith('.npy') ? join(FIXTURES, a) : a));
}

function maxRelativeError(got: Float32Array, want: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / scale;
}

const caseNames = readdirSync(CASES).filter((n) => existsSync(join(CASES, n, 'args.json'))).sort();

test('the fixtures hold every parity case the issue names', () => {
  for (const name of ['euler-none', 'unipc-none', 'euler-pnp-mask', 'euler-pnp-nomask', 'unipc-pnp-mask', 'a14b-unipc-pnp', 'fp16-euler-pnp']) {
    assert.ok(caseNames.includes(name), `missing case ${name}`);
  }
});

for (const name of caseNames) {
  test(`wan parity: ${name}`, (t) => {
    const c = readCase(name);
    const out = join(scratchDir('wan-parity'), 'x.npy');
    const r = runCli('generate', '--model', join(FIXTURES, c.model), ...resolveArgs(c.args), '--out', out);
    assert.equal(r.code, 0, r.stderr);
    const nfe = /\bnfe (\d+)\b/.exec(r.stdout);
    assert.ok(nfe !== null, `no "nfe N" in the output: ${r.stdout}`);
    assert.equal(Number(nfe[1]), c.nfe, 'NFE differs from the reference');
    const want = readNpyFloat32(join(CASES, name, 'expected.npy'));
    const got = readNpyFloat32(out);
    assert.equal(got.data.length, want.data.length, `x.npy has shape [${got.shape.join(',')}], the reference [${want.shape.join(',')}]`);
    const err = maxRelativeError(got.data, want.data);
    t.diagnostic(`max relative error ${err.toExponential(2)} (nfe ${c.nfe})`);
    assert.ok(err <= TOLERANCE, `max|x − reference| / max|reference| = ${err.toExponential(2)} > ${TOLERANCE}`);
  });
}

test('the reference cases: the akane folder gives the t2v result, refinement changes it', () => {
  // The t2v and akane folders hold the same weights under different I/O names.
  const plain = readNpyFloat32(join(CASES, 'euler-none', 'expected.npy')).data;
  const akane = readNpyFloat32(join(CASES, 'akane-euler-none', 'expected.npy')).data;
  const masked = readNpyFloat32(join(CASES, 'euler-pnp-mask', 'expected.npy')).data;
  assert.equal(maxRelativeError(akane, plain), 0);
  assert.ok(maxRelativeError(masked, plain) > 1e-2);
});

/** Flags of the Euler case without refinement, with `changes` replacing or adding flags. */
function eulerArgs(changes: Readonly<Record<string, string>> = {}): string[] {
  const args = resolveArgs(readCase('euler-none').args);
  const out: string[] = [];
  for (let i = 0; i < args.length; i += 2) out.push(args[i], changes[args[i]] ?? args[i + 1]);
  for (const [flag, value] of Object.entries(changes)) if (!args.includes(flag)) out.push(flag, value);
  return out;
}

function assertRefused(r: CliResult, out: string, pattern: RegExp): void {
  assert.equal(r.code, 2, `exit ${r.code}; stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], /^selfrefine: error: /);
  assert.match(lines[0], pattern);
  assert.equal(existsSync(out), false, 'an output file was written');
}

test('bad inputs for a model folder: exit 2, one line, nothing written', async (t) => {
  const dir = scratchDir('wan-bad');
  const out = join(dir, 'x.npy');
  const t2v = join(FIXTURES, 't2v');

  await t.test('a folder without transformer/', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    assertRefused(runCli('generate', '--model', empty, ...eulerArgs(), '--out', out), out, /transformer/);
  });

  await t.test('a graph that cannot be bound', () => {
    const wrong = join(dir, 'wrong', 'transformer');
    mkdirSync(wrong, { recursive: true });
    copyFileSync(join(FIXTURES, 'full', 'vae_decoder', 'model.onnx'), join(wrong, 'model.onnx'));
    assertRefused(runCli('generate', '--model', join(dir, 'wrong'), ...eulerArgs(), '--out', out), out, /latent_sample/);
  });

  await t.test('embeddings of the wrong width', () => {
    const narrow = join(dir, 'narrow.npy');
    writeNpy(narrow, new Float32Array(7 * 100), [7, 100]);
    assertRefused(runCli('generate', '--model', t2v, ...eulerArgs({ '--prompt-embeds': narrow }), '--out', out), out, /4096/);
  });

  await t.test('embeddings longer than 512 tokens', () => {
    const long = join(dir, 'long.npy');
    writeNpy(long, new Float32Array(513 * 4096), [513, 4096]);
    assertRefused(runCli('generate', '--model', t2v, ...eulerArgs({ '--negative-embeds': long }), '--out', out), out, /512/);
  });

  await t.test('frames that are not 4k+1', () => {
    assertRefused(runCli('generate', '--model', t2v, ...eulerArgs({ '--frames': '16' }), '--out', out), out, /frames/);
  });

  await t.test('a size that is not a multiple of 16', () => {
    assertRefused(runCli('generate', '--model', t2v, ...eulerArgs({ '--size': '72x48' }), '--out', out), out, /16/);
  });

  await t.test('an --init of the wrong shape', () => {
    const init = join(dir, 'init.npy');
    writeNpy(init, new Float32Array(16 * 4 * 6 * 8), [16, 4, 6, 8]);
    assertRefused(runCli('generate', '--model', t2v, ...eulerArgs({ '--init': init }), '--out', out), out, /init/);
  });

  await t.test('a noise stream that runs out', () => {
    const stream = join(dir, 'stream.npy');
    writeNpy(stream, new Float32Array(3 * 16 * 5 * 6 * 8), [3, 16, 5, 6, 8]);
    const args = eulerArgs({ '--noise': stream, '--refine': 'pnp', '--plan': '1-6:2', '--tau': '0' });
    assertRefused(runCli('generate', '--model', t2v, ...args, '--out', out), out, /noise|stream/);
  });
});
