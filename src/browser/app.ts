// The page's main script: loads the shipped model in Web Workers, runs the default sampler and Predict-and-Perturb
// on the same seed side by side with a live x̂0 preview, a scrubber over the uncertainty masks, NFE and wall time,
// and GIF downloads; and exposes window.selfrefine.generate for automation (docs/web.md).
import type { StepReport } from '../core/sample.js';
import { encodeGif, floatToUint8 } from '../io/gif.js';
import type { CardModel } from '../models/card-model.js';
import { plannedNfe } from '../pipeline/run.js';
import { configFor, PageSampler, runRequestFrom, type RefineChoice, type RunOutput } from './runner.js';
import { pickExecutionProvider, wasmThreads } from './runtime.js';
import { loadWebModel } from './web-model.js';

/** What window.selfrefine.generate resolves to. */
export interface HookResult {
  readonly latent: Float32Array;
  readonly frames: Uint8Array;
  readonly nfe: number;
}

export interface SelfRefineHook {
  /** Settles once the model is loaded (rejects when it cannot be). */
  readonly ready: Promise<void>;
  /** The execution provider the networks run on, once ready. */
  backend: string;
  generate(request: { prompt: string; seed?: number; refine?: RefineChoice }): Promise<HookResult>;
}

declare global {
  interface Window {
    selfrefine: SelfRefineHook;
  }
}

const FPS = 8;

function $<T extends HTMLElement>(selector: string, root: ParentNode = document): T {
  const el = root.querySelector<T>(selector);
  if (el === null) throw new Error(`the page has no ${selector}`);
  return el;
}

/** Draw frame `f` of an RGB video [3, F, H, W] into a canvas of H×W. */
function drawFrame(canvas: HTMLCanvasElement, rgb: Uint8Array, frames: number, height: number, width: number, f: number): void {
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const img = ctx.createImageData(width, height);
  const px = height * width;
  for (let i = 0; i < px; i++) {
    for (let c = 0; c < 3; c++) img.data[i * 4 + c] = rgb[(c * frames + f) * px + i];
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/**
 * One refined step as a 4-column grid of its x̂0 frames with the still-uncertain latent cells tinted blue
 * (`certain` is [F, h, w], 1 = certain; one latent cell covers patch×patch pixels).
 */
function drawMask(canvas: HTMLCanvasElement, x0: Uint8Array, certain: Uint8Array, model: CardModel): void {
  const { frames: F, height: H, width: W } = model;
  const [, , h, w] = model.network.shape;
  const cols = 4;
  const rows = Math.ceil(F / cols);
  canvas.width = cols * W;
  canvas.height = rows * H;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const img = ctx.createImageData(canvas.width, canvas.height);
  const px = H * W;
  const patch = H / h;
  for (let f = 0; f < F; f++) {
    const ox = (f % cols) * W;
    const oy = Math.floor(f / cols) * H;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const o = ((oy + y) * canvas.width + ox + x) * 4;
        const uncertain = certain[(f * h + Math.floor(y / patch)) * w + Math.floor(x / patch)] === 0;
        for (let c = 0; c < 3; c++) {
          const v = x0[(c * F + f) * px + y * W + x];
          img.data[o + c] = uncertain ? (c === 2 ? 128 + (v >> 1) : v >> 1) : v;
        }
        img.data[o + 3] = 255;
      }
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** A run's panel: its animated video (preview while sampling), its figures and its GIF link. */
class RunPanel {
  private frames: Uint8Array | null = null;
  private readonly canvas: HTMLCanvasElement;
  private readonly stats: HTMLElement;
  private readonly gif: HTMLAnchorElement;

  constructor(
    readonly root: HTMLElement,
    private readonly model: CardModel,
  ) {
    this.canvas = $('canvas.video', root);
    this.canvas.width = model.width;
    this.canvas.height = model.height;
    this.stats = $('.stats', root);
    this.gif = $('a.gif', root);
  }

  start(planned: number): void {
    this.frames = null;
    this.gif.hidden = true;
    this.stats.textContent = `waiting · up to ${planned} NFE`;
    this.root.classList.add('busy');
  }

  step(r: StepReport, elapsedMs: number): void {
    const [, , h, w] = this.model.network.shape;
    this.frames = floatToUint8(this.model.vae.decode(r.x0, this.model.frames, h, w));
    const refined = r.innerIterations > 0 ? ` · refined ×${r.innerIterations}` : '';
    this.stats.textContent = `step ${r.step + 1}/${r.totalSteps} · σ ${r.sigma.toFixed(3)} · ${r.nfe} NFE · ${(elapsedMs / 1000).toFixed(1)} s${refined}`;
  }

  finish(out: RunOutput, name: string): void {
    const { height: H, width: W } = this.model;
    this.frames = out.frames;
    this.root.classList.remove('busy');
    this.stats.textContent = `${out.nfe} NFE · ${(out.millis / 1000).toFixed(2)} s`;
    const bytes = encodeGif(out.frames, { width: W, height: H, layout: 'cfhw', scale: 8, fps: FPS });
    if (this.gif.href !== '') URL.revokeObjectURL(this.gif.href);
    this.gif.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/gif' }));
    this.gif.download = `${name}.gif`;
    this.gif.hidden = false;
  }

  fail(message: string): void {
    this.root.classList.remove('busy');
    this.stats.textContent = message;
  }

  draw(tick: number): void {
    if (this.frames !== null) drawFrame(this.canvas, this.frames, this.model.frames, this.model.height, this.model.width, tick % this.model.frames);
  }
}

function setUpPage(model: CardModel, sampler: PageSampler, backend: string): void {
  const promptSelect = $<HTMLSelectElement>('#prompt');
  for (const s of model.card.scenarios) promptSelect.add(new Option(s.prompt, s.name));
  $('#model').textContent = `${model.card.name} · ${model.frames} frames of ${model.width}×${model.height} · ${backend} · sampling on this device`;
  const panels: Record<RefineChoice, RunPanel> = { none: new RunPanel($('#run-none'), model), pnp: new RunPanel($('#run-pnp'), model) };
  const scrub = $<HTMLInputElement>('#scrub');
  const maskCanvas = $<HTMLCanvasElement>('#mask');
  const maskLabel = $('#mask-label');
  const error = $('#error');
  const button = $<HTMLButtonElement>('#generate');
  const pnp = configFor('pnp').refine;
  const plan = pnp.mode === 'none' ? '' : pnp.plan;
  let masks: { step: number; sigma: number; uncertainFraction: number; certain: Uint8Array; x0: Uint8Array }[] = [];

  const showMask = (): void => {
    const m = masks[Number(scrub.value)];
    if (m === undefined) {
      maskLabel.textContent = 'no refined step yet';
      return;
    }
    drawMask(maskCanvas, m.x0, m.certain, model);
    // Steps numbered as the plan numbers them (grid index from 0).
    maskLabel.textContent = `refined step ${m.step} (P&P plan ${plan}) · σ ${m.sigma.toFixed(3)} · ${(m.uncertainFraction * 100).toFixed(1)} % still uncertain`;
  };
  scrub.addEventListener('input', showMask);

  let tick = 0;
  setInterval(() => {
    tick++;
    panels.none.draw(tick);
    panels.pnp.draw(tick);
  }, 1000 / FPS);

  $<HTMLFormElement>('#controls').addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    const seed = Number($<HTMLInputElement>('#seed').value);
    let request;
    try {
      request = runRequestFrom({ prompt: promptSelect.value, seed });
    } catch (err) {
      error.textContent = (err as Error).message;
      return;
    }
    button.disabled = true;
    masks = [];
    scrub.max = '0';
    scrub.disabled = true;
    showMask();
    const runs = (['none', 'pnp'] as const).map((refine) => {
      const panel = panels[refine];
      panel.start(plannedNfe(configFor(refine)));
      let t0 = 0;
      return sampler
        .run({ ...request, refine }, (r) => {
          if (t0 === 0) t0 = performance.now();
          panel.step(r, performance.now() - t0);
        })
        .then((out) => {
          panel.finish(out, `${request.prompt}-seed${request.seed}-${refine}`);
          if (refine === 'pnp') {
            masks = out.masks.map((m) => ({ ...m, x0: floatToUint8(m.x0Pixels) }));
            scrub.max = String(Math.max(0, masks.length - 1));
            scrub.value = '0';
            scrub.disabled = masks.length === 0;
            showMask();
          }
        })
        .catch((err: Error) => {
          panel.fail(err.message);
          error.textContent = err.message;
        });
    });
    void Promise.all(runs).then(() => {
      button.disabled = false;
    });
  });
  button.disabled = false;
}

async function main(): Promise<void> {
  const params = new URL(location.href).searchParams;
  const provider = await pickExecutionProvider(params.get('backend'));
  const threads = wasmThreads(params.get('threads'));
  const backend = provider === 'webgpu' ? 'WebGPU' : `WASM, ${threads} thread${threads === 1 ? '' : 's'}`;
  let sampler: PageSampler | undefined;
  const ready = loadWebModel(new URL('models/physics/card.json', location.href).href, provider, threads).then((model) => {
    sampler = new PageSampler(model);
    hook.backend = backend;
    setUpPage(model, sampler, backend);
  });
  const hook: SelfRefineHook = {
    ready,
    backend: 'loading',
    async generate(request) {
      await ready;
      const valid = runRequestFrom(request);
      if (sampler === undefined) throw new Error('the model is not loaded');
      const { latent, frames, nfe } = await sampler.run(valid);
      return { latent, frames, nfe };
    },
  };
  window.selfrefine = hook;
  try {
    await ready;
  } catch (err) {
    $('#model').textContent = 'the model could not be loaded';
    $('#error').textContent = (err as Error).message;
  }
}

void main();
