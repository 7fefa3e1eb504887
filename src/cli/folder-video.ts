// What `generate --model DIR` writes besides the latent: the clip through the folder's VAE decoder (GIF, PNG frames,
// MP4 when ffmpeg is on PATH, as for the shipped model), and latent previews through Wan's latent-to-RGB factors,
// which cost no network evaluation: `<stem>.preview.png` rewritten after every step with the step's x̂0, and a
// half-block picture of the final latent's middle frame on stderr when it is a terminal.
import type { StepReport } from '../core/sample.js';
import type { LatentShape } from '../core/tensor.js';
import { writeNpy } from '../io/npy.js';
import { writeFileAtomic } from '../io/atomic.js';
import { frameRgb, frameStrip, gifBytes, pngBytes, videoFromPixels, writeMp4, writePngFrames } from '../io/video.js';
import type { FolderModel } from '../models/folder/folder.js';
import type { GraphOptions } from '../models/onnx/graph.js';
import { latentPreviewPixels } from '../models/wan/preview.js';
import { decodeFolderLatent } from '../models/folder/decode.js';
import { halfBlockPicture } from './terminal-preview.js';

/** Frames per second of Wan's clips (`sample_fps` of its shared config). */
export const WAN_FPS = 16;

/** A preview frame is upscaled to about this height (nearest neighbour), at most 16×. */
const PREVIEW_HEIGHT = 96;

function previewPicture(latent: Float32Array, shape: LatentShape): Buffer {
  const [, F, h, w] = shape;
  const strip = frameStrip(videoFromPixels(latentPreviewPixels(latent, shape), F, h, w));
  return pngBytes(strip.rgb, strip.width, strip.height, Math.max(1, Math.min(16, Math.round(PREVIEW_HEIGHT / h))));
}

/** A step observer that rewrites `path` with the step's x̂0 preview (up to 8 latent frames side by side). */
export function previewFileObserver(path: string, shape: LatentShape): (report: StepReport) => void {
  return (report) => writeFileAtomic(path, previewPicture(report.x0, shape));
}

/** The final latent's middle frame as a terminal picture (for stderr). */
export function terminalPreview(latent: Float32Array, shape: LatentShape): string {
  const [, F, h, w] = shape;
  const video = videoFromPixels(latentPreviewPixels(latent, shape), F, h, w);
  return halfBlockPicture(frameRgb(video, Math.floor(F / 2)), w, h);
}

export interface ClipOutputs {
  readonly gif: string;
  readonly frames: string;
  readonly latent: string;
  readonly mp4: string | null;
  readonly pixelFrames: number;
}

/**
 * Decode the final latent with the folder's VAE decoder (its graph is opened here and released after) and write
 * `<stem>.gif`, `<stem>.frames/`, `<stem>.mp4` (when ffmpeg is available and `mp4` is true) and `<stem>.latent.npy`.
 */
export async function writeDecodedClip(
  model: FolderModel,
  latent: Float32Array,
  stem: string,
  options: GraphOptions & { readonly scale: number; readonly fps: number; readonly mp4: boolean },
): Promise<ClipOutputs> {
  const clip = await decodeFolderLatent(model, latent, options);
  const rgb = videoFromPixels(clip.pixels, clip.frames, clip.height, clip.width);
  const out: ClipOutputs = { gif: `${stem}.gif`, frames: `${stem}.frames`, latent: `${stem}.latent.npy`, mp4: null, pixelFrames: clip.frames };
  writeFileAtomic(out.gif, gifBytes(rgb, options.scale, options.fps));
  writePngFrames(out.frames, rgb, options.scale);
  writeNpy(out.latent, latent, model.shape);
  const mp4 = options.mp4 && writeMp4(`${stem}.mp4`, rgb, options.scale, options.fps);
  return { ...out, mp4: mp4 ? `${stem}.mp4` : null };
}
