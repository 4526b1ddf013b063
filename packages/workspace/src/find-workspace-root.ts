import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { BuildImagesError } from '@build-images/core';

/** How deep below the start directory a workspace is looked for when none is above it. */
const searchDepth = 3;

/**
 * Walks up from `start` to the directory that holds pnpm-workspace.yaml. When there is none
 * above, looks a few levels down (a repository whose workspace sits in `js/`) and says where
 * it is and how to run there, without guessing.
 */
export async function findWorkspaceRoot(start: string): Promise<string> {
  let dir = path.resolve(start);
  for (;;) {
    try {
      await access(path.join(dir, 'pnpm-workspace.yaml'));
      return dir;
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  const from = path.resolve(start);
  const below = await findWorkspacesBelow(from, searchDepth);
  const message = `No pnpm-workspace.yaml in ${from} or any directory above it`;
  if (below.length === 1) {
    throw new BuildImagesError('WORKSPACE_NOT_FOUND', `${message}; there is one in ${below[0]}/`, {
      hint: `Run build-images there: build-images --cwd ${below[0]} … (or cd ${below[0]}).`,
    });
  }
  if (below.length > 1) {
    throw new BuildImagesError(
      'WORKSPACE_NOT_FOUND',
      `${message}; there are ${below.length} below it: ${below.map((dir) => `${dir}/`).join(', ')}`,
      { hint: `Choose one with --cwd, e.g. build-images --cwd ${below[0]} ….` },
    );
  }
  throw new BuildImagesError('WORKSPACE_NOT_FOUND', message, {
    hint: 'Run build-images inside a pnpm workspace, or pass --cwd <dir> pointing at one.',
  });
}

/**
 * Directories below `root` (relative, POSIX, sorted) that hold a pnpm-workspace.yaml, at most
 * `depth` levels down; node_modules and hidden directories are skipped, and so is the inside
 * of a workspace found (its packages are not workspaces of their own).
 */
async function findWorkspacesBelow(root: string, depth: number): Promise<string[]> {
  const found: string[] = [];
  // A bound on the directories read, so that a start at / or $HOME stays quick.
  let budget = 2000;
  const visit = async (relative: string, level: number): Promise<void> => {
    if (--budget < 0) return;
    let entries;
    try {
      entries = await readdir(path.join(root, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name.startsWith('.'))
        continue;
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      try {
        await access(path.join(root, child, 'pnpm-workspace.yaml'));
        found.push(child);
        continue;
      } catch {
        // Not a workspace: look further down.
      }
      if (level < depth) await visit(child, level + 1);
    }
  };
  await visit('', 1);
  return found;
}
