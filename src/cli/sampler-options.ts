// Sampler flags shared by every command that samples (sample, generate, bench): a preset as the base, then each
// flag overrides one option. The flags become typed SamplerOverrides; pipeline/overrides.ts validates and applies them.
import { Option, type Command } from 'commander';
import { SOLVERS } from '../core/solvers.js';
import type { SamplerConfig } from '../pipeline/config.js';
import { DEFAULT_SAMPLER_CONFIG, samplerConfigFromOverrides, type FieldLabel, type OverrideField, type SamplerOverrides } from '../pipeline/overrides.js';
import { parseNumber } from './flags.js';

export interface SamplerFlags {
  preset?: string;
  solver?: string;
  steps?: string;
  shift?: string;
  sigmas?: string;
  cfg?: string;
  cfgLow?: string;
  cfgBoundary?: string;
  cfgForm?: string;
  cfgZeroStar?: boolean;
  zeroInit?: string;
  refine?: string;
  plan?: string;
  window?: string;
  k?: string;
  tau?: string;
  earlyExit?: boolean;
  stopBelow?: string;
  restart?: string;
  restartSigma?: string;
  restartSteps?: string;
  restartRepeats?: string;
  freeinit?: string;
  freeinitSigma?: string;
  freeinitSteps?: string;
}

export function addSamplerOptions(cmd: Command): Command {
  return cmd
    .option('--preset <name>', 'start from a model preset (wan2.1-t2v-14b, wan2.1-t2v-1.3b, wan2.2-t2v-a14b, wan2.2-i2v-a14b, cosmos-predict2.5-2b)')
    .addOption(new Option('--solver <name>', 'solver').choices([...SOLVERS]))
    .option('--steps <n>', 'number of outer steps')
    .option('--shift <s>', 'flow-grid shift (Wan/diffusers σ grid)')
    .option('--sigmas <list>', 'explicit σ grid, comma-separated, high to low (0 appended)')
    .option('--cfg <g>', 'classifier-free guidance scale (with --cfg-low: the scale at and above the boundary)')
    .option('--cfg-low <g>', 'guidance scale below --cfg-boundary (the low-noise expert\'s scale in a two-expert model)')
    .option('--cfg-boundary <t>', "the model's timestep (Wan and the physics model: int(σ·1000); Cosmos: σ) from which --cfg applies instead of --cfg-low")
    .addOption(new Option('--cfg-form <form>', 'CFG form: wan = u + g(c−u), cosmos = c + g(c−u)').choices(['wan', 'cosmos']))
    .option('--cfg-zero-star', 'CFG-Zero*: optimised scale s* (with --zero-init steps of v = 0)')
    .option('--zero-init <n>', 'CFG-Zero* zero-init steps (default 1 with --cfg-zero-star)')
    .addOption(new Option('--refine <mode>', 'refinement: none, pnp (Predict-and-Perturb) or adaptive').choices(['none', 'pnp', 'adaptive']))
    .option('--plan <plan>', 'P&P plan "STEP-STEP:K,…" with 0-based outer steps, e.g. "2-5:3,6-13:1", or fractions of the schedule, e.g. "0.05-0.35:2", or per expert, e.g. "high:0-0.2:2;low:0-1:1"')
    .option('--window <fraction>', 'P&P shorthand: refine the first fraction of steps (with --k)')
    .option('--k <K>', 'P&P shorthand: extra evaluations per refined step (K_max for adaptive)')
    .option('--tau <τ>', 'uncertainty threshold τ (0 = mask off, inf = plain steps)')
    .option('--no-early-exit', 'spend every planned inner iteration (no 99.9 % early exit)')
    .option('--stop-below <fraction>', 'adaptive: stop a step once the uncertain fraction is below this (default 0.05)')
    .option('--restart <step>', 'Restart baseline: jump back once the grid reaches this step index')
    .option('--restart-sigma <σ>', 'Restart: σ to jump back to (default 0.9)')
    .option('--restart-steps <n>', 'Restart: Euler steps per restart interval (default 3)')
    .option('--restart-repeats <n>', 'Restart: number of restarts (default 1)')
    .option('--freeinit <passes>', 'FreeInit baseline: total sampling passes (3–5)')
    .option('--freeinit-sigma <σ>', 'FreeInit: σ to re-noise to between passes (default 0.95)')
    .option('--freeinit-steps <n>', 'FreeInit: steps of each later pass, picked from the grid below σ (default: all of them)');
}

/** The CLI's name of an override: `cfgLow` → `--cfg-low`. */
export const flagLabel: FieldLabel = (field) => `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The flags as typed overrides: numbers parsed here, ranges and combinations checked by samplerConfigFromOverrides. */
export function overridesFromFlags(flags: SamplerFlags): SamplerOverrides {
  const n = (field: keyof SamplerFlags & OverrideField): number | undefined => {
    const text = flags[field];
    return typeof text === 'string' ? parseNumber(text, flagLabel(field)) : undefined;
  };
  return {
    preset: flags.preset,
    solver: flags.solver as SamplerOverrides['solver'],
    steps: n('steps'),
    shift: n('shift'),
    sigmas: flags.sigmas?.split(',').map((s) => parseNumber(s, '--sigmas', undefined, 'σ values in [0, 1]')),
    cfg: n('cfg'),
    cfgLow: n('cfgLow'),
    cfgBoundary: n('cfgBoundary'),
    cfgForm: flags.cfgForm as SamplerOverrides['cfgForm'],
    cfgZeroStar: flags.cfgZeroStar,
    zeroInit: n('zeroInit'),
    refine: flags.refine as SamplerOverrides['refine'],
    plan: flags.plan,
    window: n('window'),
    k: n('k'),
    tau: n('tau'),
    earlyExit: flags.earlyExit,
    stopBelow: n('stopBelow'),
    restart: n('restart'),
    restartSigma: n('restartSigma'),
    restartSteps: n('restartSteps'),
    restartRepeats: n('restartRepeats'),
    freeinit: n('freeinit'),
    freeinitSigma: n('freeinitSigma'),
    freeinitSteps: n('freeinitSteps'),
  };
}

/** Preset (or `base`) overridden flag by flag. */
export function samplerConfigFromFlags(flags: SamplerFlags, base: SamplerConfig = DEFAULT_SAMPLER_CONFIG): SamplerConfig {
  return samplerConfigFromOverrides(base, overridesFromFlags(flags), flagLabel);
}
