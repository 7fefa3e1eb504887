// Text states for a model folder from the command line: --prompt-embeds/--negative-embeds files, or --prompt and
// --negative-prompt text through the folder's tokenizer and text encoder (cached on disk). With a text prompt and
// no negative one, a Wan folder uses Wan's default negative prompt.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { CACHE_DIR_ENV, defaultCacheDir } from '../io/cache.js';
import type { FolderLayout } from '../models/folder/folder.js';
import type { FamilyName } from '../models/family.js';
import type { GraphOptions } from '../models/onnx/graph.js';
import { defaultNegativePrompt, promptStates, type FolderTextStates, type PromptSource } from '../models/folder/prompts.js';

export type { FolderTextStates, PromptStates } from '../models/folder/prompts.js';

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

/** The prompt's and the negative prompt's states as the flags give them (pad them with padTextStates). */
export async function folderTextStates(flags: FolderTextFlags, layout: FolderLayout, family: FamilyName, graph: GraphOptions): Promise<FolderTextStates> {
  if (flags.prompt !== undefined && flags.promptEmbeds !== undefined) throw new UsageError('give either --prompt or --prompt-embeds, not both');
  if (flags.negativePrompt !== undefined && flags.negativeEmbeds !== undefined) throw new UsageError('give either --negative-prompt or --negative-embeds, not both');
  let positive: PromptSource;
  if (flags.prompt !== undefined) positive = { text: flags.prompt, flag: '--prompt' };
  else if (flags.promptEmbeds !== undefined) positive = { file: flags.promptEmbeds, flag: '--prompt-embeds' };
  else throw new UsageError('a model folder needs --prompt TEXT (with its text_encoder/ and tokenizer/) or --prompt-embeds FILE');
  let negative: PromptSource | undefined;
  if (flags.negativePrompt !== undefined) negative = { text: flags.negativePrompt, flag: '--negative-prompt' };
  else if (flags.negativeEmbeds !== undefined) negative = { file: flags.negativeEmbeds, flag: '--negative-embeds' };
  else if (flags.prompt !== undefined) negative = { text: defaultNegativePrompt(family), flag: '--negative-prompt' };

  return promptStates(layout, family, positive, negative, { ...graph, cacheDir: flags.cacheDir ?? defaultCacheDir() });
}
