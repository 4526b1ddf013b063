import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readWorkspaceManifest } from '@pnpm/workspace.read-manifest';
import { findWorkspacePackages } from './find-workspace-packages.js';
import {
  readPackageFacts,
  readSharedDockerfiles,
  sharedDockerfileFacts,
} from './read-package-facts.js';
import { readBuildHints } from './read-build-hints.js';
import {
  BuildImagesError,
  dependencyFields,
  unmatchedPatterns,
  type PackageName,
  type Workspace,
  type WorkspacePackage,
  type WorkspaceWarning,
} from '@build-images/core';
import { dockerfileInputs, readBuildInputs } from './read-build-inputs.js';
import { createFileReader } from './create-file-reader.js';

/**
 * pnpm's own ignores when it finds the workspace packages (@pnpm/workspace.find-packages):
 * find-packages' default would also skip every `test/` and `tests/` directory, which pnpm
 * does not.
 */
const pnpmIgnore = ['**/node_modules/**', '**/bower_components/**'];

/** Root files an install reads, copied into every install stage when present. */
/** The settings that decide which dependencies' install scripts pnpm runs. */
const buildSettingKeys = [
  'onlyBuiltDependencies',
  'neverBuiltDependencies',
  'allowBuilds',
  'dangerouslyAllowAllBuilds',
];

const installRootFiles = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc'];

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads pnpm-workspace.yaml and every package manifest of the workspace at `root`, with
 * pnpm's own libraries: the same globs, ignores and manifest formats pnpm uses.
 */
/** Folder paths the generated Dockerfile can name as they are. */
const safeDir = /^[\w.@+,=~-]+(?:\/[\w.@+,=~-]+)*$/;
/** npm package names, as the registry accepts them (upper case too, for old packages). */
const safeName = /^(?:@[\w.~-]+\/)?[\w.~-]+$/;

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
  // A file of only comments, `null`, `~` or `---` parses to null: as empty as no text at all.
  if (manifest === undefined || manifest === null) {
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
    projects = await findWorkspacePackages(root, { patterns, ignore: pnpmIgnore });
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
  const warnings: WorkspaceWarning[] = [];
  const packages: WorkspacePackage[] = [];
  const manifests = new Map<string, Record<string, unknown>>();
  const projectDirs: string[] = [];
  for (const project of projects) {
    const dir = path.relative(root, project.rootDir).split(path.sep).join('/') || '.';
    const manifestPath = dir === '.' ? 'package.json' : `${dir}/package.json`;
    const raw = project.manifest as Record<string, unknown>;
    projectDirs.push(dir);
    // The generated Dockerfile names folders in COPY lines and packages in shell commands:
    // a name or folder that would split there, or run something, is refused.
    if (dir === '..' || dir.startsWith('../')) {
      problems.push(
        `pnpm-workspace.yaml: the package at ${dir} is outside the workspace root, which no build context can hold: move it inside, or remove its glob`,
      );
      continue;
    }
    if (dir !== '.' && !safeDir.test(dir)) {
      problems.push(
        `${manifestPath}: the folder ${JSON.stringify(dir)} has characters (a space, a quote, $, a newline, a glob character) that the Dockerfile's COPY lines and shell commands would split or run: rename the folder`,
      );
      continue;
    }
    if (typeof raw['name'] === 'string' && raw['name'] !== '' && !safeName.test(raw['name'])) {
      problems.push(
        `${manifestPath}: the name ${JSON.stringify(raw['name'])} is no valid npm package name (letters, digits, - . _ ~ and an @scope/ prefix), and the Dockerfile's commands name it: rename the package`,
      );
      continue;
    }
    if (raw['name'] !== undefined && typeof raw['name'] !== 'string') {
      problems.push(`${manifestPath}: "name" must be a string, got ${JSON.stringify(raw['name'])}`);
      continue;
    }
    if (typeof raw['name'] !== 'string' || raw['name'] === '') {
      // pnpm installs a nameless package, but nothing can depend on it. The root manifest
      // often has no name: that is no news.
      if (dir !== '.')
        warnings.push({
          kind: 'nameless-package',
          file: manifestPath,
          package: undefined,
          message: `${manifestPath} has no "name": pnpm installs it, but no package can depend on it and it is not an app`,
        });
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
    manifests.set(dir, raw);
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
      private: raw['private'] === true,
      publishable: raw['files'] !== undefined || raw['publishConfig'] !== undefined,
      exports: raw['exports'],
      bin: raw['bin'],
      ...enginesNode(raw['engines']),
    });
  }
  // pnpm accepts a root named like one of its packages (dokploy: both "dokploy"), but its
  // filters by name then select both: the root leaves the package list, as a nameless root
  // would, and the generated commands select that package by its folder.
  const rootPackage = packages.find((pkg) => pkg.dir === '.');
  const rootNamesake =
    rootPackage !== undefined &&
    packages.some((pkg) => pkg !== rootPackage && pkg.name === rootPackage.name)
      ? rootPackage.name
      : undefined;
  if (rootNamesake !== undefined) packages.splice(packages.indexOf(rootPackage!), 1);
  // One reader for every package: a root tsconfig they all extend is read and parsed once.
  const reader = createFileReader();
  const read = packages.map((pkg) => {
    const dir = path.join(root, pkg.dir);
    const raw = manifests.get(pkg.dir)!;
    return [
      readPackageFacts(dir, raw, reader),
      readBuildHints(dir, raw, reader),
      readBuildInputs(root, pkg, projectDirs, reader),
    ] as const;
  });
  // Dockerfiles outside the packages (a root one with a stage per app): read once.
  const shared = readSharedDockerfiles(root, reader);
  packages.forEach((pkg, index) => {
    const [facts, buildHints, inputs] = read[index]!;
    // A package with no Dockerfile of its own takes the port and build environment of the
    // shared one that names it.
    if (pkg.dir !== '.' && facts.dockerfiles.length === 0 && shared.length > 0)
      Object.assign(facts, sharedDockerfileFacts(pkg, shared));
    pkg.facts = facts;
    pkg.buildHints = buildHints;
    pkg.buildInputs = inputs.files;
    warnings.push(...inputs.warnings);
    const copied = dockerfileInputs(root, pkg.dir, facts.dockerfileCopies, projectDirs, reader);
    if (copied.length > 0) pkg.dockerfileInputs = copied;
  });
  for (const pattern of unmatchedPatterns(projectDirs, patterns)) {
    warnings.push({
      kind: 'glob-matches-nothing',
      file: 'pnpm-workspace.yaml',
      package: undefined,
      message: `pnpm-workspace.yaml: the glob "${pattern}" matches no package (pnpm accepts that; remove it if it is stale)`,
    });
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
  const hoisting = await hoistingSetting(root, manifest as unknown as Record<string, unknown>);
  if (hoisting !== undefined)
    warnings.push({
      kind: 'hoisted-dependencies',
      file: hoisting.file,
      package: undefined,
      message: `${hoisting.file}: ${hoisting.setting} lets a package import what only another package declares (karakeep's sdk builds with vite-tsconfig-paths that it does not list); each image installs only its app's packages, where such an import fails: declare it in the package that imports it`,
    });
  const link = (manifest as { linkWorkspacePackages?: unknown }).linkWorkspacePackages;
  return {
    root,
    packages,
    ...(rootNamesake !== undefined && { rootNamesake }),
    rootFiles,
    linkWorkspacePackages:
      link === true || link === 'deep' || (link === undefined && (await npmrcLinks(root))),
    buildSettings: Object.fromEntries(
      Object.entries(manifest as unknown as Record<string, unknown>).filter(([key]) =>
        buildSettingKeys.includes(key),
      ),
    ),
    problems,
    warnings,
  };
}

/**
 * `link-workspace-packages` from the root .npmrc, where pnpm 9 keeps its settings (pnpm 10
 * still reads it; pnpm-workspace.yaml wins).
 */
async function npmrcLinks(root: string): Promise<boolean> {
  const text = await readFile(path.join(root, '.npmrc'), 'utf8').catch(() => '');
  const value = /^\s*link-workspace-packages\s*=\s*(\S+)\s*$/m.exec(text)?.[1];
  return value === 'true' || value === 'deep';
}

/**
 * A pnpm setting that hoists every dependency where all packages can import it
 * (`nodeLinker: hoisted`, `shamefully-hoist`), from pnpm-workspace.yaml or the root .npmrc.
 */
async function hoistingSetting(
  root: string,
  manifest: Record<string, unknown>,
): Promise<{ file: string; setting: string } | undefined> {
  if (manifest['nodeLinker'] === 'hoisted')
    return { file: 'pnpm-workspace.yaml', setting: 'nodeLinker: hoisted' };
  if (manifest['shamefullyHoist'] === true)
    return { file: 'pnpm-workspace.yaml', setting: 'shamefullyHoist: true' };
  const text = await readFile(path.join(root, '.npmrc'), 'utf8').catch(() => '');
  if (/^\s*node-linker\s*=\s*hoisted\s*$/m.test(text))
    return { file: '.npmrc', setting: 'node-linker=hoisted' };
  if (/^\s*shamefully-hoist\s*=\s*true\s*$/m.test(text))
    return { file: '.npmrc', setting: 'shamefully-hoist=true' };
  return undefined;
}

function enginesNode(engines: unknown): { enginesNode?: string } {
  const node =
    typeof engines === 'object' && engines !== null
      ? (engines as Record<string, unknown>)['node']
      : undefined;
  return typeof node === 'string' ? { enginesNode: node } : {};
}
