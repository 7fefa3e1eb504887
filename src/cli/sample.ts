// `selfrefine sample`: run any sampler configuration on the Gaussian-mixture model and write the
// final latent as .npy.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { NormalRng, type NoiseSource } from '../core/rng.js';
import { NpyNoiseStream, readInitialNoise } from '../io/noise-stream.js';
import { numel } from '../core/tensor.js';
import { writeNpy } from '../io/npy.js';
import { UNCONDITIONAL } from '../core/model.js';
import { loadModelSpec } from './model-spec.js';
import { runSampler } from '../pipeline/run.js';
import { parseInteger } from './flags.js';
import { addSamplerOptions, samplerConfigFromFlags, type SamplerFlags } from './sampler-options.js';

interface SampleFlags extends SamplerFlags {
  model: string;
  label?: string;
  seed?: string;
  init?: string;
  noise?: string;
  out: string;
  json?: boolean;
}

export function registerSampleCommand(program: Command): void {
  const cmd = program
    .command('sample')
    .description('sample one latent from an analytic model with any sampler configuration; prints the NFE used')
    .requiredOption('--model <spec>', 'the model: gmm:<mixture.json>')
    .option('--label <L>', 'condition on label L (with --cfg: Wan-form CFG against the unconditional model)')
    .option('--seed <n>', 'seed of the initial noise and of every later noise draw (default 0)')
    .option('--init <noise.npy>', 'initial noise [C,F,H,W] from .npy instead of --seed')
    .option('--noise <stream.npy>', 'noise stream [M,C,F,H,W]: one latent per Perturb/Restart/FreeInit draw, in order')
    .requiredOption('--out <x.npy>', 'where to write the final latent')
    .option('--json', 'print a JSON summary instead of "NFE n"');
  addSamplerOptions(cmd).action(async (flags: SampleFlags) => {
    const config = samplerConfigFromFlags(flags);
    const model = loadModelSpec(flags.model);
    if (flags.seed !== undefined && flags.init !== undefined) throw new UsageError('give either --seed or --init, not both');
    const seed = flags.seed !== undefined ? parseInteger(flags.seed, '--seed', 0) : 0;
    const rng = new NormalRng(seed);
    const size = numel(model.shape);
    let initial: Float32Array;
    if (flags.init !== undefined) {
      initial = readInitialNoise(flags.init, model.shape);
    } else {
      initial = new Float32Array(size);
      rng.fill(initial);
    }
    const noise: NoiseSource = flags.noise !== undefined ? new NpyNoiseStream(flags.noise, model.shape) : rng;
    const condition = flags.label !== undefined ? { label: flags.label } : UNCONDITIONAL;
    if (flags.label === undefined && flags.cfg !== undefined && Number(flags.cfg) !== 1) {
      throw new UsageError('--cfg needs --label: guidance mixes a conditional and the unconditional model');
    }
    const result = await runSampler(config, { model, condition, initialNoise: initial, noise });
    writeNpy(flags.out, result.x, model.shape);
    if (flags.json === true) {
      process.stdout.write(
        `${JSON.stringify({ nfe: result.nfe, steps: result.grid.sigmas.length - 1, refinedSteps: result.refinedSteps, innerIterations: result.innerIterations, nfeSaved: result.nfeSaved, out: flags.out })}\n`,
      );
    } else {
      process.stdout.write(`NFE ${result.nfe}\n`);
      if (result.nfeSaved > 0) process.stdout.write(`early exit saved ${result.nfeSaved} NFE\n`);
    }
  });
}
