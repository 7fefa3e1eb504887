// The model card shipped beside an ONNX velocity model: what the network expects, checked on load.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../errors.js';

const tensorSpec = z.object({ name: z.string(), shape: z.array(z.union([z.number().int(), z.string()])), dtype: z.string() });

export const modelCardSchema = z.object({
  name: z.string(),
  inputs: z.array(tensorSpec),
  outputs: z.array(tensorSpec),
  latentShape: z.array(z.number().int().positive()).length(4),
  nullScenarioId: z.number().int().nonnegative(),
  scenarios: z.array(z.object({ id: z.number().int().nonnegative(), name: z.string(), prompt: z.string() })).min(1),
  frames: z.number().int().positive(),
  frameSize: z.array(z.number().int().positive()).length(2),
  vae: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  onnx: z.string().default('model.onnx'),
  /**
   * A second network that takes over at high noise (σ ≥ fromSigma), as Wan2.2 A14B pairs a high-noise and a
   * low-noise expert; `onnx` above is then the low-noise expert. Same inputs, outputs and conditioning.
   */
  highNoiseExpert: z
    .object({ onnx: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), fromSigma: z.number().gt(0).lt(1) })
    .passthrough()
    .optional(),
  /**
   * Autoguidance: a weaker network of the same family (same inputs, outputs and conditioning) that the conditional
   * velocity is pushed away from, v_c + weight·(v_c − v_guide), for σ ≥ fromSigma (src/models/autoguided.ts).
   */
  autoguide: z
    .object({ onnx: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), weight: z.number().nonnegative(), fromSigma: z.number().min(0).lt(1) })
    .passthrough()
    .optional(),
}).passthrough();

export type ModelCard = z.infer<typeof modelCardSchema>;

export const REQUIRED_INPUTS = ['x', 'sigma', 'scenario', 'given', 'given_mask'] as const;

export interface LoadedCard {
  readonly card: ModelCard;
  readonly dir: string;
  readonly onnxPath: string;
  readonly onnxBytes: Uint8Array;
  /** The high-noise expert's file, checked against its sha256, when the card names one. */
  readonly highNoiseExpert?: { readonly onnxPath: string; readonly onnxBytes: Uint8Array; readonly fromSigma: number };
  /** The autoguidance network's file, checked against its sha256, when the card names one. */
  readonly autoguide?: { readonly onnxPath: string; readonly onnxBytes: Uint8Array; readonly weight: number; readonly fromSigma: number };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Read and validate `card.json`, then read the ONNX file and check its sha256 against the card. */
export function loadModelCard(cardPath: string): LoadedCard {
  let json: unknown;
  try {
    json = JSON.parse(readText(cardPath, 'model card'));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${cardPath}: model card is not valid JSON (${(err as Error).message})`);
  }
  const parsed = modelCardSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${cardPath}: model card field '${issue.path.join('.')}': ${issue.message}`);
  }
  const card = parsed.data;
  const names = card.inputs.map((i) => i.name);
  const missing = REQUIRED_INPUTS.filter((n) => !names.includes(n));
  if (missing.length > 0) throw new UsageError(`${cardPath}: the card lists no input(s) ${missing.join(', ')}; this runtime feeds ${REQUIRED_INPUTS.join(', ')}`);
  if (!card.outputs.some((o) => o.name === 'v')) throw new UsageError(`${cardPath}: the card lists no output 'v'`);
  const dir = dirname(cardPath);
  const onnxPath = join(dir, card.onnx);
  const onnxBytes = readCheckedOnnx(onnxPath, card.sha256);
  const { highNoiseExpert: expert, autoguide: guide } = card;
  return {
    card,
    dir,
    onnxPath,
    onnxBytes,
    ...(expert === undefined ? {} : { highNoiseExpert: { ...readExtraNetwork(dir, expert), fromSigma: expert.fromSigma } }),
    ...(guide === undefined ? {} : { autoguide: { ...readExtraNetwork(dir, guide), weight: guide.weight, fromSigma: guide.fromSigma } }),
  };
}

/** A further network the card names beside its main one (`onnx` relative to the card, checked against `sha256`). */
function readExtraNetwork(dir: string, entry: { readonly onnx: string; readonly sha256: string }): { onnxPath: string; onnxBytes: Uint8Array } {
  const onnxPath = join(dir, entry.onnx);
  return { onnxPath, onnxBytes: readCheckedOnnx(onnxPath, entry.sha256) };
}

/** A model file's bytes, after checking them against the sha256 the card records. */
function readCheckedOnnx(onnxPath: string, sha256: string): Uint8Array {
  let onnxBytes: Buffer;
  try {
    onnxBytes = readFileSync(onnxPath);
  } catch (err) {
    throw new UsageError(`cannot read model file ${onnxPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; restore it from the repository (git checkout -- ${onnxPath})`);
  }
  const digest = createHash('sha256').update(onnxBytes).digest('hex');
  if (digest !== sha256) {
    throw new UsageError(
      `${onnxPath}: sha256 ${digest.slice(0, 12)}… does not match the model card (${sha256.slice(0, 12)}…): the file is corrupted or belongs to another card`,
    );
  }
  return onnxBytes;
}
