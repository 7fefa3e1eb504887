// Writing generated videos a person can open: GIF, PNG frames, MP4 (when ffmpeg is on PATH),
// and a picture of the uncertainty mask. Every file is written atomically.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { PNG } from 'pngjs';
import { ToolError, UsageError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { encodeGif, floatToUint8 } from './gif.js';

/** An RGB video, uint8, layout [3, F, H, W]. */
export interface RgbVideo {
  readonly data: Uint8Array;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
}

export function videoFromPixels(pixels: Float32Array, frames: number, height: number, width: number): RgbVideo {
  return { data: floatToUint8(pixels), frames, height, width };
}

export function gifBytes(video: RgbVideo, scale = 8, fps = 8): Uint8Array {
  return encodeGif(video.data, { width: video.width, height: video.height, layout: 'cfhw', scale, fps });
}

/** One RGB image [H, W, 3] as PNG bytes, nearest-neighbour upscaled. */
export function pngBytes(rgb: Uint8Array, width: number, height: number, scale = 1): Buffer {
  const png = new PNG({ width: width * scale, height: height * scale });
  for (let y = 0; y < height * scale; y++) {
    for (let x = 0; x < width * scale; x++) {
      const s = (((y / scale) | 0) * width + ((x / scale) | 0)) * 3;
      const o = (y * width * scale + x) * 4;
      png.data[o] = rgb[s];
      png.data[o + 1] = rgb[s + 1];
      png.data[o + 2] = rgb[s + 2];
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** A PNG of exactly width × height pixels as RGB in [−1, 1], [3, H, W] (alpha ignored). */
export function readPngPixels(path: string, width: number, height: number): Float32Array {
  let png: PNG;
  try {
    png = PNG.sync.read(readFileSync(path));
  } catch (err) {
    throw new UsageError(`cannot read PNG ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (png.width !== width || png.height !== height) throw new UsageError(`${path} is ${png.width}×${png.height}; the model's frames are ${width}×${height}`);
  const px = width * height;
  const pixels = new Float32Array(3 * px);
  for (let i = 0; i < px; i++) for (let c = 0; c < 3; c++) pixels[c * px + i] = png.data[i * 4 + c] / 127.5 - 1;
  return pixels;
}

/** Frame f of a [3, F, H, W] video as interleaved [H, W, 3]. */
export function frameRgb(video: RgbVideo, f: number): Uint8Array {
  const px = video.height * video.width;
  const out = new Uint8Array(px * 3);
  for (let c = 0; c < 3; c++) {
    const base = (c * video.frames + f) * px;
    for (let i = 0; i < px; i++) out[i * 3 + c] = video.data[base + i];
  }
  return out;
}

/** Write frame-00.png … into `dir` (created; replaced as a whole). */
export function writePngFrames(dir: string, video: RgbVideo, scale = 8): string[] {
  const tmp = join(dirname(dir), `.${basename(dir)}.${process.pid}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const names: string[] = [];
  for (let f = 0; f < video.frames; f++) {
    const name = `frame-${String(f).padStart(2, '0')}.png`;
    writeFileAtomic(join(tmp, name), pngBytes(frameRgb(video, f), video.width, video.height, scale));
    names.push(name);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return names;
}

export function ffmpegAvailable(): boolean {
  const r = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * Encode an MP4 (H.264, yuv420p) with ffmpeg; returns false when ffmpeg is not on PATH (found out from the encoding
 * call itself: a separate `ffmpeg -version` probe cost a process start on every generate).
 */
export function writeMp4(path: string, video: RgbVideo, scale = 8, fps = 8): boolean {
  const frames = Buffer.alloc(video.frames * video.height * video.width * 3);
  for (let f = 0; f < video.frames; f++) frames.set(frameRgb(video, f), f * video.height * video.width * 3);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp.mp4`);
  mkdirSync(dirname(path), { recursive: true });
  const r = spawnSync(
    'ffmpeg',
    ['-y', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${video.width}x${video.height}`, '-r', String(fps), '-i', '-',
      '-vf', `scale=${video.width * scale}:${video.height * scale}:flags=neighbor`, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', tmp],
    { input: frames },
  );
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return false;
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    throw new ToolError(`ffmpeg failed to write ${path}: ${r.stderr?.toString().trim() || `exit code ${r.status}`}`);
  }
  renameSync(tmp, path);
  return true;
}

export interface MaskRow {
  readonly step: number;
  readonly uncertainFraction: number;
  /** [F, h, w], 1 = certain. */
  readonly certain: Uint8Array;
  /** x̂0 of the step as a video. */
  readonly x0: RgbVideo;
}

/**
 * A picture of the uncertainty mask: one row per refined step, one column per frame; each cell is
 * that step's x̂0 frame with the still-uncertain latent cells tinted orange and outlined.
 */
export function maskPicture(rows: readonly MaskRow[], maskHeight: number, maskWidth: number, scale = 4): Buffer {
  if (rows.length === 0) throw new UsageError('no refined step recorded a mask (is refinement on?)');
  const { frames: F, height: H, width: W } = rows[0].x0;
  const gap = 1;
  const cellW = W + gap;
  const cellH = H + gap;
  const outW = F * cellW - gap;
  const outH = rows.length * cellH - gap;
  const rgb = new Uint8Array(outW * outH * 3).fill(255);
  const cy = H / maskHeight;
  const cx = W / maskWidth;
  rows.forEach((row, r) => {
    for (let f = 0; f < F; f++) {
      const frame = frameRgb(row.x0, f);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const m = row.certain[(f * maskHeight + Math.floor(y / cy)) * maskWidth + Math.floor(x / cx)];
          const o = ((r * cellH + y) * outW + f * cellW + x) * 3;
          const s = (y * W + x) * 3;
          for (let c = 0; c < 3; c++) {
            const tint = c === 0 ? 255 : c === 1 ? 140 : 0;
            rgb[o + c] = m === 1 ? frame[s + c] : Math.round(0.45 * frame[s + c] + 0.55 * tint);
          }
        }
      }
    }
  });
  return pngBytes(rgb, outW, outH, scale);
}

/** One refined step as the sampler records it: x̂0 as pixels in [−1, 1], [3, F, H, W], and its mask [F, h, w]. */
export interface StepMask {
  readonly step: number;
  readonly uncertainFraction: number;
  readonly certain: Uint8Array;
  readonly x0Pixels: Float32Array;
}

/** maskPicture of recorded steps whose x̂0 are pixels (generate's .mask.png and the web's mask.png). */
export function stepMaskPicture(masks: readonly StepMask[], frames: number, height: number, width: number, maskHeight: number, maskWidth: number, scale: number): Buffer {
  const rows = masks.map((m) => ({ step: m.step, uncertainFraction: m.uncertainFraction, certain: m.certain, x0: videoFromPixels(m.x0Pixels, frames, height, width) }));
  return maskPicture(rows, maskHeight, maskWidth, scale);
}

/**
 * Up to `maxFrames` frames of a video, evenly spaced from the first to the last, side by side with a 1-pixel white
 * gap, as an interleaved RGB image (for pngBytes).
 */
export function frameStrip(video: RgbVideo, maxFrames = 8): { rgb: Uint8Array; width: number; height: number } {
  const { frames: F, height: H, width: W } = video;
  const n = Math.max(1, Math.min(F, maxFrames));
  const picks = Array.from({ length: n }, (_, i) => (n === 1 ? 0 : Math.round((i * (F - 1)) / (n - 1))));
  const width = n * (W + 1) - 1;
  const rgb = new Uint8Array(width * H * 3).fill(255);
  picks.forEach((f, i) => {
    const frame = frameRgb(video, f);
    for (let y = 0; y < H; y++) rgb.set(frame.subarray(y * W * 3, (y + 1) * W * 3), (y * width + i * (W + 1)) * 3);
  });
  return { rgb, width, height: H };
}
