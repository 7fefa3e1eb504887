// The tokenizer of a model folder's text encoder (`tokenizer/tokenizer.json`, optionally `tokenizer_config.json`),
// run by @huggingface/tokenizers. Texts are cleaned and truncated as Wan's umT5 tokenizer does.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { UsageError } from '../../errors.js';

/** Wan's text length: prompts are cut to 512 tokens and their embeddings zero-padded to 512 rows. */
export const WAN_TEXT_LENGTH = 512;

export class TextTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    /** The id used for padding when a graph's input length is fixed (T5: `<pad>`, id 0). */
    readonly padId: number,
  ) {}

  static load(dir: string): TextTokenizer {
    const jsonPath = join(dir, 'tokenizer.json');
    if (!existsSync(jsonPath)) throw new UsageError(`${dir} has no tokenizer.json; --prompt needs the folder's tokenizer (or pass --prompt-embeds)`);
    const json = readJson(jsonPath);
    const configPath = join(dir, 'tokenizer_config.json');
    const config = existsSync(configPath) ? readJson(configPath) : {};
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json, config);
    } catch (err) {
      throw new UsageError(`${jsonPath}: cannot build the tokenizer: ${(err as Error).message}`);
    }
    const padToken = typeof config.pad_token === 'string' ? config.pad_token : '<pad>';
    return new TextTokenizer(tokenizer, tokenizer.token_to_id(padToken) ?? 0);
  }

  /**
   * Token ids of a prompt with the tokenizer's special tokens (T5: a closing `</s>`), at most `maxLength` of them.
   * A longer text loses its last words, never its special tokens, as truncation does in the tokenizers library.
   */
  encode(text: string, maxLength = WAN_TEXT_LENGTH): number[] {
    const clean = cleanPrompt(text);
    const full = this.tokenizer.encode(clean).ids;
    // A vocabulary without an unknown token leaves the ids of unknown pieces undefined.
    if (!full.every((id: number) => Number.isInteger(id))) throw new UsageError(`the tokenizer has no id for a piece of the prompt '${clean}' (its tokenizer.json lacks an unknown token)`);
    if (full.length <= maxLength) return full;
    const words = this.tokenizer.encode(clean, { add_special_tokens: false }).ids;
    const prefix = specialPrefixLength(full, words);
    const special = full.length - words.length;
    if (special >= maxLength) throw new UsageError(`the tokenizer adds ${special} special tokens; no room is left for the prompt in ${maxLength}`);
    return [...full.slice(0, prefix), ...words.slice(0, maxLength - special), ...full.slice(prefix + words.length)];
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: true });
  }
}

/** Whitespace runs become one space and the ends are trimmed, as Wan's tokenizer wrapper (`clean='whitespace'`) does. */
export function cleanPrompt(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Where the words begin inside the encoding with special tokens (the number of special tokens before them). */
function specialPrefixLength(full: readonly number[], words: readonly number[]): number {
  for (let k = 0; k + words.length <= full.length; k++) {
    let same = true;
    for (let i = 0; i < words.length && same; i++) same = full[k + i] === words[i];
    if (same) return k;
  }
  return 0;
}

function readJson(path: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
