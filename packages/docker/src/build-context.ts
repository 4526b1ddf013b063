import { createReadStream } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack, type Pack } from 'tar-stream';

/** What one app's build reads: exactly these files, relative to the workspace root. */
export interface BuildContextSpec {
  root: string;
  files: readonly string[];
  /** Files made for the build, written into the archive from memory. */
  generated?: readonly { path: string; content: string }[];
}

export interface PackedContext {
  stream: Readable;
  /** Resolves when the whole context was written: the files and bytes sent. */
  done: Promise<{ files: number; bytes: number }>;
}

/**
 * Streams a tar of exactly the files a build needs: the context is written as the engine
 * reads it, never held whole in memory. Entries are sorted and owned by root with a fixed
 * mtime, so the same files always give the same archive.
 */
export function packBuildContext(spec: BuildContextSpec): PackedContext {
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
    for (const file of spec.generated ?? []) {
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      const content = Buffer.from(file.content);
      await new Promise<void>((resolve, reject) => {
        tar.entry(
          { name: file.path, mode: 0o644, mtime: fixedMtime, uid: 0, gid: 0, size: content.length },
          content,
          (error) => (error ? reject(error) : resolve()),
        );
      });
      files++;
    }
    tar.finalize();
    await finished;
    return { files, bytes };
  })();
  done.catch((error: unknown) => {
    if (!output.destroyed)
      output.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return { stream: output, done };
}

const fixedMtime = new Date(0);

async function addEntry(tar: Pack, root: string, relativePath: string): Promise<number> {
  const absolute = path.join(root, relativePath);
  const stat = await lstat(absolute);
  const header = {
    name: relativePath,
    mode: stat.mode & 0o7777,
    mtime: fixedMtime,
    uid: 0,
    gid: 0,
  };
  if (stat.isSymbolicLink()) {
    tar.entry({ ...header, type: 'symlink', linkname: await readlink(absolute) });
    return 1;
  }
  if (!stat.isFile()) return 0;
  const entry = tar.entry({ ...header, type: 'file', size: stat.size });
  await pipeline(createReadStream(absolute), entry);
  return 1;
}
