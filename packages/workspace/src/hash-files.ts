import { createHash } from 'node:crypto';
import { lstat, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { HashedFile } from '@build-images/core';

const parallelReads = 32;

/**
 * Hashes files for inputs digests: content (a symlink: its target) and the executable bit,
 * the two things of a file a COPY carries into an image besides its path. `cache` lets
 * apps that share workspace packages hash each file once.
 */
export async function hashFiles(root: string, files: readonly string[], cache = new Map<string, Promise<HashedFile>>()): Promise<HashedFile[]> {
  const hashOne = async (file: string): Promise<HashedFile> => {
    const absolute = path.join(root, file);
    const stat = await lstat(absolute);
    const content = stat.isSymbolicLink() ? Buffer.from(`symlink:${await readlink(absolute)}`) : await readFile(absolute);
    return { path: file, hash: createHash('sha256').update(content).digest('hex'), executable: (stat.mode & 0o111) !== 0 };
  };
  const results: HashedFile[] = [];
  for (let start = 0; start < files.length; start += parallelReads) {
    const batch = files.slice(start, start + parallelReads).map((file) => {
      let pending = cache.get(file);
      if (!pending) {
        pending = hashOne(file);
        cache.set(file, pending);
      }
      return pending;
    });
    results.push(...(await Promise.all(batch)));
  }
  return results;
}
