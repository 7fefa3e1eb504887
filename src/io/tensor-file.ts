// A float tensor from a .npy or a .safetensors file, chosen by extension.
import { extname } from 'node:path';
import { UsageError } from '../errors.js';
import { readNpyFloat32 } from './npy.js';
import { readSafetensors, type FloatTensor } from './safetensors.js';

export function readFloatTensor(path: string): FloatTensor {
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return readNpyFloat32(path);
  if (ext === '.safetensors') return readSafetensors(path);
  throw new UsageError(`${path}: expected a .npy or .safetensors file`);
}
