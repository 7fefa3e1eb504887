// Text states for a model folder from the command line: --prompt-embeds/--negative-embeds files, or --prompt and
// --negative-prompt text through the folder's tokenizer and text encoder (cached on disk). With a text prompt and
// no negative one, a Wan folder uses Wan's default negative prompt.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { CACHE_DIR_ENV, defaultCacheDir } from '../io/cache.js';
import { readFloatTensor } from '../io/tensor-file.js';
import type { FolderLayout } from '../models/folder/folder.js';
import { FAMILIES, type FamilyName } from '../models/family.js';
import type { GraphOptions } from '../models/onnx/graph.js';
import { PromptEncoder } from '../models/text/encoder.js';
import { WAN_NEGATIVE_PROMPT } from '../models/wan/negative-prompt.js';

export interface FolderTextFlags {
  prompt?: string;
  negativePrompt?: string;
  promptEmbeds?: string;
  negativeEmbeds?: string;
  cacheDir?: string;
}

export function addFolderTextOptions(cmd: Command): Command {
  return cmd
    .option('--negative-prompt <text>', "model folder: the negative prompt as text (default with --prompt: Wan's default negative prompt)")
    .option('--cache-dir <dir>', `model folder: where encoded prompts are cached (default $${CACHE_DIR_ENV}, else $XDG_CACHE_HOME/selfrefine or ~/.cache/selfrefine)`);
}

/** Text states as given or encoded: real tokens only, [tokens, width] (or [1, tokens, width] from a file). */
export interface PromptStates {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  /** Names the source in errors: the flag, and the file if any. */
  readonly source: string;
}

export interface FolderTextStates {
  readonly positive: PromptStates;
  /** Undefined when neither a negative prompt nor negative states were given (and the prompt was not text). */
  readonly negative: PromptStates | undefined;
  /** Prompts whose states came from the cache, and prompts encoded now. */
  readonly cached: number;
  readonly encoded: number;
}

type Source = { readonly text: string; readonly flag: string } | { readonly file: string; readonly flag: string };

/**
 * The prompt's and the negative prompt's states (pad them with padTextStates). Texts are encoded with the folder's
 * encoder, which is opened only when a text is not in the cache, and released before returning so that it never
 * shares the memory with the transformer.
 */
export async function folderTextStates(flags: FolderTextFlags, layout: FolderLayout, family: FamilyName, graph: GraphOptions): Promise<FolderTextStates> {
  if (flags.prompt !== undefined && flags.promptEmbeds !== undefined) throw new UsageError('give either --prompt or --prompt-embeds, not both');
  if (flags.negativePrompt !== undefined && flags.negativeEmbeds !== undefined) throw new UsageError('give either --negative-prompt or --negative-embeds, not both');
  let positive: Source;
  if (flags.prompt !== undefined) positive = { text: flags.prompt, flag: '--prompt' };
  else if (flags.promptEmbeds !== undefined) positive = { file: flags.promptEmbeds, flag: '--prompt-embeds' };
  else throw new UsageError('a model folder needs --prompt TEXT (with its text_encoder/ and tokenizer/) or --prompt-embeds FILE');
  let negative: Source | undefined;
  if (flags.negativePrompt !== undefined) negative = { text: flags.negativePrompt, flag: '--negative-prompt' };
  else if (flags.negativeEmbeds !== undefined) negative = { file: flags.negativeEmbeds, flag: '--negative-embeds' };
  else if (flags.prompt !== undefined) negative = { text: family === 'wan' ? WAN_NEGATIVE_PROMPT : '', flag: '--negative-prompt' };

  const sources = negative === undefined ? [positive] : [positive, negative];
  let encoder: PromptEncoder | undefined;
  if (sources.some((s) => 'text' in s)) {
    if (layout.textEncoder === undefined || layout.tokenizer === undefined) {
      const missing = [layout.textEncoder === undefined ? 'text_encoder/model.onnx' : '', layout.tokenizer === undefined ? 'tokenizer/' : ''].filter((s) => s !== '').join(' and ');
      throw new UsageError(`--model ${layout.dir} has no ${missing}: give the prompts as text-encoder states (--prompt-embeds, --negative-embeds)`);
    }
    const maxTokens = layout.config.textLength ?? FAMILIES[family].textLength;
    encoder = await PromptEncoder.create({ textEncoder: layout.textEncoder, tokenizer: layout.tokenizer }, { ...graph, cacheDir: flags.cacheDir ?? defaultCacheDir(), maxTokens });
  }
  let cached = 0;
  let encoded = 0;
  const states = async (source: Source): Promise<PromptStates> => {
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
