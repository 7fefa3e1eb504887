// selfrefine's on-disk cache: the directory, file digests memoised by size and modification time (a text encoder
// can be gigabytes; hashing it on every run would cost seconds), and float arrays stored as .npy under a key.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { readNpyFloat32, writeNpy } from './npy.js';

/** The environment variable that moves the cache (the `--cache-dir` option wins over it). */
export const CACHE_DIR_ENV = 'SELFREFINE_CACHE_DIR';

/** $SELFREFINE_CACHE_DIR, else $XDG_CACHE_HOME/selfrefine, else ~/.cache/selfrefine. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env[CACHE_DIR_ENV];
  if (own !== undefined && own !== '') return resolve(own);
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? resolve(xdg) : join(homedir(), '.cache'), 'selfrefine');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The sha256 of a file, read from `<cacheDir>/file-sha256/` when the file's size and modification time are those
 * recorded with it; computed (streaming) and recorded otherwise.
 */
export async function fileSha256(path: string, cacheDir: string): Promise<string> {
  const abs = resolve(path);
  const st = statSync(abs);
  const memo = join(cacheDir, 'file-sha256', `${sha256Hex(abs)}.json`);
  if (existsSync(memo)) {
    try {
      const m = JSON.parse(readFileSync(memo, 'utf8')) as { size?: unknown; mtimeMs?: unknown; sha256?: unknown };
      if (m.size === st.size && m.mtimeMs === st.mtimeMs && typeof m.sha256 === 'string') return m.sha256;
    } catch {
      // A damaged record is recomputed below.
    }
  }
  const sha256 = await hashFile(abs);
  writeFileAtomic(memo, JSON.stringify({ path: abs, size: st.size, mtimeMs: st.mtimeMs, sha256 }));
  return sha256;
}

/** Float arrays kept as `<dir>/<key>.npy`; a file that cannot be read counts as absent. */
export class NpyCache {
  constructor(readonly dir: string) {}

  path(key: string): string {
    return join(this.dir, `${key}.npy`);
  }

  read(key: string): { shape: number[]; data: Float32Array } | undefined {
    const path = this.path(key);
    if (!existsSync(path)) return undefined;
    try {
      return readNpyFloat32(path);
    } catch {
      return undefined;
    }
  }

  write(key: string, data: Float32Array, shape: readonly number[]): void {
    writeNpy(this.path(key), data, shape);
  }
}
