import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import dockerignore from '@balena/dockerignore';
import { pack, type Pack } from 'tar-stream';

/** What one app's build reads: a few named files and whole package directories. */
export interface BuildContextSpec {
  /** Absolute path of the workspace root; every other path is relative to it. */
  root: string;
  /** Files always sent, even when .dockerignore lists them (the Dockerfile, root manifests). */
  files: readonly string[];
  /** Directories sent recursively, minus what .dockerignore excludes. */
  dirs: readonly string[];
}

export interface PackedContext {
  stream: Readable;
  /** Resolves when the whole context was written: the files and bytes sent. */
  done: Promise<{ files: number; bytes: number }>;
}

/** Never worth sending, whatever .dockerignore says: installed dependencies and VCS data. */
const alwaysSkipped = new Set(['node_modules', '.git']);

type IgnoreFactory = (options?: { ignorecase?: boolean }) => { add(patterns: string[]): unknown; ignores(path: string): boolean };
// The package is CommonJS with an ESM-style `export default` in its typings.
const createIgnore = ((dockerignore as unknown as { default?: IgnoreFactory }).default ?? dockerignore) as unknown as IgnoreFactory;

/** Reads `<root>/.dockerignore` into a predicate on root-relative POSIX paths. */
export async function readDockerignore(root: string): Promise<(relativePath: string) => boolean> {
  let text: string;
  try {
    text = await readFile(path.join(root, '.dockerignore'), 'utf8');
  } catch {
    return () => false;
  }
  const matcher = createIgnore({ ignorecase: false });
  matcher.add(text.split(/\r?\n/));
  return (relativePath) => matcher.ignores(relativePath);
}

/**
 * Streams a tar of exactly the files a build needs: the context is written as the engine
 * reads it, never held whole in memory. Entries are sorted and owned by root with a fixed
 * mtime, so the same files always give the same archive.
 */
export function packBuildContext(spec: BuildContextSpec, ignores: (relativePath: string) => boolean): PackedContext {
  const tar = pack();
  let bytes = 0;
  const output = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  tar.pipe(output);
  // A consumer that goes away (a failed or cancelled build) stops the packing too.
  const finished = new Promise<void>((resolve, reject) => {
    output.once('end', resolve);
    output.once('close', () => {
      tar.destroy();
      reject(new Error('the build context stream was closed before it was read whole'));
    });
  });
  finished.catch(() => undefined);

  const done = (async () => {
    let files = 0;
    const seen = new Set<string>();
    const add = async (relativePath: string): Promise<void> => {
      if (seen.has(relativePath)) return;
      seen.add(relativePath);
      files += await addEntry(tar, spec.root, relativePath);
    };
    for (const file of [...spec.files].sort()) await add(file);
    for (const dir of [...spec.dirs].sort()) {
      for (const file of await walk(spec.root, dir, ignores)) await add(file);
    }
    tar.finalize();
    await finished;
    return { files, bytes };
  })();
  done.catch((error: unknown) => {
    if (!output.destroyed) output.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return { stream: output, done };
}

async function walk(root: string, dir: string, ignores: (relativePath: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  const visit = async (relativeDir: string): Promise<void> => {
    const entries = await readdir(path.join(root, relativeDir), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (alwaysSkipped.has(entry.name)) continue;
      const relativePath = relativeDir === '.' ? entry.name : `${relativeDir}/${entry.name}`;
      if (ignores(relativePath)) continue;
      if (entry.isDirectory()) await visit(relativePath);
      else found.push(relativePath);
    }
  };
  await visit(dir);
  return found;
}

const fixedMtime = new Date(0);

async function addEntry(tar: Pack, root: string, relativePath: string): Promise<number> {
  const absolute = path.join(root, relativePath);
  const stat = await lstat(absolute);
  const header = { name: relativePath, mode: stat.mode & 0o7777, mtime: fixedMtime, uid: 0, gid: 0 };
  if (stat.isSymbolicLink()) {
    tar.entry({ ...header, type: 'symlink', linkname: await readlink(absolute) });
    return 1;
  }
  if (!stat.isFile()) return 0;
  const entry = tar.entry({ ...header, type: 'file', size: stat.size });
  await pipeline(createReadStream(absolute), entry);
  return 1;
}
