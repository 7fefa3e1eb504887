// A progress bar with NFE, time per NFE and ETA for sampling runs (stderr; silent when stderr is not a terminal).
import cliProgress from 'cli-progress';
import type { StepReport } from '../core/sample.js';

export interface SamplingProgress {
  /** Observer to pass to the sampler; `offsetNfe` shifts counts when several samples share one bar. */
  observe(report: StepReport, offsetNfe?: number): void;
  /** Show `nfe` spent in all (for work that reports totals, e.g. jobs running elsewhere); `step` labels it. */
  show(nfe: number, step: string): void;
  finish(): void;
}

/** "1.23 s" or "85 ms" per NFE. */
export function formatPerNfe(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function samplingProgress(totalNfe: number, label: string, enabled = process.stderr.isTTY === true): SamplingProgress {
  if (!enabled) return { observe() {}, show() {}, finish() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} {bar} {percentage}% | NFE {value}/{total} | {perNfe}/NFE | step {step} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const start = performance.now();
  bar.start(totalNfe, 0, { step: '-', perNfe: '-' });
  return {
    observe(report, offsetNfe = 0) {
      const done = offsetNfe + report.nfe;
      const perNfe = done > 0 ? formatPerNfe((performance.now() - start) / done) : '-';
      bar.update(Math.min(totalNfe, done), { step: `${report.step + 1}/${report.totalSteps}`, perNfe });
    },
    show(nfe, step) {
      bar.update(Math.min(totalNfe, nfe), { step });
    },
    finish() {
      bar.update(totalNfe);
      bar.stop();
    },
  };
}
