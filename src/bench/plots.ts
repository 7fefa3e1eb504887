// The benchmark's plots as Vega-Lite specs: quality against NFE (methods coloured by family, the front of
// methods no cheaper method beats, bootstrap intervals as error bars) and the P&P ablations over K, τ and the
// refinement window. Drawn from PlotData, a small extract of results.json that docs/results/data/ also keeps.
import type { Config, TopLevelSpec } from 'vega-lite';
import type { ColorDef, Field, PositionFieldDef } from 'vega-lite/types_unstable/channeldef.js';
import type { LayerSpec } from 'vega-lite/types_unstable/spec/layer.js';
import type { UnitSpec } from 'vega-lite/types_unstable/spec/unit.js';
import type { Interval } from '../eval/stats.js';
import type { BenchResults, MethodInfo } from './bench.js';
import { DEFAULT_METHOD, tauSeries } from './methods.js';
import { POINT_LABEL_STYLE, vegaLiteSvg } from './svg.js';

/** How a method spends its compute, for the plots' colours. */
export type MethodFamily = 'default' | 'pnp' | 'more-nfe' | 'best-of-n';

/** The metrics the plots show: validity, law residual (px), win rate against the default, background shift (RGB). */
export type PlotMetric = 'validity' | 'lawResidualPx' | 'winRate' | 'bgShift';

/** A mean with its bootstrap 95 % interval, when there is one. */
export interface PlotValue {
  readonly mean: number;
  readonly lo?: number;
  readonly hi?: number;
}

export interface PlotMethod {
  /** The bench method id (`--methods`); the plots label points with it. */
  readonly id: string;
  readonly group: string;
  readonly family: MethodFamily;
  /** Mean NFE per sample (best-of-N: all candidates). */
  readonly nfe: number;
  readonly params?: { readonly K?: number; readonly tau?: number; readonly window?: number };
  /** Best-of-N: N, the candidates drawn per sample. */
  readonly candidates?: number;
  readonly metrics: Partial<Record<PlotMetric, PlotValue>>;
}

export const PLOT_DATA_FORMAT = 'selfrefine-plots/1';

export interface PlotData {
  readonly format: typeof PLOT_DATA_FORMAT;
  /** Where the numbers come from: suite, model and run. */
  readonly source: string;
  /** The model's name, e.g. "physics-v3" (the titles name it). */
  readonly model: string;
  /** Which tasks the numbers pool, e.g. "all tasks pooled". */
  readonly where: string;
  readonly methods: readonly PlotMethod[];
}

const FAMILY_ORDER: readonly MethodFamily[] = ['default', 'pnp', 'more-nfe', 'best-of-n'];
const FAMILY_COLOUR: Record<MethodFamily, string> = { default: '#555555', pnp: '#1f77b4', 'more-nfe': '#e6550d', 'best-of-n': '#8e44ad' };
const FAMILY_SHAPE: Record<MethodFamily, string> = { default: 'circle', pnp: 'square', 'more-nfe': 'triangle-up', 'best-of-n': 'diamond' };
const PANEL = { width: 330, height: 290 };
const FONT = 'Helvetica, Arial, sans-serif';

/** Default sampler and samplers at its cost; P&P; baselines given more NFE without P&P; best-of-N. */
export function methodFamily(m: MethodInfo, defaultNfe: number): MethodFamily {
  if (m.bestOf !== undefined) return 'best-of-n';
  if (m.config.refine.mode !== 'none') return 'pnp';
  if (m.config.restart !== undefined || m.config.freeInit !== undefined || m.plannedNfe > defaultNfe) return 'more-nfe';
  return 'default';
}

function familyLabel(f: MethodFamily, methods: readonly PlotMethod[]): string {
  switch (f) {
    case 'default':
      return 'default and samplers of its cost';
    case 'pnp':
      return 'P&P variants';
    case 'more-nfe':
      return 'baselines given more NFE';
    case 'best-of-n': {
      const n = new Set(methods.filter((m) => m.family === f).map((m) => m.candidates));
      return n.size === 1 && [...n][0] !== undefined ? `best-of-${[...n][0]}` : 'best-of-N';
    }
  }
}

const value = (i: Interval | undefined): PlotValue | undefined => (i === undefined || i.n === 0 || !Number.isFinite(i.mean) ? undefined : { mean: i.mean, lo: i.lo, hi: i.hi });

/** The plotted extract of a bench run, for the cells of task group `key` ('all' or a task id). */
export function plotData(r: BenchResults, key: string): PlotData {
  const cells = r.cells[key];
  const defaultNfe = r.methods.find((m) => m.id === DEFAULT_METHOD)?.plannedNfe ?? Infinity;
  const methods = r.methods.map((m): PlotMethod => {
    const c = cells[m.id];
    const metrics: Partial<Record<PlotMetric, PlotValue>> = {
      validity: value(c.metrics.validity),
      lawResidualPx: value(c.metrics.lawResidualPx),
      bgShift: value(c.metrics.bgShift),
      winRate: m.id === DEFAULT_METHOD ? undefined : value(c.vsDefault.winRate),
    };
    return { id: m.id, group: m.group, family: methodFamily(m, defaultNfe), nfe: c.nfe, params: m.params, candidates: m.bestOf?.n, metrics };
  });
  const source = `selfrefine bench --suite ${r.suite}, model ${r.model.name} (${r.model.sha256}), ${r.samples} samples per task and method`;
  return { format: PLOT_DATA_FORMAT, source, model: r.model.name, where: key === 'all' ? 'all tasks pooled' : key, methods };
}

// ---------- quality against NFE ----------

interface QualityPanel {
  readonly metric: PlotMetric;
  readonly axis: string;
  readonly higherIsBetter: boolean;
  readonly percent: boolean;
}

const QUALITY_PANELS: readonly QualityPanel[] = [
  { metric: 'validity', axis: 'valid clips', higherIsBetter: true, percent: true },
  { metric: 'lawResidualPx', axis: 'law residual, RMS px (lower is better)', higherIsBetter: false, percent: false },
  { metric: 'winRate', axis: 'win rate against the default', higherIsBetter: true, percent: true },
];

interface Row {
  readonly id: string;
  readonly family: string;
  readonly nfe: number;
  readonly mean: number;
  readonly lo: number | null;
  readonly hi: number | null;
  /** Labels are placed in this order (lower first), so front methods keep theirs when space runs out. */
  readonly labelPriority: number;
}

/** Indices of the methods that no other method beats with at most the same NFE (ties stay on the front). */
export function frontIndices(points: readonly { readonly nfe: number; readonly mean: number }[], higherIsBetter: boolean): number[] {
  const better = (a: number, b: number): boolean => (higherIsBetter ? a > b : a < b);
  const notWorse = (a: number, b: number): boolean => a === b || better(a, b);
  return points
    .map((p, i) => ({ p, i }))
    .filter(({ p, i }) => !points.some((q, j) => j !== i && q.nfe <= p.nfe && notWorse(q.mean, p.mean) && (q.nfe < p.nfe || better(q.mean, p.mean))))
    .map(({ i }) => i);
}

const HEADLINE_IDS = new Set([DEFAULT_METHOD, 'pnp', 'nfe2']);

function qualityRows(data: PlotData, panel: QualityPanel): { rows: Row[]; front: Row[]; labels: Row[] } {
  const families = new Map(FAMILY_ORDER.map((f) => [f, familyLabel(f, data.methods)]));
  const have = data.methods.flatMap((m) => {
    const v = m.metrics[panel.metric];
    return v !== undefined && Number.isFinite(v.mean) && Number.isFinite(m.nfe) ? [{ m, v }] : [];
  });
  const onFront = new Set(frontIndices(have.map(({ m, v }) => ({ nfe: m.nfe, mean: v.mean })), panel.higherIsBetter));
  const rows = have.map(({ m, v }, i): Row => ({
    id: m.id,
    family: families.get(m.family) ?? m.family,
    nfe: m.nfe,
    mean: v.mean,
    lo: v.lo !== undefined && Number.isFinite(v.lo) ? v.lo : null,
    hi: v.hi !== undefined && Number.isFinite(v.hi) ? v.hi : null,
    labelPriority: onFront.has(i) ? 0 : HEADLINE_IDS.has(m.id) || m.family === 'best-of-n' ? 1 : 2,
  }));
  const front = rows.filter((_, i) => onFront.has(i)).sort((a, b) => a.nfe - b.nfe || a.mean - b.mean);
  return { rows, front, labels: mergeLabels(rows) };
}

/** One label per drawn point: methods with the same NFE and mean share a label ("bo4-oracle, bo4-frame"). */
function mergeLabels(rows: readonly Row[]): Row[] {
  const byPoint = new Map<string, Row>();
  for (const r of rows) {
    const key = `${r.nfe}|${r.mean}`;
    const seen = byPoint.get(key);
    byPoint.set(key, seen === undefined ? r : { ...seen, id: `${seen.id}, ${r.id}`, labelPriority: Math.min(seen.labelPriority, r.labelPriority) });
  }
  return [...byPoint.values()];
}

type Layer = UnitSpec<Field>;

const NFE_AXIS: PositionFieldDef<Field> = { field: 'nfe', type: 'quantitative', title: 'NFE per sample', scale: { zero: false, padding: 12 } };

interface FamilyScale {
  readonly domain: string[];
  readonly range: string[];
  readonly shapes: string[];
}

function qualityPanelSpec(data: PlotData, panel: QualityPanel, colour: FamilyScale): LayerSpec<Field> {
  const { rows, front, labels } = qualityRows(data, panel);
  const format = panel.percent ? '.0%' : '.3~g';
  const y: PositionFieldDef<Field> = { field: 'mean', type: 'quantitative', title: panel.axis, axis: { format }, scale: { zero: false } };
  const colourEnc: ColorDef<Field> = { field: 'family', type: 'nominal', title: null, scale: { domain: colour.domain, range: colour.range } };
  const reference = panel.metric === 'winRate' ? 0.5 : rows.find((r) => r.id === DEFAULT_METHOD)?.mean;
  const referenceLayer: Layer[] =
    reference === undefined ? [] : [{ data: { values: [{ ref: reference }] }, mark: { type: 'rule', color: '#999999', strokeDash: [2, 3] }, encoding: { y: { field: 'ref', type: 'quantitative' } } }];
  const frontLayer: Layer[] =
    front.length > 1 ? [{ data: { values: front }, mark: { type: 'line', color: '#222222', strokeDash: [6, 3], strokeWidth: 1.2 }, encoding: { x: NFE_AXIS, y, order: { field: 'nfe', type: 'quantitative' } } }] : [];
  return {
    width: PANEL.width,
    height: PANEL.height,
    layer: [
      ...referenceLayer,
      ...frontLayer,
      {
        data: { values: rows.filter((r) => r.lo !== null && r.hi !== null) },
        mark: { type: 'errorbar', ticks: { size: 6 }, thickness: 1.2 },
        encoding: { x: NFE_AXIS, y: { field: 'lo', type: 'quantitative', title: panel.axis }, y2: { field: 'hi' }, color: colourEnc },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, size: 55, opacity: 1 },
        encoding: { x: NFE_AXIS, y, color: colourEnc, shape: { field: 'family', type: 'nominal', title: null, scale: { domain: colour.domain, range: colour.shapes } } },
      },
      {
        data: { values: labels },
        mark: { type: 'text', style: POINT_LABEL_STYLE, fontSize: 10 },
        encoding: { x: NFE_AXIS, y, text: { field: 'id' }, color: colourEnc },
      },
    ],
  };
}

function figureConfig(): Config {
  return {
    aria: false,
    font: FONT,
    view: { stroke: '#888888' },
    axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#ececec' },
    legend: { labelFontSize: 12, orient: 'bottom', direction: 'horizontal', symbolSize: 90, columnPadding: 24, gridAlign: 'none', labelLimit: 400 },
    title: { fontSize: 14, subtitleFontSize: 12, subtitleColor: '#555555', anchor: 'start', offset: 12 },
  };
}

export function qualityVsNfeSpec(data: PlotData): TopLevelSpec {
  const present = FAMILY_ORDER.filter((f) => data.methods.some((m) => m.family === f));
  const colour = { domain: present.map((f) => familyLabel(f, data.methods)), range: present.map((f) => FAMILY_COLOUR[f]), shapes: present.map((f) => FAMILY_SHAPE[f]) };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Quality against NFE (${data.model}, ${data.where})`,
      subtitle: [
        'Points: means; bars: bootstrap 95 % intervals; labels: bench method ids (a label with no free place is left out).',
        'Dashed line: the front, methods that no method with at most the same NFE beats. Dotted: the default sampler (win rate: 50 %).',
      ],
    },
    background: 'white',
    padding: 12,
    spacing: 40,
    hconcat: QUALITY_PANELS.map((p) => qualityPanelSpec(data, p, colour)),
    resolve: { scale: { color: 'shared', shape: 'shared' } },
    config: figureConfig(),
  };
}

// ---------- ablations ----------

interface AblationPanel {
  readonly axis: string;
  /** A metric, or 'nfe' for the measured NFE per sample. */
  readonly metric: PlotMetric | 'nfe';
  readonly percent?: boolean;
}

interface AblationFigure {
  readonly file: string;
  readonly title: string;
  readonly xTitle: string;
  readonly methods: readonly PlotMethod[];
  readonly x: (m: PlotMethod) => number | undefined;
  readonly xPercent?: boolean;
  readonly panels: readonly AblationPanel[];
}

function ablationPanelSpec(fig: AblationFigure, panel: AblationPanel): LayerSpec<Field> {
  const rows = fig.methods.flatMap((m) => {
    const x = fig.x(m);
    const v: PlotValue | undefined = panel.metric === 'nfe' ? { mean: m.nfe } : m.metrics[panel.metric];
    if (x === undefined || !Number.isFinite(x) || v === undefined || !Number.isFinite(v.mean)) return [];
    const interval = v.lo !== undefined && v.hi !== undefined && Number.isFinite(v.lo) && Number.isFinite(v.hi);
    return [{ x, mean: v.mean, lo: interval ? v.lo : null, hi: interval ? v.hi : null, note: m.id === 'pnp' ? 'default' : '', labelPriority: 0 }];
  });
  const colour = FAMILY_COLOUR.pnp;
  const x: PositionFieldDef<Field> = { field: 'x', type: 'quantitative', title: fig.xTitle, scale: { padding: 14 }, axis: { format: fig.xPercent === true ? '.0%' : '.3~g', values: rows.map((r) => r.x) } };
  // An explicit precision: without one Vega picks it from the tick spacing and prints τ = 0.15 as 0.1.
  const format = panel.percent === true ? '.0%' : '.3~g';
  const y: PositionFieldDef<Field> = { field: 'mean', type: 'quantitative', title: panel.axis, axis: { format }, scale: { zero: panel.metric === 'nfe' } };
  return {
    width: 280,
    height: 210,
    data: { values: rows },
    layer: [
      { mark: { type: 'line', color: colour, strokeWidth: 1.6 }, encoding: { x, y } },
      { transform: [{ filter: 'datum.lo != null' }], mark: { type: 'errorbar', ticks: { size: 6 }, color: colour }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: panel.axis }, y2: { field: 'hi' } } },
      { mark: { type: 'point', filled: true, size: 50, color: colour, opacity: 1 }, encoding: { x, y } },
      { transform: [{ filter: "datum.note != ''" }], mark: { type: 'text', style: POINT_LABEL_STYLE, fontSize: 10, color: '#333333' }, encoding: { x, y, text: { field: 'note' } } },
    ],
  };
}

function ablationSpec(fig: AblationFigure): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: fig.title, subtitle: 'Points: means; bars: bootstrap 95 % intervals.' },
    background: 'white',
    padding: 12,
    spacing: 40,
    hconcat: fig.panels.map((p) => ablationPanelSpec(fig, p)),
    config: figureConfig(),
  };
}

function ablationFigures(data: PlotData): AblationFigure[] {
  const by = (g: string): PlotMethod[] => data.methods.filter((m) => m.group === g);
  const K = data.methods.find((m) => m.id === 'pnp')?.params?.K;
  const validity: AblationPanel = { axis: 'valid clips', metric: 'validity', percent: true };
  const bg: AblationPanel = { axis: 'bg colour vs default (RGB)', metric: 'bgShift' };
  const figures: AblationFigure[] = [
    {
      file: 'ablation-k.svg',
      title: `K without the mask (τ = 0; ${data.model}, ${data.where})`,
      xTitle: 'K (extra predictions per refined step)',
      methods: by('pnp-nomask'),
      x: (m) => m.params?.K,
      panels: [validity, bg],
    },
    {
      file: 'ablation-tau.svg',
      title: `τ of the uncertainty mask (K = ${K}; ${data.model}, ${data.where})`,
      xTitle: 'τ (0 = mask off)',
      methods: tauSeries(data),
      x: (m) => m.params?.tau,
      panels: [validity, bg, { axis: 'NFE per sample (early exit)', metric: 'nfe' }],
    },
    {
      file: 'ablation-window.svg',
      title: `Refinement window (${data.model}, ${data.where})`,
      xTitle: 'refined fraction of the steps (from the first)',
      methods: by('window'),
      x: (m) => m.params?.window,
      xPercent: true,
      panels: [validity, { axis: 'win rate against the default', metric: 'winRate', percent: true }, { axis: 'NFE per sample', metric: 'nfe' }],
    },
  ];
  return figures.filter((f) => f.methods.length > 1);
}

/** Every plot of a bench run (file name → SVG): quality against NFE, and each ablation the run has. */
export async function benchPlots(data: PlotData): Promise<Record<string, string>> {
  const out: Record<string, string> = { 'quality-vs-nfe.svg': await vegaLiteSvg(qualityVsNfeSpec(data)) };
  for (const fig of ablationFigures(data)) out[fig.file] = await vegaLiteSvg(ablationSpec(fig));
  return out;
}
