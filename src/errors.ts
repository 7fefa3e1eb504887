/** Base class of the errors selfrefine raises on purpose; the CLI prints their message on one line, never a stack trace. */
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

/** The work was stopped (a cancelled job, a stopping server, a model closed under it); not a problem with the input. */
export class CancelledError extends SelfRefineError {}

/**
 * Something selfrefine drives failed at run time: a program (ffmpeg), the ONNX runtime (an inference error, a worker
 * that died), a service (Redis unreachable) or the network (the browser app's fetch). Not the caller's input; the
 * message carries the tool's own.
 */
export class ToolError extends SelfRefineError {}
