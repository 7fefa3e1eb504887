/** Base class of the errors selfrefine raises on purpose; the CLI prints their message without a stack trace. */
export class SelfRefineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The caller's input is wrong (options, files, plans); the message says what and how to fix it. */
export class UsageError extends SelfRefineError {}

/** A model produced something unusable (NaN/Inf velocity, wrong output size). */
export class ModelOutputError extends SelfRefineError {}

/** The caller stopped the work (a cancelled job, a stopping server); not a problem with the input. */
export class CancelledError extends SelfRefineError {}

/** A program selfrefine runs (ffmpeg) failed; the message carries its own. */
export class ToolError extends SelfRefineError {}
