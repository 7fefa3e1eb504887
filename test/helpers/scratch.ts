// A temporary directory for one test file (or one test), removed when it finishes, pass or fail.
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Creates `$TMPDIR/sr-<prefix>-XXXXXX` and registers its removal with the enclosing suite or test. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sr-${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
