import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parseLockfileYaml } from '@build-images/core';

/**
 * Bumped whenever what parseLockfileYaml returns for a text could change (another YAML
 * parser, another schema): entries of an older format are then never read.
 */
const cacheFormat = 'lockfile-document-1';
/** The entries kept: a few branches' lockfiles, each about the size of its YAML. */
const keptEntries = 16;

/**
 * Where parsed lockfiles are cached: the user's cache directory ($XDG_CACHE_HOME, else
 * ~/.cache), never the workspace.
 */
export function lockfileCacheDir(env: NodeJS.ProcessEnv): string {
  const base = env['XDG_CACHE_HOME'] || path.join(env['HOME'] || homedir(), '.cache');
  return path.join(base, 'build-images', 'lockfiles');
}

interface CacheEntry {
  format: string;
  key: string;
  document: unknown;
}

/**
 * The parsed YAML of a `pnpm-lock.yaml` text (see parseLockfileYaml), from a cache keyed by the
 * text's sha256 when an earlier run parsed the same text, else parsed and stored: on a 20,000-
 * line lockfile JSON.parse of the cached value takes a fraction of the YAML parse.
 *
 * The cache never decides anything: a missing, unreadable, corrupted or foreign entry is a
 * miss; an entry is written to a temporary file and renamed into place, so concurrent runs
 * see a whole entry or none; a failed write (a read-only home) costs nothing but the speed.
 * Undefined when the text is no valid YAML: planning parses it again and reports why.
 */
export function readLockfileDocument(text: string, cacheDir: string): unknown {
  const key = createHash('sha256').update(`${cacheFormat}\0${text}`).digest('hex');
  const file = path.join(cacheDir, `${key}.json`);
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheEntry> | null;
    if (entry?.format === cacheFormat && entry.key === key && entry.document !== undefined)
      return entry.document;
  } catch {
    // No entry, or one that cannot be read: parse the text.
  }
  let document: unknown;
  try {
    document = parseLockfileYaml(text, 'pnpm-lock.yaml');
  } catch {
    return undefined;
  }
  if (survivesJson(document)) writeEntry(cacheDir, file, { format: cacheFormat, key, document });
  return document;
}

/**
 * Whether JSON.stringify and JSON.parse give the same value back: plain objects, arrays,
 * strings, finite numbers, booleans and null. A lockfile holds nothing else, but YAML can
 * (a date, .inf, a `__proto__` key): such a document is used, never cached.
 */
function survivesJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(survivesJson);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || !survivesJson((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function writeEntry(cacheDir: string, file: string, entry: CacheEntry): void {
  try {
    mkdirSync(cacheDir, { recursive: true });
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(temporary, JSON.stringify(entry));
    renameSync(temporary, file);
    pruneEntries(cacheDir);
  } catch {
    // A cache that cannot be written is only slower.
  }
}

/** Removes all but the newest entries (and temporary files a killed run left behind). */
function pruneEntries(cacheDir: string): void {
  const entries = readdirSync(cacheDir)
    .map((name) => {
      const stats = statSync(path.join(cacheDir, name), { throwIfNoEntry: false });
      return { name, modified: stats?.mtimeMs ?? 0 };
    })
    .sort((a, b) => b.modified - a.modified);
  // A temporary file may be another run's write in progress: removed only when old.
  const stale = Date.now() - 60 * 60_000;
  for (const { name, modified } of entries)
    if (name.endsWith('.tmp') && modified < stale)
      rmSync(path.join(cacheDir, name), { force: true });
  for (const { name } of entries.filter((entry) => entry.name.endsWith('.json')).slice(keptEntries))
    rmSync(path.join(cacheDir, name), { force: true });
}
