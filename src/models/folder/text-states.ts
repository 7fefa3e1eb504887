// Text-encoder states as a transformer reads them: [L, width] or [1, L, width] rows, zero-padded to the model's
// text length, as the Wan pipelines pad umT5's output to 512 tokens.
import { UsageError } from '../../errors.js';

export function padTextStates(data: Float32Array, shape: readonly number[], length: number, width: number, source: string): Float32Array {
  const rows = shape.length === 2 ? shape[0] : shape.length === 3 && shape[0] === 1 ? shape[1] : -1;
  if (rows < 0) throw new UsageError(`${source}: shape [${shape.join(', ')}]; text states are [L, ${width}] or [1, L, ${width}]`);
  const w = shape[shape.length - 1];
  if (w !== width) throw new UsageError(`${source}: text states are ${w} wide; this model reads ${width}-wide states from its text encoder`);
  if (rows > length) throw new UsageError(`${source}: ${rows} tokens; this model reads at most ${length} (truncate the prompt to ${length} tokens)`);
  if (rows === 0) throw new UsageError(`${source}: no tokens; encode at least one`);
  const out = new Float32Array(length * width);
  out.set(data.subarray(0, rows * width));
  return out;
}
