import type { CardModel } from '../models/card-loader.js';
import { makeWorld, type WorldConfig } from '../world/config.js';

/** The physics world the model renders (its frame size and length; default palette and background). */
export function worldOf(model: Pick<CardModel, 'frames' | 'height' | 'width'>): WorldConfig {
  return makeWorld({ width: model.width, height: model.height, frames: model.frames });
}
