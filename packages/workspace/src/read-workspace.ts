import { access } from 'node:fs/promises';
import path from 'node:path';
import { findPackages } from '@pnpm/fs.find-packages';
import { readWorkspaceManifest } from '@pnpm/workspace.read-manifest';
import { readBuildHints } from './read-build-hints.js';
import {
  BuildImagesError,
  dependencyFields,
  matchDirPattern,
  type PackageName,
  type Workspace,
  type WorkspacePackage,
} from '@build-images/core';

/** Root files an install reads, copied into every install stage when present. */
const installRootFiles = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc'];

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads pnpm-workspace.yaml and every package manifest of the workspace at `root`, with
 * pnpm's own libraries: the same globs, ignores and manifest formats pnpm uses.
 */
export async function readWorkspace(root: string): Promise<Workspace> {
  const workspaceFile = path.join(root, 'pnpm-workspace.yaml');
  let manifest;
  try {
    manifest = await readWorkspaceManifest(root);
  } catch (error) {
    throw new BuildImagesError(
      'WORKSPACE_INVALID',
      `${workspaceFile} is not valid: ${message(error)}`,
      {
        hint: 'It must be YAML with a "packages" list of globs, e.g. packages: ["apps/*", "packages/*"].',
        cause: error,
      },
    );
  }
  if (manifest === undefined) {
    throw new BuildImagesError('WORKSPACE_INVALID', `${workspaceFile} is empty`, {
      hint: 'List the workspace packages in it, e.g. packages: ["apps/*", "packages/*"].',
    });
  }
  const patterns = manifest.packages ?? [];
  if (patterns.length === 0) {
    throw new BuildImagesError('WORKSPACE_INVALID', `${workspaceFile} has no "packages" globs`, {
      hint: 'List the workspace packages in it, e.g. packages: ["apps/*", "packages/*"].',
    });
  }

  let projects;
  try {
    projects = await findPackages(root, { patterns, includeRoot: true });
  } catch (error) {
    throw new BuildImagesError(
      'MANIFEST_INVALID',
      `A package manifest of the workspace could not be read: ${message(error)}`,
      {
        hint: 'Fix the JSON of the package.json named above.',
        cause: error,
      },
    );
  }

  const problems: string[] = [];
  const packages: WorkspacePackage[] = [];
  for (const project of projects) {
    const dir = path.relative(root, project.rootDir).split(path.sep).join('/') || '.';
    const manifestPath = dir === '.' ? 'package.json' : `${dir}/package.json`;
    const raw = project.manifest as Record<string, unknown>;
    if (typeof raw['name'] !== 'string' || raw['name'] === '') {
      // The root manifest often has no name; it is part of the workspace but never an app.
      if (dir !== '.')
        problems.push(`${manifestPath} has no "name"; every workspace package needs one`);
      continue;
    }
    const dependencies: WorkspacePackage['dependencies'] = {};
    for (const field of dependencyFields) {
      const value = raw[field];
      if (value === undefined) continue;
      if (
        typeof value !== 'object' ||
        value === null ||
        Array.isArray(value) ||
        !Object.values(value).every((spec) => typeof spec === 'string')
      ) {
        problems.push(`${manifestPath}: "${field}" must map package names to version strings`);
        continue;
      }
      dependencies[field] = value as Record<string, string>;
    }
    packages.push({
      name: raw['name'] as PackageName,
      version: typeof raw['version'] === 'string' ? raw['version'] : undefined,
      dir,
      manifestPath,
      dependencies,
      main: typeof raw['main'] === 'string' ? raw['main'] : undefined,
      scripts: (typeof raw['scripts'] === 'object' && raw['scripts'] !== null
        ? raw['scripts']
        : {}) as Record<string, string>,
      buildImages: raw['buildImages'],
      buildHints: await readBuildHints(project.rootDir, raw),
    });
  }
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) continue;
    if (!packages.some((pkg) => matchDirPattern(pkg.dir, pattern))) {
      problems.push(
        `pnpm-workspace.yaml: the glob "${pattern}" matches no package (remove it, or add a package.json there)`,
      );
    }
  }

  const rootFiles: string[] = [];
  for (const file of installRootFiles) {
    try {
      await access(path.join(root, file));
      rootFiles.push(file);
    } catch {
      // Absent files are simply not copied.
    }
  }
  packages.sort((a, b) => a.dir.localeCompare(b.dir));
  // Patch files the install applies (pnpm 10 keeps the list in pnpm-workspace.yaml, older
  // workspaces in the root manifest's "pnpm" field): every install stage needs them.
  const rootManifest = projects.find(
    (project) => path.resolve(project.rootDir) === path.resolve(root),
  )?.manifest as { pnpm?: { patchedDependencies?: unknown } } | undefined;
  const patchLists = [
    (manifest as { patchedDependencies?: unknown }).patchedDependencies,
    rootManifest?.pnpm?.patchedDependencies,
  ];
  for (const list of patchLists) {
    if (typeof list !== 'object' || list === null) continue;
    for (const [selector, file] of Object.entries(list)) {
      const relative =
        typeof file === 'string' ? path.posix.normalize(file.replace(/^\.\//, '')) : '';
      if (relative === '' || relative.startsWith('../') || path.isAbsolute(relative)) {
        problems.push(
          `pnpm-workspace.yaml: patchedDependencies["${selector}"] must be a path inside the workspace, got ${JSON.stringify(file)}`,
        );
        continue;
      }
      try {
        await access(path.join(root, relative));
        if (!rootFiles.includes(relative)) rootFiles.push(relative);
      } catch {
        problems.push(
          `patchedDependencies["${selector}"]: the patch file ${relative} does not exist (run pnpm patch-commit again, or remove the entry)`,
        );
      }
    }
  }
  const link = (manifest as { linkWorkspacePackages?: unknown }).linkWorkspacePackages;
  return {
    root,
    packages,
    rootFiles,
    linkWorkspacePackages: link === true || link === 'deep',
    problems,
  };
}
