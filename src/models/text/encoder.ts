// Prompts → text-encoder states, as the Wan pipelines make them: the folder's tokenizer (at most 512 tokens), its
// text encoder (input_ids and, when the graph has one, attention_mask → last_hidden_state), the rows of the real
// tokens kept. The states are cached on disk under a key of the text, the tokenizer and the encoder's files, so a
// prompt seen before neither loads the encoder (gigabytes for umT5-XXL) nor runs it.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ModelOutputError, UsageError } from '../../errors.js';
import { fileSha256, NpyCache, sha256Hex } from '../../io/cache.js';
import { bindByAliases, findByAliases, floatOutput } from '../onnx/binding.js';
import { describeValues, OnnxGraph, type GraphOptions, type GraphTensor } from '../onnx/graph.js';
import { TextTokenizer, WAN_TEXT_LENGTH } from './tokenizer.js';

/** Names of the text encoder's values in public exports (TensorStack's umT5: input_ids → last_hidden_state). */
export const TEXT_ENCODER_ALIASES = {
  ids: ['input_ids', 'ids', 'tokens', 'text_input_ids'],
  mask: ['attention_mask', 'mask'],
  output: ['last_hidden_state', 'hidden_states', 'text_embeddings', 'encoder_hidden_states', 'output'],
} as const;

/** Bumped when the way states are computed changes, so that older cache entries are no longer found. */
const CACHE_VERSION = 'selfrefine-text-states-1';

export interface PromptEncoderFiles {
  /** text_encoder/model.onnx; external-data files beside it belong to it. */
  readonly textEncoder: string;
  /** The tokenizer/ directory. */
  readonly tokenizer: string;
}

export interface PromptEncoderOptions extends GraphOptions {
  /** The cache directory (its `text-states/` holds the states). */
  readonly cacheDir: string;
  readonly maxTokens?: number;
}

export interface EncodedPrompt {
  /** [tokens, width] rows, real tokens only (pad them to the model's text length with padTextStates). */
  readonly data: Float32Array;
  readonly shape: readonly [number, number];
  /** Whether the states came from the cache (the encoder was not run for them). */
  readonly cached: boolean;
}

/** The digest that identifies a folder's encoder and tokenizer: every file of text_encoder/ and tokenizer/. */
async function filesDigest(files: PromptEncoderFiles, cacheDir: string): Promise<string> {
  const parts: string[] = [];
  for (const dir of [dirname(files.textEncoder), files.tokenizer]) {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isFile()) parts.push(`${name}:${await fileSha256(path, cacheDir)}`);
    }
  }
  return sha256Hex(parts.join('\n'));
}

function integerTensor(dtype: string, values: readonly number[], where: string, name: string): GraphTensor {
  const dims = [1, values.length];
  if (dtype === 'int64') return { dtype: 'int64', data: BigInt64Array.from(values, (v) => BigInt(v)), dims };
  if (dtype === 'int32') return { dtype: 'int32', data: Int32Array.from(values), dims };
  throw new UsageError(`${where}: input '${name}' is ${dtype}; token ids and masks are fed as int64 or int32`);
}

/** Encodes prompts with one folder's tokenizer and text encoder; the encoder is opened on the first cache miss. */
export class PromptEncoder {
  private graph: OnnxGraph | undefined;
  private tokenizer: TextTokenizer | undefined;
  private readonly cache: NpyCache;

  private constructor(
    private readonly files: PromptEncoderFiles,
    private readonly options: PromptEncoderOptions,
    /** sha256 of the encoder's and the tokenizer's files. */
    readonly digest: string,
  ) {
    this.cache = new NpyCache(join(options.cacheDir, 'text-states'));
  }

  static async create(files: PromptEncoderFiles, options: PromptEncoderOptions): Promise<PromptEncoder> {
    return new PromptEncoder(files, options, await filesDigest(files, options.cacheDir));
  }

  /** The cache key of a text with this encoder. */
  key(text: string): string {
    return sha256Hex(JSON.stringify([CACHE_VERSION, this.digest, this.options.maxTokens ?? WAN_TEXT_LENGTH, text]));
  }

  async encode(text: string): Promise<EncodedPrompt> {
    const key = this.key(text);
    const hit = this.cache.read(key);
    if (hit !== undefined && hit.shape.length === 2) return { data: hit.data, shape: [hit.shape[0], hit.shape[1]], cached: true };
    const states = await this.run(text);
    this.cache.write(key, states.data, states.shape);
    return { ...states, cached: false };
  }

  /** Release the encoder (the transformer needs the memory more). */
  async dispose(): Promise<void> {
    const g = this.graph;
    this.graph = undefined;
    await g?.dispose();
  }

  private async run(text: string): Promise<{ data: Float32Array; shape: [number, number] }> {
    const where = this.files.textEncoder;
    this.tokenizer ??= TextTokenizer.load(this.files.tokenizer);
    this.graph ??= await OnnxGraph.open(this.files.textEncoder, this.options);
    const graph = this.graph;
    const idsValue = bindByAliases(graph.inputs, TEXT_ENCODER_ALIASES.ids, 'token ids input', where);
    const maskValue = findByAliases(graph.inputs, TEXT_ENCODER_ALIASES.mask);
    const output = graph.outputs.length === 1 ? graph.outputs[0] : bindByAliases(graph.outputs, TEXT_ENCODER_ALIASES.output, 'output', where);
    const others = graph.inputs.filter((v) => v !== idsValue && v !== maskValue);
    if (others.length > 0) throw new UsageError(`${where}: the text encoder has inputs this runtime does not feed: ${describeValues(others)}`);

    const ids = this.tokenizer.encode(text, this.options.maxTokens ?? WAN_TEXT_LENGTH);
    const tokens = ids.length;
    // A graph exported for a fixed length gets the padded sequence and a mask; otherwise the real tokens alone,
    // which gives their rows exactly as padding plus mask would (and is what a graph without a mask needs).
    const fixedLength = typeof idsValue.shape[1] === 'number' && idsValue.shape[1] > 0 ? idsValue.shape[1] : tokens;
    if (fixedLength < tokens) throw new UsageError(`${where}: the encoder takes ${fixedLength} tokens; the prompt has ${tokens}`);
    const padded = [...ids, ...new Array<number>(fixedLength - tokens).fill(this.tokenizer.padId)];
    const feeds: Record<string, GraphTensor> = { [idsValue.name]: integerTensor(idsValue.dtype, padded, where, idsValue.name) };
    if (maskValue !== undefined) {
      const mask = padded.map((_, i) => (i < tokens ? 1 : 0));
      feeds[maskValue.name] = integerTensor(maskValue.dtype, mask, where, maskValue.name);
    }
    const out = (await graph.run(feeds, [output.name]))[output.name];
    const width = out.dims[out.dims.length - 1];
    const rows = out.dims.length === 3 && out.dims[0] === 1 ? out.dims[1] : -1;
    const all = floatOutput(out);
    if (rows < tokens || all === undefined) {
      throw new ModelOutputError(`${where}: output '${output.name}' is ${out.dtype} [${out.dims.join(', ')}]; expected float [1, ${fixedLength}, width]`);
    }
    return { data: all.slice(0, tokens * width), shape: [tokens, width] };
  }
}
