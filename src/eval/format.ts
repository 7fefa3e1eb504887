// How reports write numbers and intervals: the evaluation report, the benchmark's results.md and the CLI summaries
// all print a value as "mean [lo, hi]" the same way, so figures can be compared across them.
import type { Interval } from './stats.js';

/** A number for a report: `digits` decimals (one from 100 up), exponent form below 1e-3 and from 1e5, '—' if not finite. */
export function formatNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toFixed(a >= 100 ? 1 : digits);
}

export interface IntervalFormat {
  /** A rate in [0, 1]: written in percent with one decimal ("95.0 %"), a difference in percentage points ("pp"). */
  readonly percent?: boolean;
  /** A difference: a leading '+' on positive values, and ' *' when the interval excludes 0. */
  readonly signed?: boolean;
  /** Write the bounds "[lo, hi]" after the mean (default true); they are left out when not finite either way. */
  readonly bounds?: boolean;
}

/** "mean [lo, hi]" of a bootstrap interval, or '—' when there is none (no samples, no finite mean). */
export function formatInterval(i: Interval | null | undefined, format: IntervalFormat = {}): string {
  if (i === null || i === undefined || i.n === 0 || !Number.isFinite(i.mean)) return '—';
  const { percent = false, signed = false, bounds = true } = format;
  const value = (v: number): string => {
    const s = percent ? (100 * v).toFixed(1) : formatNumber(v);
    return signed && v > 0 ? `+${s}` : s;
  };
  const unit = percent ? (signed ? ' pp' : ' %') : '';
  const hasBounds = bounds && Number.isFinite(i.lo) && Number.isFinite(i.hi);
  const range = hasBounds ? ` [${value(i.lo)}, ${value(i.hi)}]` : '';
  const mark = signed && hasBounds && (i.lo > 0 || i.hi < 0) ? ' *' : '';
  return `${value(i.mean)}${unit}${range}${mark}`;
}
