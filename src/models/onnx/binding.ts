// Binding a denoiser graph's inputs and output to their roles (noisy latent, timestep, text states, prediction) by
// the names public exports use, read from the graph itself; a name map (selfrefine.json) overrides the aliases.
import { UsageError } from '../../errors.js';
import { float32ToHalf, halfToFloat32 } from '../../core/half.js';
import { describeValues } from './graph-client.js';
import type { GraphTensor, GraphValueInfo } from './graph-protocol.js';

export type InputRole = 'latent' | 'timestep' | 'text';
export type Role = InputRole | 'output';

/**
 * Known names per role: TensorStack/Wan2.1-T2V-1.3B-onnx (hidden_states, timestep, encoder_hidden_states →
 * out_sample), AkaneTendo25/wan21-onnx (latent_input, timestep, text_embeddings → noise_prediction), diffusers and
 * ComfyUI spellings.
 */
export const ROLE_ALIASES: Readonly<Record<Role, readonly string[]>> = {
  latent: ['hidden_states', 'latent_input', 'sample', 'x', 'latent', 'latents', 'latent_model_input'],
  timestep: ['timestep', 't', 'sigma', 'timesteps'],
  text: ['encoder_hidden_states', 'text_embeddings', 'context', 'prompt_embeds'],
  output: ['out_sample', 'noise_prediction', 'noise_pred', 'sample', 'output', 'v', 'velocity'],
};

export type NameMap = Partial<Record<Role, string>>;

/** Element types accepted at each role; float16 is converted at the boundary. */
const FLOAT_TYPES = ['float32', 'float16'];
const TIMESTEP_TYPES = ['float32', 'float16', 'int64'];

export interface BoundValue {
  readonly name: string;
  readonly dtype: 'float32' | 'float16' | 'int64';
  readonly shape: readonly (number | string)[];
}

export interface GraphBinding {
  readonly latent: BoundValue;
  readonly timestep: BoundValue;
  readonly text: BoundValue;
  readonly output: BoundValue;
  /** Whether the graph takes several latents in one run (its batch dimension is not fixed at 1). */
  readonly batched: boolean;
}

/** The first value named by one of `aliases` (in the aliases' order), skipping names already `taken`. */
export function findByAliases(values: readonly GraphValueInfo[], aliases: readonly string[], taken: ReadonlySet<string> = new Set()): GraphValueInfo | undefined {
  for (const alias of aliases) {
    const hit = values.find((v) => v.name === alias && !taken.has(v.name));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** The value named by one of `aliases`; otherwise one error line naming the graph's values and the names tried. */
export function bindByAliases(values: readonly GraphValueInfo[], aliases: readonly string[], what: string, where: string): GraphValueInfo {
  const v = findByAliases(values, aliases);
  if (v === undefined) throw new UsageError(`${where}: cannot bind the ${what}; the graph has ${describeValues(values)}; names tried: ${aliases.join(', ')}`);
  return v;
}

/** float32 data as a feed of the value's float type: a float16 input gets the data's float16 bits. */
export function floatFeed(value: { readonly dtype: string }, data: Float32Array, dims: readonly number[]): GraphTensor {
  return value.dtype === 'float16' ? { dtype: 'float16', data: float32ToHalf(data), dims } : { dtype: 'float32', data, dims };
}

/** A float output as float32 (float16 widened); undefined for an output of any other type. */
export function floatOutput(t: GraphTensor): Float32Array | undefined {
  return t.dtype === 'float16' ? halfToFloat32(t.data as Uint16Array) : t.dtype === 'float32' ? (t.data as Float32Array) : undefined;
}

function pick(values: readonly GraphValueInfo[], role: Role, map: NameMap, taken: ReadonlySet<string>): GraphValueInfo | undefined {
  const wanted = map[role];
  return wanted !== undefined ? values.find((v) => v.name === wanted) : findByAliases(values, ROLE_ALIASES[role], taken);
}

function checkType(v: GraphValueInfo, role: Role, allowed: readonly string[], where: string): BoundValue {
  if (!allowed.includes(v.dtype)) {
    throw new UsageError(`${where}: ${role} '${v.name}' is ${v.dtype || 'not a tensor'}; this runtime feeds ${allowed.join(' or ')}`);
  }
  return { name: v.name, dtype: v.dtype as BoundValue['dtype'], shape: v.shape };
}

/** Bind a denoiser graph; an unbindable one is one error line listing its inputs and the names tried. */
export function bindDenoiser(inputs: readonly GraphValueInfo[], outputs: readonly GraphValueInfo[], where: string, map: NameMap = {}): GraphBinding {
  const taken = new Set<string>();
  const found: Partial<Record<InputRole, GraphValueInfo>> = {};
  for (const role of ['latent', 'timestep', 'text'] as const) {
    const v = pick(inputs, role, map, taken);
    if (v === undefined) {
      const tried = map[role] !== undefined ? `'${map[role]}' (selfrefine.json names)` : ROLE_ALIASES[role].join(', ');
      throw new UsageError(
        `${where}: cannot bind the ${role} input; the graph's inputs are ${describeValues(inputs)}; names tried: ${tried}; name it in selfrefine.json "inputs"`,
      );
    }
    taken.add(v.name);
    found[role] = v;
  }
  const unused = inputs.filter((v) => !taken.has(v.name));
  if (unused.length > 0) throw new UsageError(`${where}: the graph has inputs this runtime does not feed: ${describeValues(unused)}`);
  // A graph with a single output needs no name.
  const out = outputs.length === 1 && map.output === undefined ? outputs[0] : pick(outputs, 'output', map, new Set());
  if (out === undefined) {
    throw new UsageError(`${where}: cannot bind the output; the graph's outputs are ${describeValues(outputs)}; names tried: ${ROLE_ALIASES.output.join(', ')}`);
  }
  const latent = checkType(found.latent as GraphValueInfo, 'latent', FLOAT_TYPES, where);
  if (latent.shape.length !== 0 && latent.shape.length !== 5) {
    throw new UsageError(`${where}: latent input '${latent.name}' has rank ${latent.shape.length}; a video denoiser takes [batch, C, F, H, W]`);
  }
  const batchDim = latent.shape[0];
  return {
    latent,
    timestep: checkType(found.timestep as GraphValueInfo, 'timestep', TIMESTEP_TYPES, where),
    text: checkType(found.text as GraphValueInfo, 'text', FLOAT_TYPES, where),
    output: checkType(out, 'output', FLOAT_TYPES, where),
    batched: batchDim !== 1,
  };
}
