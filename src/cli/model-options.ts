// The options that pick the shipped model and how it runs: --model (its card) and --guide-weight (autoguidance).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_MODEL_CARD, loadCardModel, type CardModel } from '../models/card-loader.js';
import { parseNumber } from './flags.js';
import { UsageError } from '../errors.js';
import { isModelFolder } from '../models/folder/folder.js';

export interface ModelFlags {
  model: string;
  guideWeight?: string;
}

export function addModelOptions(cmd: Command): Command {
  return cmd
    .option('--model <card.json|DIR>', 'model card of the ONNX model (or its directory), or a model folder (transformer/model.onnx, …)', DEFAULT_MODEL_CARD)
    .option('--guide-weight <w>', "autoguidance weight, replacing the card's (0 runs the model without its guide network)");
}

/** Load the model the flags name; `threads` for the ONNX sessions (default: all cores). */
export async function loadModelFromFlags(flags: ModelFlags, threads?: number): Promise<CardModel> {
  if (isModelFolder(flags.model)) throw new UsageError(`--model ${flags.model}: this command runs the physics model's card; model folders run with \`selfrefine generate --model DIR\` and \`selfrefine serve --model DIR\``);
  const guideWeight =
    flags.guideWeight !== undefined ? parseNumber(flags.guideWeight, '--guide-weight', (n) => Number.isFinite(n) && n >= 0, 'a number ≥ 0') : undefined;
  // A directory holding card.json names that card.
  const card = existsSync(join(flags.model, 'card.json')) ? join(flags.model, 'card.json') : flags.model;
  return loadCardModel(card, { ...(threads !== undefined ? { threads } : {}), ...(guideWeight !== undefined ? { guideWeight } : {}) });
}
