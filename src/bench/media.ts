// Pictures of the benchmark: an animated GIF grid (rows = methods, columns = the same seeds) per task,
// and the uncertainty-mask pictures of the refining methods.
import { encodeGif } from '../io/gif.js';
import { maskPicture } from '../io/video.js';
import { fromB64, type ClipRecord } from './jobs.js';

export interface GridRow {
  readonly label: string;
  /** uint8 [3, F, H, W] per column (undefined: an empty cell). */
  readonly videos: readonly (Uint8Array | undefined)[];
}

const GAP = 2;
const GAP_COLOUR = [255, 255, 255];

/** The grid as one animated GIF (rows × columns of F-frame clips, white gaps). */
export function gridGif(rows: readonly GridRow[], frames: number, height: number, width: number, scale = 3, fps = 8): Uint8Array {
  const cols = Math.max(1, ...rows.map((r) => r.videos.length));
  const GW = cols * width + (cols + 1) * GAP;
  const GH = rows.length * height + (rows.length + 1) * GAP;
  const px = GW * GH;
  const out = new Uint8Array(3 * frames * px);
  for (let c = 0; c < 3; c++) out.fill(GAP_COLOUR[c], c * frames * px, (c + 1) * frames * px);
  const cell = height * width;
  rows.forEach((row, r) => {
    row.videos.forEach((v, col) => {
      const oy = GAP + r * (height + GAP);
      const ox = GAP + col * (width + GAP);
      for (let c = 0; c < 3; c++) {
        for (let f = 0; f < frames; f++) {
          const dst = (c * frames + f) * px;
          const src = (c * frames + f) * cell;
          for (let y = 0; y < height; y++) {
            for (let x = 0; x < width; x++) out[dst + (oy + y) * GW + ox + x] = v === undefined ? 128 : v[src + y * width + x];
          }
        }
      }
    });
  });
  return encodeGif(out, { width: GW, height: GH, layout: 'cfhw', scale, fps });
}

/** The mask picture of a clip that recorded its masks (null when none). */
export function maskPng(clip: ClipRecord, frames: number, height: number, width: number, maskHeight: number, maskWidth: number): Buffer | null {
  if (clip.masks === undefined || clip.masks.length === 0) return null;
  const rows = clip.masks.map((m) => ({
    step: m.step,
    uncertainFraction: m.uncertainFraction,
    certain: fromB64(m.certain),
    x0: { data: fromB64(m.x0), frames, height, width },
  }));
  return maskPicture(rows, maskHeight, maskWidth, 4);
}
