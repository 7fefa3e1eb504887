/** The evaluation report: means with bootstrap 95% intervals beside the ground-truth floor (true clips, same extractor). */
import type { ClipMetrics } from './clip.js';
import type { SetMetrics } from './metrics/set.js';
import { formatInterval, formatNumber } from './format.js';
import { bootstrapMean, type Interval } from './stats.js';
import { LAW_RESIDUAL_FLOOR_PX, LAW_RESIDUAL_LIMIT_PX, TRAJECTORY_FLOOR_PX } from './floor.js';

type Extract = (m: ClipMetrics) => number;
const b = (v: boolean): number => (v ? 1 : 0);

/** A reported per-clip metric: key in the JSON, description, extractor. */
export interface ReportedMetric {
  key: string;
  label: string;
  get: Extract;
}

/** Reported per-clip metrics. Rates are means of 0/1 flags. */
export const REPORTED_METRICS = [
  { key: 'validity', label: 'valid clips (fraction)', get: (m) => b(m.valid) },
  { key: 'violationRate', label: 'physics-violation rate', get: (m) => b(m.violation) },
  { key: 'scenarioMatch', label: 'scenario match (fraction)', get: (m) => b(m.scenarioMatch) },
  { key: 'lawResidualPx', label: 'law residual RMS (px)', get: (m) => m.lawResidualPx },
  { key: 'gravityError', label: 'gravity error |g_fit−g|/g', get: (m) => m.gravityError },
  { key: 'restitution', label: 'restitution at bounces', get: (m) => m.restitution },
  { key: 'penetrationPx', label: 'wall/ball penetration (px)', get: (m) => m.penetrationPx },
  { key: 'trajectoryErrorPx', label: 'trajectory error (px)', get: (m) => m.trajectoryErrorPx },
  { key: 'velocityErrorPx', label: 'velocity error (px/frame)', get: (m) => m.velocityErrorPx },
  { key: 'flicker', label: 'flicker score, full frame', get: (m) => m.flicker },
  { key: 'flickerBg', label: 'flicker score, background', get: (m) => m.flickerBg },
  { key: 'motionSmoothness', label: 'motion smoothness', get: (m) => m.motionSmoothness },
  { key: 'dynamicDegree', label: 'dynamic degree', get: (m) => m.dynamicDegree },
  { key: 'frozenRate', label: 'frozen clips (fraction)', get: (m) => b(m.frozen) },
  { key: 'subjectConsistency', label: 'subject consistency', get: (m) => m.subjectConsistency },
  { key: 'backgroundConsistency', label: 'background consistency', get: (m) => m.backgroundConsistency },
  { key: 'bgDrift', label: 'background colour drift (RGB)', get: (m) => m.bgDrift },
  { key: 'bgDriftRate', label: 'drifting background (fraction)', get: (m) => b(m.bgDrifting) },
] as const satisfies readonly ReportedMetric[];

export type ReportedMetricKey = (typeof REPORTED_METRICS)[number]['key'];

export interface MetricRow {
  label: string;
  value: Interval;
  floor: Interval | null;
}

export interface ScenarioRow {
  clips: number;
  validity: number;
  violationRate: number;
  scenarioMatch: number;
}

/** The report; each reported metric's key holds the mean over the generated clips. */
export interface EvalReport extends Record<ReportedMetricKey, number> {
  clips: number;
  referenceClips: number;
  /** Every metric with its 95% bootstrap interval and the floor (true clips) beside it. */
  metrics: Record<string, MetricRow>;
  /** Set metrics against the fresh true clips; setFloor: one half of the true clips against the other half. */
  set: SetMetrics | null;
  setFloor: SetMetrics | null;
  constants: { lawResidualFloorPx: number; violationLimitPx: number; trajectoryFloorPx: number };
  invalidReasons: Record<string, number>;
  violationReasons: Record<string, number>;
  /** Clips whose scenario match failed, by the part that failed (colours, gravity, events). */
  mismatchReasons: Record<string, number>;
  byScenario: Record<string, ScenarioRow>;
  perClip: ClipMetrics[];
}

export interface ReportOptions {
  resamples?: number;
  seed?: number;
}

/** How many clips give each reason, in name order (a clip may give several). */
export function countReasons(list: readonly (readonly string[])[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of list) for (const r of l) out[r] = (out[r] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [c]) => a.localeCompare(c)));
}

/** Which parts of the scenario match a clip failed: colours, gravity, events. */
export function mismatchReasons(m: ClipMetrics): string[] {
  return (['colours', 'gravity', 'events'] as const).filter((k) => !m.scenarioDetail[k]);
}

export function buildReport(
  generated: readonly ClipMetrics[],
  reference: readonly ClipMetrics[],
  set: SetMetrics | null,
  setFloor: SetMetrics | null,
  opts: ReportOptions = {},
): EvalReport {
  const metrics: Record<string, MetricRow> = {};
  const means = {} as Record<ReportedMetricKey, number>;
  for (const [i, m] of REPORTED_METRICS.entries()) {
    const seed = (opts.seed ?? 0xb007) + i;
    const value = bootstrapMean(generated.map(m.get), { resamples: opts.resamples, seed });
    const floor = reference.length ? bootstrapMean(reference.map(m.get), { resamples: opts.resamples, seed }) : null;
    metrics[m.key] = { label: m.label, value, floor };
    means[m.key] = value.mean;
  }
  const byScenario: Record<string, ScenarioRow> = {};
  for (const name of [...new Set(generated.map((m) => m.scenario))]) {
    const sub = generated.filter((m) => m.scenario === name);
    const rate = (f: (m: ClipMetrics) => boolean): number => sub.filter(f).length / sub.length;
    byScenario[name] = { clips: sub.length, validity: rate((m) => m.valid), violationRate: rate((m) => m.violation), scenarioMatch: rate((m) => m.scenarioMatch) };
  }
  return {
    clips: generated.length,
    referenceClips: reference.length,
    ...means,
    metrics,
    set,
    setFloor,
    constants: { lawResidualFloorPx: LAW_RESIDUAL_FLOOR_PX, violationLimitPx: LAW_RESIDUAL_LIMIT_PX, trajectoryFloorPx: TRAJECTORY_FLOOR_PX },
    invalidReasons: countReasons(generated.map((m) => m.invalidReasons)),
    violationReasons: countReasons(generated.map((m) => m.violationReasons)),
    mismatchReasons: countReasons(generated.map(mismatchReasons)),
    byScenario,
    perClip: [...generated],
  };
}

/** Rows of cells as aligned plain-text lines, the first row a header underlined with dashes. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const lines = rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines;
}

/** Plain-text table of a report. */
export function formatReport(r: EvalReport): string {
  const rows: string[][] = [['metric', `generated (n=${r.clips})`, `true-clip floor (n=${r.referenceClips})`]];
  for (const m of REPORTED_METRICS) {
    const row = r.metrics[m.key];
    rows.push([row.label, formatInterval(row.value), formatInterval(row.floor)]);
  }
  if (r.set) {
    const f = r.setFloor;
    rows.push(['Fréchet distance, trajectories (px²)', formatNumber(r.set.frechet), f ? formatNumber(f.frechet) : '—']);
    rows.push(['k-NN precision (k=5)', formatNumber(r.set.precision), f ? formatNumber(f.precision) : '—']);
    rows.push(['k-NN recall (k=5)', formatNumber(r.set.recall), f ? formatNumber(f.recall) : '—']);
    rows.push(['bounce-count histogram TV distance', formatNumber(r.set.bounceHistogramTV), f ? formatNumber(f.bounceHistogramTV) : '—']);
  }
  const lines = formatTable(rows);
  const reasons = (o: Record<string, number>): string => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  lines.push('');
  lines.push(`invalid: ${reasons(r.invalidReasons)}; violations: ${reasons(r.violationReasons)}; scenario mismatches: ${reasons(r.mismatchReasons)}`);
  lines.push(`violation limit: law residual > ${formatNumber(r.constants.violationLimitPx)} px (3 × floor ${formatNumber(r.constants.lawResidualFloorPx)} px); values are means with bootstrap 95% intervals`);
  const scenarios = Object.entries(r.byScenario);
  if (scenarios.length > 1) {
    const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;
    lines.push('');
    lines.push(...formatTable([['scenario', 'clips', 'valid', 'violation', 'scenario match'], ...scenarios.map(([name, s]) => [name, String(s.clips), pct(s.validity), pct(s.violationRate), pct(s.scenarioMatch)])]));
  }
  return lines.join('\n');
}
