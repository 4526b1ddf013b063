import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LockfileObject } from '@pnpm/lockfile.fs';
import { BuildImagesError } from '@build-images/core';

export interface LockfileSlicer {
  /**
   * The workspace lockfile cut down to the root importer and `importerIds` (package
   * directories) and the packages they resolve to, as pnpm writes it. Installing from it
   * with --frozen-lockfile gives exactly what the full lockfile gives those importers, and
   * another app's dependency change leaves it byte-identical.
   */
  slice(importerIds: readonly string[]): Promise<string>;
}

/**
 * Slices with pnpm's own lockfile libraries, of the major line matching the pnpm that
 * installs (10): a newer line rewrites settings pnpm 10 then rejects as a config mismatch.
 */
export async function createLockfileSlicer(root: string): Promise<LockfileSlicer> {
  // Loaded on first use: planning never needs them, and they take a while to load.
  const { readWantedLockfile, writeWantedLockfile } = await import('@pnpm/lockfile.fs');
  const { pruneSharedLockfile } = await import('@pnpm/lockfile.pruner');
  let lockfile: LockfileObject | null;
  try {
    lockfile = await readWantedLockfile(root, { ignoreIncompatible: false });
  } catch (error) {
    throw new BuildImagesError('LOCKFILE_INVALID', `${path.join(root, 'pnpm-lock.yaml')} cannot be read: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'Regenerate it with pnpm install (pnpm 9 or 10).',
      cause: error,
    });
  }
  if (lockfile === null) {
    throw new BuildImagesError('LOCKFILE_INVALID', `${path.join(root, 'pnpm-lock.yaml')} does not exist`, {
      hint: 'Run pnpm install at the workspace root and commit pnpm-lock.yaml: images install with --frozen-lockfile.',
    });
  }
  const full = lockfile;
  return {
    async slice(importerIds) {
      const keep = new Set(['.', ...importerIds]);
      for (const id of importerIds) {
        if (!(id in full.importers)) {
          throw new BuildImagesError('LOCKFILE_INVALID', `pnpm-lock.yaml has no importer "${id}"`, {
            hint: 'The lockfile is out of date with the workspace: run pnpm install and commit pnpm-lock.yaml.',
          });
        }
      }
      // pruneSharedLockfile mutates what it is given.
      const copy = structuredClone(full);
      for (const id of Object.keys(copy.importers)) {
        if (!keep.has(id)) delete copy.importers[id as keyof typeof copy.importers];
      }
      const pruned = pruneSharedLockfile(copy);
      // The library writes files only (into an existing directory); read the text back.
      const dir = await mkdtemp(path.join(tmpdir(), 'build-images-slice-'));
      try {
        await writeWantedLockfile(dir, pruned);
        return await readFile(path.join(dir, 'pnpm-lock.yaml'), 'utf8');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
