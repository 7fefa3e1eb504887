// Reads the import specifiers out of TypeScript source text and lists the sources under src/, for the tests that
// check which modules may import which (test/platform/).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SRC = join(ROOT, 'src');

/** One import of a source file: its specifier and whether TypeScript erases it (`import type`, `export type`). */
export interface ImportSpecifier {
  readonly specifier: string;
  readonly typeOnly: boolean;
}

/**
 * Every module a source file names: static imports and re-exports (type-only ones flagged) and `import(...)`
 * expressions. An `import(...)` is never flagged type-only, even as `typeof import('./x.js')`: erring strict.
 */
export function importSpecifiers(source: string): ImportSpecifier[] {
  const found: ImportSpecifier[] = [];
  const statement = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(statement)) found.push({ specifier: m[2], typeOnly: m[1] !== undefined });
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ specifier: m[1], typeOnly: false });
  return found;
}

/** The `.ts` files under `dir`, recursively. */
export function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}
