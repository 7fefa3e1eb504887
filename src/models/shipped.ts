// The model that ships inside the repository, loaded from disk: models/physics (card, ONNX networks, VAE) on
// onnxruntime-node. The assembly itself is platform-neutral (shipped-model.ts).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { OnnxVelocityModel } from './onnx/backend.js';
import { loadModelCard } from './onnx/card-file.js';
import { nodeOnnxBackend, type GraphOptions } from './onnx/graph.js';
import { assembleShippedModel, type AssembleOptions, type ShippedModel } from './shipped-model.js';
import { readPatchPcaVae } from './vae-file.js';

export { formatWeightsId, modelWeightsId, scenarioForPrompt, type ShippedModel } from './shipped-model.js';

/** models/physics/card.json of this package. */
export const DEFAULT_MODEL_CARD = fileURLToPath(new URL('../../../models/physics/card.json', import.meta.url));

export interface ShippedModelOptions extends GraphOptions, AssembleOptions {}

export async function loadShippedModel(cardPath = DEFAULT_MODEL_CARD, options: ShippedModelOptions = {}): Promise<ShippedModel> {
  const loaded = await loadModelCard(cardPath);
  return assembleShippedModel(loaded, cardPath, nodeOnnxBackend(options), (name) => readPatchPcaVae(join(loaded.dir, name)), options);
}

/**
 * The card's own network alone (checked against the card's sha256): for a card with a high-noise expert or an
 * autoguide network this is the low-noise main network, unpaired; loadShippedModel assembles the whole model.
 */
export async function loadCardNetwork(cardPath = DEFAULT_MODEL_CARD, options: GraphOptions = {}): Promise<OnnxVelocityModel> {
  const { card, onnxBytes } = await loadModelCard(cardPath);
  return OnnxVelocityModel.open(nodeOnnxBackend(options), card, onnxBytes, cardPath);
}
