// Reading a model card and its ONNX files from disk (Node only; card.ts checks them).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../../errors.js';
import { loadCardFrom, type CardFiles, type LoadedCard } from './card.js';

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

/** The card files beside `cardPath` on disk. */
export function diskCardFiles(cardPath: string): CardFiles {
  const dir = dirname(cardPath);
  return {
    dir,
    locate: (name) => join(dir, name),
    readCard: async () => {
      try {
        return readFileSync(cardPath, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read model card ${cardPath}: ${errorCode(err)}`);
      }
    },
    readModel: async (onnxPath) => {
      try {
        return readFileSync(onnxPath);
      } catch (err) {
        throw new UsageError(`cannot read model file ${onnxPath}: ${errorCode(err)}; restore it from the repository (git checkout -- ${onnxPath})`);
      }
    },
  };
}

/** Read and validate `card.json`, then read the ONNX files it names and check their sha256 against the card. */
export function loadModelCard(cardPath: string): Promise<LoadedCard> {
  return loadCardFrom(cardPath, diskCardFiles(cardPath));
}
