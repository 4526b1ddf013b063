import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LockfileObject } from '@pnpm/lockfile.fs';
import { BuildImagesError } from '@build-images/core';

export interface LockfileSlice {
  /** The sliced pnpm-lock.yaml. */
  lockfile: string;
  /** The root package.json to install with, matching the slice's root importer. */
  rootManifest: string;
}

export interface LockfileSlicer {
  /**
   * The workspace lockfile cut down to the root importer and `importerIds` (package
   * directories) and the packages they resolve to, as pnpm writes it. Installing from it
   * with --frozen-lockfile gives exactly what the full lockfile gives those importers, and
   * another app's dependency change leaves it byte-identical.
   */
  slice(importerIds: readonly string[]): Promise<LockfileSlice>;
}

const rootDependencyFields = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;

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
    throw new BuildImagesError(
      'LOCKFILE_INVALID',
      `${path.join(root, 'pnpm-lock.yaml')} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: 'Regenerate it with pnpm install (pnpm 9 or 10).',
        cause: error,
      },
    );
  }
  if (lockfile === null) {
    throw new BuildImagesError(
      'LOCKFILE_INVALID',
      `${path.join(root, 'pnpm-lock.yaml')} does not exist`,
      {
        hint: 'Run pnpm install at the workspace root and commit pnpm-lock.yaml: images install with --frozen-lockfile.',
      },
    );
  }
  const full = lockfile;
  const rootManifestText = await readFile(path.join(root, 'package.json'), 'utf8');
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
      // Root dependencies on local paths (a tarball, a linked folder) are not in the build
      // context: they leave the slice and the root manifest the image installs with.
      const rootImporter = copy.importers['.' as keyof typeof copy.importers] as
        | (Record<string, Record<string, string> | undefined> & {
            specifiers?: Record<string, string>;
          })
        | undefined;
      const dropped = new Set<string>();
      for (const field of rootDependencyFields) {
        for (const [name, version] of Object.entries(rootImporter?.[field] ?? {})) {
          if (!/^(?:file|link):/.test(version)) continue;
          dropped.add(name);
          delete rootImporter![field]![name];
          if (rootImporter?.specifiers) delete rootImporter.specifiers[name];
        }
      }
      const manifest = JSON.parse(rootManifestText) as Record<string, unknown>;
      for (const field of rootDependencyFields) {
        const deps = manifest[field] as Record<string, string> | undefined;
        for (const name of dropped) if (deps) delete deps[name];
      }
      const pruned = pruneSharedLockfile(copy);
      // The library writes files only (into an existing directory); read the text back.
      const dir = await mkdtemp(path.join(tmpdir(), 'build-images-slice-'));
      try {
        await writeWantedLockfile(dir, pruned);
        return {
          lockfile: await readFile(path.join(dir, 'pnpm-lock.yaml'), 'utf8'),
          rootManifest:
            dropped.size === 0 ? rootManifestText : `${JSON.stringify(manifest, null, 2)}\n`,
        };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
