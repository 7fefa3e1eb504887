// The model that ships inside the repository, loaded from disk: models/physics (card, ONNX networks, VAE) on
// onnxruntime-node. The assembly itself is platform-neutral (card-model.ts).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { OnnxVelocityModel } from './onnx/backend.js';
import { loadModelCard } from './onnx/card-file.js';
import { nodeOnnxBackend, type GraphOptions } from './onnx/graph.js';
import { assembleCardModel, type AssembleOptions, type CardModel } from './card-model.js';
import { readPatchPcaVae } from './vae-file.js';

export { formatWeightsId, modelWeightsId, scenarioForPrompt, type CardModel as CardModel } from './card-model.js';

/** models/physics/card.json of this package. */
export const DEFAULT_MODEL_CARD = fileURLToPath(new URL('../../../models/physics/card.json', import.meta.url));

export interface CardModelOptions extends GraphOptions, AssembleOptions {}

export async function loadCardModel(cardPath = DEFAULT_MODEL_CARD, options: CardModelOptions = {}): Promise<CardModel> {
  const loaded = await loadModelCard(cardPath);
  return assembleCardModel(loaded, cardPath, nodeOnnxBackend(options), (name) => readPatchPcaVae(join(loaded.dir, name)), options);
}

/**
 * The card's own network alone (checked against the card's sha256): for a card with a high-noise expert or an
 * autoguide network this is the low-noise main network, unpaired; loadCardModel assembles the whole model.
 */
export async function loadCardNetwork(cardPath = DEFAULT_MODEL_CARD, options: GraphOptions = {}): Promise<OnnxVelocityModel> {
  const { card, onnxBytes } = await loadModelCard(cardPath);
  return OnnxVelocityModel.open(nodeOnnxBackend(options), card, onnxBytes, cardPath);
}
