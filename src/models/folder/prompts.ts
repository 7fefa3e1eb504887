// A model folder's text states for a prompt and a negative prompt: texts through the folder's tokenizer and text
// encoder (cached on disk, keyed by text and encoder), or states read from .npy/.safetensors files. The encoder is
// opened only on a cache miss and released before returning, so that it never shares memory with the transformer.
import { UsageError } from '../../errors.js';
import { readFloatTensor } from '../../io/tensor-file.js';
import type { FolderLayout } from './folder.js';
import { FAMILIES, type FamilyName } from '../family.js';
import type { GraphOptions } from '../onnx/graph.js';
import { PromptEncoder } from '../text/encoder.js';
import { WAN_NEGATIVE_PROMPT } from '../wan/negative-prompt.js';

/** Where a prompt's states come from; `flag` names it in errors (a CLI flag or a request field). */
export type PromptSource = { readonly text: string; readonly flag: string } | { readonly file: string; readonly flag: string };

/** Text states as given or encoded: real tokens only, [tokens, width] (or [1, tokens, width] from a file). */
export interface PromptStates {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  /** Names the source in errors: the flag, and the file if any. */
  readonly source: string;
}

export interface FolderTextStates {
  readonly positive: PromptStates;
  /** Undefined when no negative source was given. */
  readonly negative: PromptStates | undefined;
  /** Prompts whose states came from the cache, and prompts encoded now. */
  readonly cached: number;
  readonly encoded: number;
}

/** The negative prompt used with a text prompt when none is given: Wan's default for Wan folders, else empty. */
export function defaultNegativePrompt(family: FamilyName): string {
  return family === 'wan' ? WAN_NEGATIVE_PROMPT : '';
}

/** What a folder lacks to encode text, e.g. "text_encoder/model.onnx and tokenizer/"; undefined when it has both. */
export function missingTextEncoder(layout: FolderLayout): string | undefined {
  const missing = [layout.textEncoder === undefined ? 'text_encoder/model.onnx' : '', layout.tokenizer === undefined ? 'tokenizer/' : ''].filter((s) => s !== '');
  return missing.length > 0 ? missing.join(' and ') : undefined;
}

/** The states of `positive` and `negative` (pad them with padTextStates). */
export async function promptStates(
  layout: FolderLayout,
  family: FamilyName,
  positive: PromptSource,
  negative: PromptSource | undefined,
  options: GraphOptions & { readonly cacheDir: string },
): Promise<FolderTextStates> {
  const sources = negative === undefined ? [positive] : [positive, negative];
  let encoder: PromptEncoder | undefined;
  if (sources.some((s) => 'text' in s)) {
    const missing = missingTextEncoder(layout);
    if (missing !== undefined) throw new UsageError(`--model ${layout.dir} has no ${missing}: give the prompts as text-encoder states (--prompt-embeds, --negative-embeds)`);
    const maxTokens = layout.config.textLength ?? FAMILIES[family].textLength;
    encoder = await PromptEncoder.create({ textEncoder: layout.textEncoder as string, tokenizer: layout.tokenizer as string }, { ...options, maxTokens });
  }
  let cached = 0;
  let encoded = 0;
  const states = async (source: PromptSource): Promise<PromptStates> => {
    if ('file' in source) return { ...readFloatTensor(source.file), source: `${source.flag} ${source.file}` };
    const prompt = await (encoder as PromptEncoder).encode(source.text);
    if (prompt.cached) cached++;
    else encoded++;
    return { data: prompt.data, shape: prompt.shape, source: `${source.flag} (states of the folder's text encoder)` };
  };
  try {
    const pos = await states(positive);
    const neg = negative !== undefined ? await states(negative) : undefined;
    return { positive: pos, negative: neg, cached, encoded };
  } finally {
    await encoder?.dispose();
  }
}
