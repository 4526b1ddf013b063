import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';

/**
 * Reads the small files a workspace's packages are described by (tsconfigs, next.config,
 * nest-cli.json), each once per run however many packages ask, with absent files answered
 * from their directory's listing instead of a failed open.
 *
 * Synchronous on purpose, as hashFiles: a 1,000-package workspace asks for about ten files a
 * package, most of them absent, and one thread reading in turn is several times faster than
 * a promise per file through the libuv pool (and a thrown ENOENT per absent file).
 */
export interface FileReader {
  /** The names in a directory; undefined when it cannot be read. */
  list(dir: string): ReadonlySet<string> | undefined;
  /** A file's text; undefined when it is absent or unreadable. */
  text(file: string): string | undefined;
  /**
   * A JSON-with-comments file (tsconfig, nest-cli.json) as an object; undefined when it is
   * absent, invalid or not an object. The value is shared between callers: read it, never
   * change it.
   */
  jsonc(file: string): Readonly<Record<string, unknown>> | undefined;
  /** Whether a file or directory is there (as fs.access). */
  exists(file: string): boolean;
}

export function createFileReader(): FileReader {
  const listings = new Map<string, ReadonlySet<string> | undefined>();
  const texts = new Map<string, string | undefined>();
  const objects = new Map<string, Readonly<Record<string, unknown>> | undefined>();
  const existing = new Map<string, boolean>();

  const list = (dir: string) => {
    const key = path.resolve(dir);
    if (listings.has(key)) return listings.get(key);
    let names: ReadonlySet<string> | undefined;
    try {
      names = new Set(readdirSync(key));
    } catch {
      names = undefined;
    }
    listings.set(key, names);
    return names;
  };

  /**
   * False only when the file's directory was listed without it. A name that differs only in
   * case is asked of the file system: on a case-insensitive one (macOS, Windows) it is there.
   */
  const mayExist = (file: string) => {
    const names = list(path.dirname(file));
    if (names === undefined) return true;
    const name = path.basename(file);
    if (names.has(name)) return true;
    const lower = name.toLowerCase();
    for (const candidate of names) if (candidate.toLowerCase() === lower) return true;
    return false;
  };

  const text = (file: string) => {
    const key = path.resolve(file);
    if (texts.has(key)) return texts.get(key);
    let content: string | undefined;
    if (mayExist(key)) {
      try {
        content = readFileSync(key, 'utf8');
      } catch {
        content = undefined;
      }
    }
    texts.set(key, content);
    return content;
  };

  return {
    list,
    text,
    jsonc(file) {
      const key = path.resolve(file);
      if (objects.has(key)) return objects.get(key);
      const content = text(key);
      let value: unknown;
      if (content !== undefined) {
        // Most tsconfigs are plain JSON, which JSON.parse reads many times faster; JSON5 (a
        // superset of JSON: the same value for any text JSON.parse accepts) reads the rest.
        try {
          value = JSON.parse(content);
        } catch {
          try {
            value = JSON5.parse(content);
          } catch {
            value = undefined;
          }
        }
      }
      const object =
        typeof value === 'object' && value !== null
          ? (value as Record<string, unknown>)
          : undefined;
      objects.set(key, object);
      return object;
    },
    exists(file) {
      const key = path.resolve(file);
      let found = existing.get(key);
      if (found === undefined) {
        // A listed name may still be a dangling symlink, which fs.access calls absent.
        found = mayExist(key) && existsSync(key);
        existing.set(key, found);
      }
      return found;
    },
  };
}
