// Progress bars on stderr (cli-progress) for the commands that run for a while: sampling runs (NFE, time per NFE,
// step, ETA) and the benchmark (NFE and jobs over parallel lanes). They live in io/ because both the CLI and the
// benchmark drive them and neither sits below the other; silent when stderr is not a terminal.
import cliProgress from 'cli-progress';
import type { StepReport } from '../core/sample.js';

type Payload = Readonly<Record<string, string | number>>;

export interface BarOptions {
  /** cli-progress format: {bar}, {percentage}, {value}, {total}, {duration_formatted}, {eta_formatted}, payload keys. */
  readonly format: string;
  readonly total: number;
  /** The value the bar starts at (work already done, e.g. cached jobs). */
  readonly start?: number;
  readonly payload?: Payload;
  /** How many recent updates the ETA averages over: more for work whose pace varies (jobs of different sizes). */
  readonly etaBuffer: number;
  /** Redraws per second at most. */
  readonly fps?: number;
  /** Where the bar is drawn; by default stderr, only when it is a terminal. A given stream is always drawn on. */
  readonly stream?: NodeJS.WritableStream;
}

export interface TerminalBar {
  update(value: number, payload?: Payload): void;
  stop(): void;
}

/** A started single-line bar. */
export function terminalBar(o: BarOptions): TerminalBar {
  const bar = new cliProgress.SingleBar(
    {
      format: o.format,
      stream: o.stream ?? process.stderr,
      noTTYOutput: o.stream !== undefined,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: o.etaBuffer,
      ...(o.fps !== undefined ? { fps: o.fps } : {}),
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(o.total, o.start ?? 0, o.payload ?? {});
  return {
    update: (value, payload) => bar.update(value, payload ?? {}),
    stop: () => bar.stop(),
  };
}

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

export function samplingProgress(
  totalNfe: number,
  label: string,
  enabled = process.stderr.isTTY === true,
  stream?: NodeJS.WritableStream,
): SamplingProgress {
  if (!enabled) return { observe() {}, show() {}, finish() {} };
  const bar = terminalBar({
    format: `${label} {bar} {percentage}% | NFE {value}/{total} | {perNfe}/NFE | step {step} | ETA {eta_formatted}`,
    total: totalNfe,
    payload: { step: '-', perNfe: '-' },
    etaBuffer: 20,
    stream,
  });
  const start = performance.now();
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
