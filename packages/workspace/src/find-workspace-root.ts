import { access } from 'node:fs/promises';
import path from 'node:path';
import { BuildImagesError } from '@build-images/core';

/** Walks up from `start` to the directory that holds pnpm-workspace.yaml. */
export async function findWorkspaceRoot(start: string): Promise<string> {
  let dir = path.resolve(start);
  for (;;) {
    try {
      await access(path.join(dir, 'pnpm-workspace.yaml'));
      return dir;
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) {
        throw new BuildImagesError(
          'WORKSPACE_NOT_FOUND',
          `No pnpm-workspace.yaml in ${path.resolve(start)} or any directory above it`,
          {
            hint: 'Run build-images inside a pnpm workspace, or pass --cwd <dir> pointing at one.',
          },
        );
      }
      dir = parent;
    }
  }
}
