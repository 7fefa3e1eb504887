// The model card shipped beside an ONNX velocity model: what the network expects, checked on load. Platform-neutral:
// the files come through a CardFiles reader (the disk in Node, fetch in the browser: card-file.ts, src/browser/).
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
  /** Where the card's files live (a directory or a URL); the names in the card are relative to it. */
  readonly dir: string;
  readonly onnxPath: string;
  readonly onnxBytes: Uint8Array;
  /** The high-noise expert's file, checked against its sha256, when the card names one. */
  readonly highNoiseExpert?: { readonly onnxPath: string; readonly onnxBytes: Uint8Array; readonly fromSigma: number };
  /** The autoguidance network's file, checked against its sha256, when the card names one. */
  readonly autoguide?: { readonly onnxPath: string; readonly onnxBytes: Uint8Array; readonly weight: number; readonly fromSigma: number };
}

/** How the card and the files it names are read: from disk in Node, over HTTP in the browser. */
export interface CardFiles {
  /** Where the card's files live (a directory or a URL). */
  readonly dir: string;
  /** The location of a file the card names, relative to `dir`. */
  locate(name: string): string;
  /** The card's own text; throws a UsageError naming the card when it cannot be read. */
  readCard(): Promise<string>;
  /** A model file's bytes; throws a UsageError naming the file (and how to restore it) when it cannot be read. */
  readModel(location: string): Promise<Uint8Array>;
}

/** sha256 of some bytes as lowercase hex (WebCrypto, present in browsers and in Node ≥ 20 as globalThis.crypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Validate a parsed `card.json` (`where` names it in messages). */
export function parseModelCard(json: unknown, where: string): ModelCard {
  const parsed = modelCardSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${where}: model card field '${issue.path.join('.')}': ${issue.message}`);
  }
  const card = parsed.data;
  const names = card.inputs.map((i) => i.name);
  const missing = REQUIRED_INPUTS.filter((n) => !names.includes(n));
  if (missing.length > 0) throw new UsageError(`${where}: the card lists no input(s) ${missing.join(', ')}; this runtime feeds ${REQUIRED_INPUTS.join(', ')}`);
  if (!card.outputs.some((o) => o.name === 'v')) throw new UsageError(`${where}: the card lists no output 'v'`);
  return card;
}

/** Read and validate the card at `where`, then read each ONNX file it names and check it against its sha256. */
export async function loadCardFrom(where: string, files: CardFiles): Promise<LoadedCard> {
  const text = await files.readCard();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where}: model card is not valid JSON (${(err as Error).message})`);
  }
  const card = parseModelCard(json, where);
  const network = (name: string, sha256: string): Promise<{ onnxPath: string; onnxBytes: Uint8Array }> => readCheckedOnnx(files, files.locate(name), sha256);
  const { highNoiseExpert: expert, autoguide: guide } = card;
  const main = await network(card.onnx, card.sha256);
  const high = expert === undefined ? undefined : await network(expert.onnx, expert.sha256);
  const guideFile = guide === undefined ? undefined : await network(guide.onnx, guide.sha256);
  return {
    card,
    dir: files.dir,
    ...main,
    ...(expert === undefined || high === undefined ? {} : { highNoiseExpert: { ...high, fromSigma: expert.fromSigma } }),
    ...(guide === undefined || guideFile === undefined ? {} : { autoguide: { ...guideFile, weight: guide.weight, fromSigma: guide.fromSigma } }),
  };
}

/** A model file's bytes, after checking them against the sha256 the card records. */
async function readCheckedOnnx(files: CardFiles, onnxPath: string, sha256: string): Promise<{ onnxPath: string; onnxBytes: Uint8Array }> {
  const onnxBytes = await files.readModel(onnxPath);
  const digest = await sha256Hex(onnxBytes);
  if (digest !== sha256) {
    throw new UsageError(
      `${onnxPath}: sha256 ${digest.slice(0, 12)}… does not match the model card (${sha256.slice(0, 12)}…): the file is corrupted or belongs to another card`,
    );
  }
  return { onnxPath, onnxBytes };
}
