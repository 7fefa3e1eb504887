// Sampler flags shared by every command that samples (sample, generate, bench): a preset as the
// base, then each flag overrides one option.
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { formatPlan, windowPlan } from '../core/plan.js';
import { SOLVERS } from '../core/solvers.js';
import { findPreset, type GridSpec, type RefineSpec, type SamplerConfig } from '../pipeline/config.js';
import { resolvePlan } from '../pipeline/run.js';

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

export function parseNumber(text: string, flag: string, check?: (n: number) => boolean, requirement = ''): number {
  const t = text.trim().toLowerCase();
  const n = t === 'inf' || t === 'infinity' ? Infinity : Number(t);
  if (t === '' || Number.isNaN(n) || (check !== undefined && !check(n))) {
    throw new UsageError(`${flag} must be ${requirement || 'a number'}, got '${text}'`);
  }
  return n;
}

export function parseInteger(text: string, flag: string, min: number): number {
  return parseNumber(text, flag, (n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`);
}

const DEFAULT_CONFIG: SamplerConfig = {
  solver: 'euler',
  steps: 30,
  grid: { kind: 'flow', shift: 3 },
  guidance: { form: 'wan', scale: 1 },
  refine: { mode: 'none' },
};

/** Preset (or defaults) overridden flag by flag. */
export function samplerConfigFromFlags(flags: SamplerFlags, base: SamplerConfig = DEFAULT_CONFIG): SamplerConfig {
  const start = flags.preset !== undefined ? findPreset(flags.preset).config : base;
  const solver = (flags.solver as SamplerConfig['solver'] | undefined) ?? start.solver;
  const steps = flags.steps !== undefined ? parseInteger(flags.steps, '--steps', 1) : start.steps;
  let grid: GridSpec = start.grid;
  if (flags.sigmas !== undefined) {
    if (flags.shift !== undefined) throw new UsageError('give either --sigmas or --shift, not both');
    const sigmas = flags.sigmas.split(',').map((s) => parseNumber(s, '--sigmas', (n) => n >= 0 && n <= 1, 'σ values in [0, 1]'));
    grid = { kind: 'explicit', sigmas };
  } else if (flags.shift !== undefined) {
    grid = { kind: 'flow', shift: parseNumber(flags.shift, '--shift', (n) => n > 0 && Number.isFinite(n), 'a positive number') };
  }
  const stepCount = grid.kind === 'explicit' ? (grid.sigmas[grid.sigmas.length - 1] === 0 ? grid.sigmas.length - 1 : grid.sigmas.length) : steps;

  let guidance = { ...start.guidance };
  if (flags.cfg !== undefined) {
    const scale = parseNumber(flags.cfg, '--cfg', Number.isFinite, 'a finite number');
    guidance = { ...guidance, scale, cfgSchedule: guidance.cfgSchedule !== undefined ? { ...guidance.cfgSchedule, lowScale: scale } : undefined };
  }
  if (flags.cfgLow !== undefined || flags.cfgBoundary !== undefined) {
    const boundary =
      flags.cfgBoundary !== undefined
        ? parseNumber(flags.cfgBoundary, '--cfg-boundary', (n) => Number.isFinite(n) && n > 0, 'a positive timestep')
        : guidance.cfgSchedule?.boundary;
    if (boundary === undefined) throw new UsageError('--cfg-low needs --cfg-boundary <timestep> (this preset has no expert boundary)');
    const lowScale = flags.cfgLow !== undefined ? parseNumber(flags.cfgLow, '--cfg-low', Number.isFinite, 'a finite number') : (guidance.cfgSchedule?.lowScale ?? guidance.scale);
    guidance = { ...guidance, cfgSchedule: { lowScale, boundary } };
  }
  if (flags.cfgForm !== undefined) guidance = { ...guidance, form: flags.cfgForm as 'wan' | 'cosmos' };
  if (flags.cfgZeroStar === true || flags.zeroInit !== undefined) {
    const zeroInitSteps = flags.zeroInit !== undefined ? parseInteger(flags.zeroInit, '--zero-init', 0) : 1;
    guidance = { ...guidance, zeroStar: { zeroInitSteps } };
  }

  const refine = refineFromFlags(flags, start.refine, stepCount);
  const config: SamplerConfig = { solver, steps: stepCount, grid, guidance, refine };
  // The plan is checked against the grid here, before any model is loaded (per-expert parts with Wan's timesteps).
  resolvePlan(config);
  return {
    ...config,
    restart: restartFromFlags(flags) ?? start.restart,
    freeInit: freeInitFromFlags(flags) ?? start.freeInit,
  };
}

function refineFromFlags(flags: SamplerFlags, base: RefineSpec, steps: number): RefineSpec {
  const mode = (flags.refine as RefineSpec['mode'] | undefined) ?? (flags.plan !== undefined || flags.window !== undefined ? (base.mode === 'none' ? 'pnp' : base.mode) : base.mode);
  if (mode === 'none') {
    for (const [flag, v] of [['--plan', flags.plan], ['--window', flags.window], ['--tau', flags.tau], ['--k', flags.k]] as const) {
      if (v !== undefined) throw new UsageError(`${flag} needs --refine pnp or --refine adaptive`);
    }
    return { mode: 'none' };
  }
  if (flags.plan !== undefined && flags.window !== undefined) throw new UsageError('give either --plan or --window/--k, not both');
  let plan = base.mode !== 'none' ? base.plan : '';
  if (flags.plan !== undefined) {
    plan = flags.plan;
  } else if (flags.window !== undefined || flags.k !== undefined) {
    const fraction = flags.window !== undefined ? parseNumber(flags.window, '--window', (n) => n >= 0 && n <= 1, 'a fraction in [0, 1]') : 0.2;
    const k = flags.k !== undefined ? parseNumber(flags.k, '--k', (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0 (K < 0 is meaningless)') : 2;
    plan = formatPlan(windowPlan(steps, fraction, k));
  } else if (plan === '') {
    plan = formatPlan(windowPlan(steps, 0.2, 2));
  }
  const tau = flags.tau !== undefined ? parseNumber(flags.tau, '--tau', (n) => n >= 0, 'a number ≥ 0 (0 turns the mask off, inf reproduces plain steps)') : base.mode !== 'none' ? base.tau : 0.25;
  if (mode === 'pnp') return { mode, plan, tau, earlyExit: flags.earlyExit !== false };
  const stopBelow = flags.stopBelow !== undefined ? parseNumber(flags.stopBelow, '--stop-below', (n) => n >= 0 && n <= 1, 'a fraction in [0, 1]') : base.mode === 'adaptive' ? base.stopBelow : 0.05;
  if (!(tau > 0)) throw new UsageError('adaptive refinement needs τ > 0: with the mask off no position ever becomes certain');
  return { mode, plan, tau, stopBelow };
}

function restartFromFlags(flags: SamplerFlags): SamplerConfig['restart'] {
  if (flags.restart === undefined) {
    if (flags.restartSigma ?? flags.restartSteps ?? flags.restartRepeats) throw new UsageError('--restart-* options need --restart <step>');
    return undefined;
  }
  return {
    atStep: parseInteger(flags.restart, '--restart', 1),
    sigmaHigh: flags.restartSigma !== undefined ? parseNumber(flags.restartSigma, '--restart-sigma', (n) => n > 0 && n < 1, 'a σ in (0, 1)') : 0.9,
    steps: flags.restartSteps !== undefined ? parseInteger(flags.restartSteps, '--restart-steps', 1) : 3,
    repeats: flags.restartRepeats !== undefined ? parseInteger(flags.restartRepeats, '--restart-repeats', 1) : 1,
  };
}

function freeInitFromFlags(flags: SamplerFlags): SamplerConfig['freeInit'] {
  if (flags.freeinit === undefined) {
    if (flags.freeinitSigma !== undefined || flags.freeinitSteps !== undefined) throw new UsageError('--freeinit-sigma and --freeinit-steps need --freeinit <passes>');
    return undefined;
  }
  return {
    passes: parseInteger(flags.freeinit, '--freeinit', 1),
    sigmaRenoise: flags.freeinitSigma !== undefined ? parseNumber(flags.freeinitSigma, '--freeinit-sigma', (n) => n > 0 && n < 1, 'a σ in (0, 1)') : 0.95,
    ...(flags.freeinitSteps !== undefined ? { steps: parseInteger(flags.freeinitSteps, '--freeinit-steps', 1) } : {}),
  };
}
