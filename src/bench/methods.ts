// The benchmark's methods, derived at run time from the model's default configuration
// (PHYSICS_DEFAULTS), so a re-tuned default changes every variant consistently.
import { parsePlan, formatPlan, windowPlan, planExtraNfe, type RefinePlan } from '../core/plan.js';
import { SOLVER_LABELS, SOLVERS } from '../core/solvers.js';
import { UsageError } from '../errors.js';
import { buildGrid, describeGuidance, type SamplerConfig } from '../pipeline/config.js';
import { plannedNfe, resolvePlan } from '../pipeline/run.js';

export type MethodGroup = 'baseline' | 'verifier' | 'pnp' | 'pnp-nomask' | 'pnp-mask' | 'window' | 'adaptive' | 'tuning';

/** Which verifier a best-of-N method keeps its candidate by. */
export type VerifierName = 'oracle' | 'per-frame';

export interface MethodSpec {
  /** Stable id (CLI `--methods`, file names, results.json keys). */
  readonly id: string;
  readonly label: string;
  readonly group: MethodGroup;
  /** The sampler configuration of one sample (for best-of-N: of every candidate). */
  readonly config: SamplerConfig;
  /** Best-of-N: candidate 0 is the default sampler's sample of the same seed, candidates 1…N−1 extra draws. */
  readonly bestOf?: { readonly n: number; readonly verifier: VerifierName };
  /** Ablation coordinates (for the plots). */
  readonly params?: { readonly K?: number; readonly tau?: number; readonly window?: number };
}

export const DEFAULT_METHOD = 'default';
export const BEST_OF_N = 4;
export const NO_MASK_KS: readonly number[] = [2, 3, 5];
export const MASK_TAUS: readonly number[] = [0.15, 0.25, 0.4];
export const WINDOWS: readonly number[] = [0.1, 0.2, 0.35, 1];
export const ADAPTIVE_K_MAX = 5;
export const ADAPTIVE_STOP_BELOW = 0.05;
/** CFG-Zero*: zero-init over the first ≈4 % of steps (at least one), as its paper recommends. */
export const CFG_ZERO_INIT_FRACTION = 0.04;

/** The refinement window of a configuration: its plan (or a 30 % window with K = 2 when refinement is off), τ and K. */
function baseRefinement(defaults: SamplerConfig): { plan: RefinePlan; tau: number; K: number } {
  const r = defaults.refine;
  const plan = r.mode === 'none' ? windowPlan(defaults.steps, 0.3, 2) : resolvePlan(defaults);
  const K = Math.max(1, ...plan.values());
  return { plan, tau: r.mode === 'none' ? 0.25 : r.tau, K };
}

function withK(plan: RefinePlan, K: number): string {
  return formatPlan(new Map([...plan.keys()].map((s) => [s, K])));
}

const fmtTau = (t: number): string => t.toFixed(2).replace(/0$/, '');

/**
 * Restart at matched NFE: after the P&P window, jump back to the window's first σ and integrate
 * down again with as many Euler steps as the window has, repeated to spend the P&P's extra NFE.
 */
function restartConfig(plain: SamplerConfig, plan: RefinePlan, extra: number): SamplerConfig {
  const grid = buildGrid(plain.steps, plain.grid);
  const steps = [...plan.keys()].sort((a, b) => a - b);
  const first = steps[0];
  const last = steps[steps.length - 1];
  const atStep = Math.min(grid.sigmas.length - 2, Math.max(1, last + 1));
  const sigmaHigh = Math.min(0.999, grid.sigmas[Math.min(first, atStep - 1)]);
  const inner = Math.max(1, Math.min(atStep, last - first + 1));
  const repeats = Math.max(1, Math.round(extra / inner));
  return { ...plain, restart: { atStep, sigmaHigh, steps: inner, repeats } };
}

/**
 * FreeInit's re-noising level in flow form: FreeInit diffuses to t = T of Stable Diffusion's schedule, where the
 * signal keeps √ᾱ_T ≈ 0.068 against noise √(1 − ᾱ_T) ≈ 0.998; the flow σ with the same ratio (1 − σ)/σ is 0.936.
 */
export const FREEINIT_SIGMA = 0.936;

/** FreeInit at matched NFE: two passes, the second re-noised to FREEINIT_SIGMA with as many steps as P&P adds. */
function freeInitConfig(plain: SamplerConfig, extra: number): SamplerConfig {
  const n = buildGrid(plain.steps, plain.grid).sigmas.length - 1;
  return { ...plain, freeInit: { passes: 2, sigmaRenoise: FREEINIT_SIGMA, steps: Math.min(n, Math.max(1, extra)) } };
}

/** Every method of the benchmark, in table order. `defaults` is the model's default configuration. */
export function benchMethods(defaults: SamplerConfig): MethodSpec[] {
  const plain: SamplerConfig = { solver: defaults.solver, steps: defaults.steps, grid: defaults.grid, guidance: defaults.guidance, refine: { mode: 'none' } };
  const { plan, tau, K } = baseRefinement(defaults);
  const planText = formatPlan(plan);
  const pnp: SamplerConfig = { ...plain, refine: { mode: 'pnp', plan: planText, tau, earlyExit: true } };
  const extra = planExtraNfe(plan);
  const zeroInit = Math.max(1, Math.round(CFG_ZERO_INIT_FRACTION * plain.steps));
  const solverName = SOLVER_LABELS[plain.solver];
  const methods: MethodSpec[] = [
    { id: DEFAULT_METHOD, label: `${solverName} ${plain.steps} steps (default)`, group: 'baseline', config: plain },
    { id: 'euler', label: `Euler ${plain.steps} steps`, group: 'baseline', config: { ...plain, solver: 'euler' } },
    { id: 'nfe2', label: `NFE×2 (${solverName} ${2 * plain.steps} steps)`, group: 'baseline', config: { ...plain, steps: 2 * plain.steps } },
    { id: 'cfg-zero', label: `CFG-Zero* (zero-init ${zeroInit})`, group: 'baseline', config: { ...plain, guidance: { ...plain.guidance, zeroStar: { zeroInitSteps: zeroInit } } } },
    { id: 'restart', label: 'Restart (matched NFE)', group: 'baseline', config: restartConfig(plain, plan, extra) },
    { id: 'freeinit', label: 'FreeInit (matched NFE)', group: 'baseline', config: freeInitConfig(plain, extra) },
    { id: 'bo4-oracle', label: `best-of-${BEST_OF_N}, oracle physics verifier (upper bound)`, group: 'verifier', config: plain, bestOf: { n: BEST_OF_N, verifier: 'oracle' } },
    { id: 'bo4-frame', label: `best-of-${BEST_OF_N}, per-frame appearance verifier`, group: 'verifier', config: plain, bestOf: { n: BEST_OF_N, verifier: 'per-frame' } },
    { id: 'pnp', label: `P&P ${planText}, τ ${fmtTau(tau)} (default)`, group: 'pnp', config: pnp, params: { K, tau } },
  ];
  for (const k of NO_MASK_KS) {
    methods.push({ id: `pnp-k${k}-nomask`, label: `P&P K=${k}, no mask (τ 0)`, group: 'pnp-nomask', config: { ...plain, refine: { mode: 'pnp', plan: withK(plan, k), tau: 0, earlyExit: true } }, params: { K: k, tau: 0 } });
  }
  for (const t of MASK_TAUS) {
    const refine = { mode: 'pnp', plan: withK(plan, K), tau: t, earlyExit: true } as const;
    if (refine.plan === planText && t === tau) continue; // that is the default P&P itself
    methods.push({ id: `pnp-tau${fmtTau(t)}`, label: `P&P K=${K}, mask τ ${fmtTau(t)}`, group: 'pnp-mask', config: { ...plain, refine: { mode: 'pnp', plan: withK(plan, K), tau: t, earlyExit: true } }, params: { K, tau: t } });
  }
  for (const f of WINDOWS) {
    const wp = formatPlan(windowPlan(plain.steps, f, K));
    methods.push({ id: `window-${Math.round(f * 100)}`, label: `P&P first ${Math.round(f * 100)} % of steps (${wp}), τ ${fmtTau(tau)}`, group: 'window', config: { ...plain, refine: { mode: 'pnp', plan: wp, tau, earlyExit: true } }, params: { K, tau, window: f } });
  }
  methods.push({
    id: 'adaptive',
    label: `adaptive P&P (K ≤ ${ADAPTIVE_K_MAX}, stop below ${ADAPTIVE_STOP_BELOW * 100} % uncertain)`,
    group: 'adaptive',
    config: { ...plain, refine: { mode: 'adaptive', plan: withK(plan, ADAPTIVE_K_MAX), tau, stopBelow: ADAPTIVE_STOP_BELOW } },
    params: { K: ADAPTIVE_K_MAX, tau },
  });
  return methods;
}

/** What the τ ablation needs of a method. */
export interface AblationCoordinates {
  readonly id: string;
  readonly group: string;
  readonly params?: MethodSpec['params'];
}

/**
 * The τ ablation of a run (bench results or plot data), by τ: no mask at the default P&P's K, the masked variants
 * and the default P&P.
 */
export function tauSeries<M extends AblationCoordinates>(run: { readonly methods: readonly M[] }): M[] {
  const K = run.methods.find((m) => m.id === 'pnp')?.params?.K;
  const hasMasked = run.methods.some((x) => x.group === 'pnp-mask');
  const ms = run.methods.filter((m) => (m.group === 'pnp-nomask' && m.params?.K === K) || m.group === 'pnp-mask' || (m.id === 'pnp' && hasMasked));
  return ms.sort((a, b) => (a.params?.tau ?? 0) - (b.params?.tau ?? 0));
}

/** Steps, shifts, CFG scales and P&P settings of the tuning sweep (each varied alone from the default). */
export const TUNE_STEPS: readonly number[] = [10, 15, 30];
export const TUNE_SHIFTS: readonly number[] = [1, 5, 8];
export const TUNE_CFG: readonly number[] = [1, 2, 4.5];
export const TUNE_PNP: readonly { readonly plan: string; readonly tau: number }[] = [
  { plan: '1-4:2', tau: 0.25 },
  { plan: '1-6:2', tau: 0.25 },
  { plan: '1-8:2', tau: 0.25 },
  { plan: '1-6:3', tau: 0.25 },
  { plan: '1-6:2', tau: 0.15 },
  { plan: '1-6:2', tau: 0.4 },
];

/**
 * The sweep `bench --suite tune` runs to choose the model's defaults: the plain default sampler, then one
 * setting changed at a time (solver, steps, shift, CFG scale), then P&P plans and τ on the default sampler.
 */
export function tuningMethods(defaults: SamplerConfig): MethodSpec[] {
  const plain: SamplerConfig = { solver: defaults.solver, steps: defaults.steps, grid: defaults.grid, guidance: defaults.guidance, refine: { mode: 'none' } };
  const shift = plain.grid.kind === 'flow' ? plain.grid.shift : undefined;
  const describe = (c: SamplerConfig): string =>
    `${SOLVER_LABELS[c.solver]} ${c.steps} steps${c.grid.kind === 'flow' ? `, shift ${c.grid.shift}` : ''}, ${describeGuidance(c.guidance)}`;
  const methods: MethodSpec[] = [{ id: DEFAULT_METHOD, label: `${describe(plain)} (default)`, group: 'tuning', config: plain }];
  const add = (id: string, config: SamplerConfig): void => {
    methods.push({ id, label: describe(config), group: 'tuning', config });
  };
  for (const solver of SOLVERS) if (solver !== plain.solver) add(`solver-${solver}`, { ...plain, solver });
  for (const n of TUNE_STEPS) if (n !== plain.steps) add(`steps-${n}`, { ...plain, steps: n });
  if (shift !== undefined) for (const s of TUNE_SHIFTS) if (s !== shift) add(`shift-${s}`, { ...plain, grid: { kind: 'flow', shift: s } });
  // each a constant scale; a default that changes its scale at a timestep is also compared with its low scale held throughout
  const constantScales = plain.guidance.cfgSchedule !== undefined ? [...TUNE_CFG, plain.guidance.cfgSchedule.lowScale] : TUNE_CFG;
  for (const g of new Set(constantScales)) {
    if (g !== plain.guidance.scale || plain.guidance.cfgSchedule !== undefined) add(`cfg-${g}`, { ...plain, guidance: { ...plain.guidance, scale: g, cfgSchedule: undefined } });
  }
  for (const { plan, tau } of TUNE_PNP) {
    const refine = { mode: 'pnp', plan, tau, earlyExit: true } as const;
    const K = Math.max(...parsePlan(plan).values());
    methods.push({ id: `pnp-${plan.replace(':', 'x')}-tau${fmtTau(tau)}`, label: `P&P ${plan}, τ ${fmtTau(tau)} on ${describe(plain)}`, group: 'tuning', config: { ...plain, refine }, params: { K, tau } });
  }
  return methods;
}

/** Select methods by id (the default sampler is always included: it is the reference of every pairing). */
export function selectMethods(all: readonly MethodSpec[], ids: readonly string[] | undefined): MethodSpec[] {
  if (ids === undefined) return [...all];
  const unknown = ids.filter((id) => !all.some((m) => m.id === id));
  if (unknown.length > 0) throw new UsageError(`unknown method(s) ${unknown.join(', ')}; available: ${all.map((m) => m.id).join(', ')}`);
  return all.filter((m) => m.id === DEFAULT_METHOD || ids.includes(m.id));
}

/** NFE of one sample of a method when no inner loop exits early (best-of-N: all candidates). */
export function methodPlannedNfe(m: MethodSpec): number {
  return plannedNfe(m.config) * (m.bestOf?.n ?? 1);
}
