// Reading the shipped VAE's vae.json from disk (Node only; the browser fetches it and calls PatchPcaVae.fromJson).
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { PatchPcaVae } from './vae.js';

export function readPatchPcaVae(path: string): PatchPcaVae {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read VAE ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return PatchPcaVae.fromJson(json, path);
}
