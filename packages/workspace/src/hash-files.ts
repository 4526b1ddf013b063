import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { HashedFile } from '@build-images/core';

/**
 * Hashes files for inputs digests: content (a symlink: its target) and the executable bit,
 * the two things of a file a COPY carries into an image besides its path. `cache` lets
 * apps that share workspace packages hash each file once.
 *
 * Synchronous on purpose: for thousands of small source files one thread reading them in
 * turn is several times faster than a promise per file through the libuv pool.
 */
export function hashFiles(
  root: string,
  files: readonly string[],
  cache = new Map<string, HashedFile>(),
): HashedFile[] {
  return files.map((file) => {
    let hashed = cache.get(file);
    if (hashed === undefined) {
      const absolute = path.join(root, file);
      const stat = lstatSync(absolute);
      const content = stat.isSymbolicLink()
        ? Buffer.from(`symlink:${readlinkSync(absolute)}`)
        : readFileSync(absolute);
      hashed = {
        path: file,
        hash: createHash('sha256').update(content).digest('hex'),
        executable: (stat.mode & 0o111) !== 0,
      };
      cache.set(file, hashed);
    }
    return hashed;
  });
}
