// A stand-in for the shipped model: an exact Gaussian-mixture velocity over the shipped VAE's latents
// of true clips (two clips per scenario), so generated videos are real, scoreable clips and a
// benchmark runs in seconds.
import { fileURLToPath } from 'node:url';
import { GaussianMixtureModel } from '../../src/models/gmm.js';
import type { CardModel } from '../../src/models/card-loader.js';
import type { PatchPcaVae } from '../../src/models/vae.js';
import { readPatchPcaVae } from '../../src/models/vae-file.js';
import { makeWorld } from '../../src/world/config.js';
import { renderClip } from '../../src/world/render.js';
import { SCENARIOS, simulateClip } from '../../src/world/scenarios.js';

const VAE_PATH = fileURLToPath(new URL('../../../models/physics/vae.json', import.meta.url));

export interface MockLoader {
  load(threads: number): Promise<CardModel>;
  /** Models loaded so far, and how many are still open. */
  loaded: number;
  open: number;
}

let cached: { vae: PatchPcaVae; gmm: GaussianMixtureModel } | null = null;

function build(): { vae: PatchPcaVae; gmm: GaussianMixtureModel } {
  if (cached !== null) return cached;
  const vae = readPatchPcaVae(VAE_PATH);
  const world = makeWorld();
  const components = SCENARIOS.slice(0, 4).flatMap((sc) =>
    [1, 2].map((seed) => {
      const u8 = renderClip(simulateClip(sc.name, seed, world));
      const px = Float32Array.from(u8, (v) => v / 127.5 - 1);
      return { weight: 1, mean: Float64Array.from(vae.encode(px, world.frames, world.height, world.width)), std: 0.05, label: sc.name };
    }),
  );
  const shape = vae.latentShape(world.frames, world.height, world.width);
  cached = { vae, gmm: new GaussianMixtureModel({ shape, components }) };
  return cached;
}

export function mockLoader(name = 'mock-physics', sha = 'a'.repeat(64)): MockLoader {
  const state: MockLoader = {
    loaded: 0,
    open: 0,
    async load(): Promise<CardModel> {
      const { vae, gmm } = build();
      state.loaded++;
      state.open++;
      const scenarios = SCENARIOS.slice(0, 4).map((s, id) => ({ id, name: s.name, prompt: s.prompt }));
      let disposed = false;
      const network = {
        shape: gmm.shape,
        card: { name, sha256: sha, scenarios },
        scenarioId: (label: string | null) => (label === null ? scenarios.length : scenarios.findIndex((s) => s.name === label)),
        timestep: gmm.timestep.bind(gmm),
        velocity: gmm.velocity.bind(gmm),
        dispose: async () => {},
      };
      const model = {
        card: { name, sha256: sha, scenarios, frames: 16, frameSize: [32, 32] },
        network,
        vae,
        frames: 16,
        height: 32,
        width: 32,
        dispose: async () => {
          if (!disposed) state.open--;
          disposed = true;
        },
      };
      return model as unknown as CardModel;
    },
  };
  return state;
}
