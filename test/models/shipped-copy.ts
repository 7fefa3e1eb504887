// Shared by the tests of cards that name further networks (a high-noise expert, an autoguide network): a scratch copy
// of the shipped model's directory whose extra network is model.onnx itself, so the combined model must compute what
// the single network does.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NormalRng } from '../../src/core/rng.js';
import type { VelocityModel } from '../../src/core/model.js';
import { DEFAULT_MODEL_CARD } from '../../src/models/card-loader.js';

export interface ShippedCopy {
  readonly dir: string;
  /** The shipped card without `highNoiseExpert` and `autoguide`: its low-noise network alone (written as single.json). */
  readonly card: Record<string, unknown>;
  /** model.onnx's bytes, also written as `extraFile`, and their sha256. */
  readonly bytes: Buffer;
  readonly sha: string;
  /** Write a card (JSON) into the copy; returns its path. */
  writeCard(name: string, card: Record<string, unknown>): string;
  /** Flip one byte of `extraFile` so that its sha256 no longer matches. */
  corruptExtra(): void;
}

export async function withShippedCopy(prefix: string, extraFile: string, body: (copy: ShippedCopy) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    cpSync(join(DEFAULT_MODEL_CARD, '..'), dir, { recursive: true });
    const { highNoiseExpert: _expert, autoguide: _guide, ...card } = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) as Record<string, unknown>;
    const bytes = readFileSync(join(dir, 'model.onnx'));
    writeFileSync(join(dir, extraFile), bytes);
    const writeCard = (name: string, c: Record<string, unknown>): string => {
      writeFileSync(join(dir, name), JSON.stringify(c));
      return join(dir, name);
    };
    writeCard('single.json', card);
    await body({
      dir,
      card,
      bytes,
      sha: createHash('sha256').update(bytes).digest('hex'),
      writeCard,
      corruptExtra: () => {
        const corrupted = Buffer.from(bytes);
        corrupted[corrupted.length >> 1] ^= 0xff;
        writeFileSync(join(dir, extraFile), corrupted);
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both models give bit-identical conditional velocities on one random latent at each σ. */
export async function assertSameVelocity(expected: VelocityModel, actual: VelocityModel, sigmas: readonly number[], message?: string): Promise<void> {
  const n = expected.shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  new NormalRng(4).fill(x);
  for (const sigma of sigmas) {
    const a = [new Float32Array(n)];
    const b = [new Float32Array(n)];
    await expected.velocity([{ x, condition: { label: 'drift' } }], sigma, a);
    await actual.velocity([{ x, condition: { label: 'drift' } }], sigma, b);
    assert.deepEqual(b[0], a[0], message);
  }
}
