/**
 * Paired comparison of two evaluated sets of the same clips (same scenario, seed and given frames at each index):
 * per clip, set A − set B, as a mean with a bootstrap 95 % interval; for the pass/fail metrics also how many clips
 * turned from fail to pass and back. This is how two models or two samplers are compared on the same seeds.
 */
import { UsageError } from '../errors.js';
import type { ClipInfo } from '../world/dataset/schema.js';
import type { ClipMetrics } from './clip.js';
import { formatInterval } from './format.js';
import { formatTable, REPORTED_METRICS } from './report.js';
import { bootstrapMean, type Interval } from './stats.js';

/** Metrics compared pair by pair; `flag` marks the 0/1 ones that also get gained/lost counts. */
const PAIRED_METRICS: readonly { key: string; flag?: (m: ClipMetrics) => boolean }[] = [
  { key: 'validity', flag: (m) => m.valid },
  { key: 'scenarioMatch', flag: (m) => m.scenarioMatch },
  { key: 'violationRate', flag: (m) => m.violation },
  { key: 'lawResidualPx' },
  { key: 'gravityError' },
  { key: 'trajectoryErrorPx' },
  { key: 'subjectConsistency' },
  { key: 'dynamicDegree' },
  { key: 'frozenRate', flag: (m) => m.frozen },
];

export interface PairedRow {
  key: string;
  label: string;
  /** Mean over clips of A − B (clips where either value is not finite are left out), with its interval. */
  delta: Interval;
  /** Pass/fail metrics: clips false in B and true in A, and the reverse. */
  gained?: number;
  lost?: number;
}

export interface PairedComparison {
  clips: number;
  rows: PairedRow[];
}

function describeClip(c: ClipInfo): string {
  return `${c.scenario}${c.seed === undefined ? '' : ` seed ${c.seed}`}${c.givenFrames > 0 ? ` (${c.givenFrames} given frames)` : ''}`;
}

/** Throws a UsageError naming the first clip where the two sets differ in what was asked for. */
export function checkSameClips(a: readonly ClipInfo[], b: readonly ClipInfo[]): void {
  if (a.length !== b.length) throw new UsageError(`the two sets have ${a.length} and ${b.length} clips; a paired comparison needs the same clips (generate both with the same --count and --seed)`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.scenario !== y.scenario || x.seed !== y.seed || x.givenFrames !== y.givenFrames) {
      throw new UsageError(`clip ${i} differs between the two sets (${describeClip(x)} against ${describeClip(y)}); a paired comparison needs the same clips in the same order`);
    }
  }
}

export function comparePaired(a: readonly ClipMetrics[], b: readonly ClipMetrics[], opts: { resamples?: number } = {}): PairedComparison {
  if (a.length !== b.length) throw new UsageError(`cannot pair ${a.length} clips with ${b.length}`);
  const rows = PAIRED_METRICS.map(({ key, flag }): PairedRow => {
    const metric = REPORTED_METRICS.find((m) => m.key === key);
    if (metric === undefined) throw new Error(`unknown metric ${key}`);
    const deltas = a.map((m, i) => metric.get(m) - metric.get(b[i]));
    const row: PairedRow = { key, label: metric.label, delta: bootstrapMean(deltas, { resamples: opts.resamples }) };
    if (flag !== undefined) {
      row.gained = a.filter((m, i) => flag(m) && !flag(b[i])).length;
      row.lost = a.filter((m, i) => !flag(m) && flag(b[i])).length;
    }
    return row;
  });
  return { clips: a.length, rows };
}

export function formatComparison(c: PairedComparison, names: { a: string; b: string }): string {
  const rows: string[][] = [['metric', `${names.a} − ${names.b} (paired, n=${c.clips})`, 'turned true / false']];
  for (const r of c.rows) rows.push([r.label, formatInterval(r.delta), r.gained === undefined ? '' : `${r.gained} / ${r.lost}`]);
  const lines = formatTable(rows);
  lines.push('per clip, the first set minus the second on the same seed and condition; bootstrap 95% intervals over clips');
  return lines.join('\n');
}
