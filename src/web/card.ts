// The web app on the physics model's card: prompts from its vocabulary, jobs run by generateVideo.
import { UsageError } from '../errors.js';
import { gifBytes, videoFromPixels } from '../io/video.js';
import type { CardModel } from '../models/card-loader.js';
import { PHYSICS_DEFAULTS } from '../pipeline/config.js';
import { generateVideo, type GeneratedVideo } from '../pipeline/generate.js';
import { maskPng } from './mask.js';
import { defaultsSummary } from './summary.js';
import type { JobRequest, JobResult, JobRunner, WebModel } from './model.js';
import { jobRequestFrom } from './request.js';

/** Previews are GIFs at the model's own frame size; the page scales them up (pixelated). */
const PREVIEW_SCALE = 1;

function modelSummary(model: CardModel): Record<string, unknown> {
  return {
    kind: 'card',
    name: model.card.name,
    frames: model.frames,
    width: model.width,
    height: model.height,
    prompts: model.card.scenarios.map((s) => ({ name: s.name, prompt: s.prompt })),
    defaults: defaultsSummary(PHYSICS_DEFAULTS),
  };
}

/** A finished generation as the web app serves it: the GIF, the mask picture when a step was refined, the latent. */
export function renderResult(model: CardModel, video: GeneratedVideo, scale: number, fps: number, seconds: number): JobResult {
  const { frames: F, height: H, width: W } = model;
  const [, , h, w] = model.network.shape;
  return {
    gif: gifBytes(videoFromPixels(video.pixels, F, H, W), scale, fps),
    maskPng: maskPng(video.masks, F, H, W, h, w, Math.max(1, Math.round(scale / 2))),
    latent: { data: video.latent, shape: model.network.shape },
    nfe: video.nfe,
    nfeSaved: video.nfeSaved,
    seconds,
  };
}

/** A GIF of a latent x̂0 at the model's own frame size (the page scales it up, pixelated). */
export function previewGif(model: CardModel, latent: Float32Array, fps: number): Uint8Array {
  const [, F, h, w] = model.network.shape;
  return gifBytes(videoFromPixels(model.vae.decode(latent, F, h, w), F, model.height, model.width), PREVIEW_SCALE, fps);
}

/** The card model's jobs in this process, one at a time. */
export function inProcessRunner(model: CardModel, scale: number, fps: number): JobRunner {
  return {
    parallel: 1,
    async run(request, signal, onStep) {
      if (request.kind === 'folder') throw new UsageError('this server runs the physics model; it cannot run a model folder\'s job');
      const t0 = performance.now();
      const video = await generateVideo(model, {
        scenario: request.scenario,
        config: request.config,
        seed: request.seed,
        recordMasks: request.config.refine.mode !== 'none',
        signal,
        observer: (r) => onStep({ step: r.step + 1, totalSteps: r.totalSteps, nfe: r.nfe, uncertainFraction: r.uncertainFraction }, { latent: r.x0 }),
      });
      return renderResult(model, video, scale, fps, (performance.now() - t0) / 1000);
    },
    close: async () => {},
  };
}

export function cardWebModel(model: CardModel): WebModel {
  return {
    name: model.card.name,
    summary: modelSummary(model),
    jobRequest: (body, limits) => jobRequestFrom(model, body, limits),
    runner: (scale, fps) => inProcessRunner(model, scale, fps),
    previewGif: (latent: Float32Array, _request: JobRequest, fps: number) => previewGif(model, latent, fps),
  };
}
