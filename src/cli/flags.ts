// The one parser of numeric command-line flags: text → number with a one-line UsageError naming the flag, what it
// must be, and what was given. Every command in cli/ parses its numbers here.
import { UsageError } from '../errors.js';

/** `text` as a number ('inf' and 'infinity' give Infinity); `check` narrows what is accepted, `requirement` says what. */
export function parseNumber(text: string, flag: string, check?: (n: number) => boolean, requirement = ''): number {
  const t = text.trim().toLowerCase();
  const n = t === 'inf' || t === 'infinity' ? Infinity : Number(t);
  if (t === '' || Number.isNaN(n) || (check !== undefined && !check(n))) {
    throw new UsageError(`${flag} must be ${requirement || 'a number'}, got '${text}'`);
  }
  return n;
}

/** An integer in [min, max] (no upper bound by default). */
export function parseInteger(text: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const requirement = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
  return parseNumber(text, flag, (n) => Number.isInteger(n) && n >= min && n <= max, requirement);
}

/** parseInteger for a flag that may be absent (undefined stays undefined). */
export function parseOptionalInteger(text: string | undefined, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  return text === undefined ? undefined : parseInteger(text, flag, min, max);
}
