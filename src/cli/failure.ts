// How the CLI ends on an error: one line on stderr, never a stack trace. Exit 2 when the command was wrong (the user
// fixes the input), 1 when the work failed or was stopped (a tool or runtime failure, a cancelled run, a bug).
import { CommanderError } from 'commander';
import { SelfRefineError, UsageError } from '../errors.js';

export interface Failure {
  /** The line to print on stderr, or null when the message is already out (commander prints its own). */
  readonly line: string | null;
  readonly exitCode: number;
}

export function failureOf(err: unknown): Failure {
  if (err instanceof CommanderError) return { line: null, exitCode: err.exitCode === 0 ? 0 : 2 };
  if (err instanceof SelfRefineError) return { line: `selfrefine: error: ${err.message}`, exitCode: err instanceof UsageError ? 2 : 1 };
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { line: `selfrefine: internal error: ${message.split('\n')[0]}`, exitCode: 1 };
}
