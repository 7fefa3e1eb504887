// runSampler spends exactly the NFE plannedNfe announces (progress bars and ETAs rely on it), for every solver and
// with the Restart and FreeInit baselines around it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NormalRng } from '../../src/core/rng.js';
import { SOLVERS } from '../../src/core/solvers.js';
import { UNCONDITIONAL } from '../../src/core/model.js';
import type { SamplerConfig } from '../../src/pipeline/config.js';
import { plannedNfe, runSampler } from '../../src/pipeline/run.js';
import { mixtureModel, noiseLatent } from '../helpers/mixture.js';

const model = mixtureModel([4, 2, 4, 4], 3, 5);

for (const solver of SOLVERS) {
  const plain: SamplerConfig = { solver, steps: 12, grid: { kind: 'flow', shift: 3 }, guidance: { form: 'wan', scale: 1 }, refine: { mode: 'none' } };
  const variants: [string, SamplerConfig][] = [
    ['plain', plain],
    ['P&P without early exit', { ...plain, refine: { mode: 'pnp', plan: '1-4:2', tau: 0.25, earlyExit: false } }],
    ['Restart', { ...plain, restart: { atStep: 5, sigmaHigh: 0.9, steps: 3, repeats: 2 } }],
    ['FreeInit', { ...plain, freeInit: { passes: 2, sigmaRenoise: 0.9, steps: 4 } }],
  ];
  for (const [name, config] of variants) {
    test(`${solver}, ${name}: the run spends the planned NFE`, async () => {
      const r = await runSampler(config, { model, condition: UNCONDITIONAL, initialNoise: noiseLatent(128, 1), noise: new NormalRng(2) });
      assert.equal(r.nfe, plannedNfe(config));
      if (solver === 'heun' && name === 'plain') assert.equal(r.nfe, 2 * 12 - 1);
    });
  }
}
