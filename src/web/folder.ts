// The web app on a model folder (a Wan-class ONNX export with text_encoder/ + tokenizer/ and vae_decoder/): any
// prompt, the clip's frames and size, jobs run by pipeline/folder-clip.ts exactly as `generate --model DIR
// --prompt` runs them. Previews and mask pictures show x̂0 through Wan's latent-to-RGB factors (no decoder run).
import { basename, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { gifBytes, videoFromPixels } from '../io/video.js';
import { readModelFolder } from '../models/folder/folder.js';
import { FAMILIES } from '../models/family.js';
import type { GraphOptions } from '../models/onnx/graph.js';
import { latentPreviewPixels } from '../models/wan/preview.js';
import { findPreset } from '../pipeline/config.js';
import { folderPresetName } from '../pipeline/folder.js';
import { missingTextEncoder } from '../models/folder/prompts.js';
import { generateFolderClip, hasLatentPreview } from './folder-clip.js';
import { DEFAULT_WORK_LIMITS, type WorkLimits } from './limits.js';
import { maskPng } from './mask.js';
import { defaultsSummary } from './summary.js';
import type { JobRunner, WebModel } from './model.js';
import { folderJobRequestFrom, type FolderRequestBase } from './request.js';

export interface FolderWebOptions extends GraphOptions {
  /** Where encoded prompts are cached. */
  readonly cacheDir: string;
  /** The sampler preset (default: the folder's, else its family's). */
  readonly preset?: string;
  /** Shown on the page, so that the form offers what the server accepts. */
  readonly limits?: WorkLimits;
}

/** The form's defaults: a short clip that a CPU runs in minutes on a small model (Wan's own is 81 × 832 × 480). */
const DEFAULT_CLIP = { frames: 17, width: 256, height: 256 };

/** Mask pictures upscale the latent-resolution cells this much. */
const MASK_SCALE = 4;

/** The folder's model for the web app; UsageError naming what is missing when it cannot serve prompts and clips. */
export function folderWebModel(dir: string, options: FolderWebOptions): WebModel {
  const layout = readModelFolder(dir);
  const missing = [missingTextEncoder(layout), layout.vaeDecoder === undefined ? 'vae_decoder/model.onnx' : undefined].filter((m) => m !== undefined);
  if (missing.length > 0) {
    throw new UsageError(
      `--model ${dir} has no ${missing.join(' and ')}: serve needs a text encoder with its tokenizer (for prompts) and a VAE decoder (for the clip); without them use generate --model DIR --prompt-embeds FILE --out x.npy`,
    );
  }
  const preset = options.preset ?? folderPresetName(layout);
  const family = layout.config.family ?? 'wan';
  const base: FolderRequestBase = { config: findPreset(preset).config, geometry: FAMILIES[family].geometry, ...DEFAULT_CLIP };
  const limits = options.limits ?? DEFAULT_WORK_LIMITS;
  const graph: GraphOptions = { ...(options.device !== undefined ? { device: options.device } : {}), ...(options.threads !== undefined ? { threads: options.threads } : {}) };
  const name = basename(resolve(dir));
  return {
    name,
    summary: folderSummary(name, family, preset, base, limits),
    jobRequest: (body, requestLimits) => folderJobRequestFrom(base, body, requestLimits),
    runner: (_scale, fps) => folderRunner(dir, { ...graph, cacheDir: options.cacheDir, ...(options.preset !== undefined ? { preset: options.preset } : {}) }, fps),
    previewGif: (latent, request, fps) => {
      if (request.kind !== 'folder') throw new UsageError('this server runs a model folder; it has no preview for a job of the physics model');
      const [, frames, h, w] = request.shape;
      return gifBytes(videoFromPixels(latentPreviewPixels(latent, request.shape), frames, h, w), 1, fps);
    },
  };
}

function folderSummary(name: string, family: string, preset: string, base: FolderRequestBase, limits: WorkLimits): Record<string, unknown> {
  return {
    kind: 'folder',
    name,
    family,
    preset,
    frames: base.frames,
    width: base.width,
    height: base.height,
    clip: { frameStep: base.geometry.temporalStride, sizeMultiple: base.geometry.sizeMultiple, maxFrames: limits.maxFrames, maxVideoPixels: limits.maxVideoPixels },
    defaults: defaultsSummary(base.config),
  };
}

/** The folder's jobs in this process, one at a time: each loads the networks it needs for its clip size. */
function folderRunner(dir: string, options: GraphOptions & { readonly cacheDir: string; readonly preset?: string }, fps: number): JobRunner {
  return {
    parallel: 1,
    async run(request, signal, onStep) {
      if (request.kind !== 'folder') throw new UsageError('this server runs a model folder; it cannot run a job of the physics model');
      const t0 = performance.now();
      const preview = hasLatentPreview(request.shape);
      const clip = await generateFolderClip(dir, { ...request, ...(options.preset !== undefined ? { preset: options.preset } : {}) }, {
        ...options,
        recordMasks: request.config.refine.mode !== 'none',
        signal,
        observer: (r) => onStep({ step: r.step + 1, totalSteps: r.totalSteps, nfe: r.nfe, uncertainFraction: r.uncertainFraction }, preview ? { latent: r.x0 } : null),
      });
      const { video, shape } = clip;
      return {
        gif: gifBytes(videoFromPixels(video.pixels, video.frames, video.height, video.width), 1, fps),
        maskPng: maskPng(clip.masks, shape[1], shape[2], shape[3], shape[2], shape[3], MASK_SCALE),
        latent: { data: clip.latent, shape },
        nfe: clip.nfe,
        nfeSaved: clip.nfeSaved,
        seconds: (performance.now() - t0) / 1000,
      };
    },
    close: async () => {},
  };
}
