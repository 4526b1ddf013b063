import { statSync } from 'node:fs';
import path from 'node:path';
import {
  calledScripts,
  codegenScripts,
  insideAny,
  type WorkspacePackage,
  type WorkspaceWarning,
} from '@build-images/core';
import { createFileReader, type FileReader } from './create-file-reader.js';
import { sensitiveFile } from './list-context-files.js';

export interface BuildInputs {
  /** Root-relative POSIX paths of files outside the package (root tsconfigs, files its configs import), sorted. */
  files: string[];
  warnings: WorkspaceWarning[];
}

/** The package directories as a set (the root left out), built once per list. */
const dirSets = new WeakMap<readonly string[], Set<string>>();
function packageDirSet(packageDirs: readonly string[]): Set<string> {
  let set = dirSets.get(packageDirs);
  if (set === undefined)
    dirSets.set(packageDirs, (set = new Set(packageDirs.filter((dir) => dir !== '.'))));
  return set;
}

/** The `extends` entries of a tsconfig (a string or, since TypeScript 5.0, a list). */
function extendsOf(config: unknown): string[] {
  const value = (config as { extends?: unknown } | null)?.extends;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

/** The paths of a tsconfig's project `references`. */
function referencesOf(config: unknown): string[] {
  const value = (config as { references?: unknown } | null)?.references;
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const reference = (item as { path?: unknown } | null)?.path;
    return typeof reference === 'string' && reference !== '' ? [reference] : [];
  });
}

/** A tsconfig's own `compilerOptions.baseUrl` and the targets of its `paths`. */
function compilerOptionsOf(config: unknown): { baseUrl: string | undefined; paths: string[] } {
  const options = (config as { compilerOptions?: unknown } | null)?.compilerOptions;
  if (typeof options !== 'object' || options === null) return { baseUrl: undefined, paths: [] };
  const { baseUrl, paths } = options as { baseUrl?: unknown; paths?: unknown };
  const targets =
    typeof paths === 'object' && paths !== null
      ? Object.values(paths).flatMap((list: unknown) =>
          Array.isArray(list)
            ? list.filter((item): item is string => typeof item === 'string' && item !== '')
            : [],
        )
      : [];
  return { baseUrl: typeof baseUrl === 'string' ? baseUrl : undefined, paths: targets };
}

/**
 * The files outside every workspace package that a package's build reads: the root
 * tsconfigs its tsconfig.json (and every tsconfig a script names) extends or references,
 * followed from file to file as TypeScript does, and the files its build-tool configs
 * (tsup.config.ts, vite.config.mjs, …) import by relative path. An `extends` naming a package
 * (`@acme/tsconfig/base.json`, `@tsconfig/node22`) is skipped: a workspace package is in the
 * graph, any other comes with the install. tsconfigs are JSON with comments and trailing
 * commas, which JSON5 reads. The folders their `paths` map to outside every package are
 * inputs too (a folder of shared sources with no package.json).
 */
export function readBuildInputs(
  root: string,
  pkg: Pick<WorkspacePackage, 'dir' | 'name' | 'manifestPath' | 'scripts'>,
  packageDirs: readonly string[],
  reader: FileReader = createFileReader(),
): BuildInputs {
  const files = new Set<string>();
  const warnings: WorkspaceWarning[] = [];
  if (pkg.dir === '.') return { files: [], warnings };
  const dirs = packageDirSet(packageDirs);
  const inPackage = (relative: string) => dirs.has(relative) || insideAny(relative, dirs);
  // Each visited tsconfig's base for `paths`: its own baseUrl, else the one it inherits.
  const bases = new Map<string, string | undefined>();
  const visit = (file: string): string | undefined => {
    if (bases.has(file)) return bases.get(file);
    bases.set(file, undefined);
    // A missing or unreadable tsconfig: the build reports it better than we can.
    const config = reader.jsonc(file);
    if (config === undefined) return undefined;
    let inherited: string | undefined;
    for (const spec of extendsOf(config)) {
      if (!spec.startsWith('.') && !path.isAbsolute(spec)) continue;
      let target = path.resolve(path.dirname(file), spec);
      // TypeScript tries the path as written, then with .json added.
      if (!target.endsWith('.json') && !reader.exists(target)) target += '.json';
      const relative = path.relative(root, target).split(path.sep).join('/');
      if (relative.startsWith('../') || path.isAbsolute(relative)) {
        warnings.push({
          kind: 'build-input-outside-workspace',
          file: path.relative(root, file).split(path.sep).join('/'),
          package: pkg.name,
          message: `${path.relative(root, file).split(path.sep).join('/')} extends ${spec}, which is outside the workspace: a build in an image cannot read it`,
        });
        continue;
      }
      if (!inPackage(relative) && reader.exists(target)) files.add(relative);
      // The last config extended wins, as its settings override the earlier ones'.
      inherited = visit(target) ?? inherited;
    }
    const { baseUrl, paths } = compilerOptionsOf(config);
    const base = baseUrl === undefined ? inherited : path.resolve(path.dirname(file), baseUrl);
    bases.set(file, base);
    // `paths` targets outside every package (postiz's `@gitroom/helpers/*` →
    // `libraries/helpers/src/*`, folders with no package.json): the compile reads them.
    for (const target of paths) {
      const resolved = path.resolve(base ?? path.dirname(file), target.replace(/[*?{[].*$/, ''));
      const relative = path.relative(root, resolved).split(path.sep).join('/');
      if (relative === '' || relative.startsWith('../') || path.isAbsolute(relative)) continue;
      if (inPackage(relative) || [...dirs].some((dir) => dir.startsWith(`${relative}/`))) continue;
      const input = inputEntry(root, relative, notInputs, reader);
      if (input !== undefined) files.add(input);
    }
    // Project references (`tsc --build`): each referenced config, or a folder's tsconfig.json,
    // with its own extends (atproto's ws-client: tsconfig.build-node.json extends the root's
    // tsconfig/node.tsconfig.json).
    for (const reference of referencesOf(config)) {
      const target = path.resolve(path.dirname(file), reference);
      visit(target.endsWith('.json') ? target : path.join(target, 'tsconfig.json'));
    }
    return base;
  };
  // tsconfig.json, and every other tsconfig a script names (`tsc -p tsconfig.build.json`).
  const configs = new Set(['tsconfig.json']);
  for (const script of Object.values(pkg.scripts))
    if (typeof script === 'string')
      for (const match of script.matchAll(/(?:^|[\s='"])(?:\.\/)?(tsconfig[\w.-]*\.json)\b/g))
        configs.add(match[1]!);
  for (const config of configs) visit(path.join(root, pkg.dir, config));
  // A config may import one of another package (`export { default } from
  // '../theme-docs/postcss.config.mjs'`): that file is an input even outside the closure.
  for (const file of configImports(root, pkg.dir, reader)) files.add(file);
  // Its build scripts may read a folder beside it (atproto's `lex build --lexicons
  // ../../lexicons`, bsky's `buf generate ../bsync/proto`).
  for (const input of scriptInputs(root, pkg, reader)) files.add(input);
  return { files: [...files].sort(), warnings };
}

/** Files an install stage writes itself, or that may hold secrets: never a build input. */
const notInputs = new Set(['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc']);

/**
 * The scripts a build runs: `build` with its pre and post scripts, the code generation the
 * images run before it, and every script those run in turn.
 */
export function buildScriptsOf(scripts: Record<string, string>): string[] {
  return calledScripts(scripts, ['prebuild', 'build', 'postbuild', ...codegenScripts]);
}

/**
 * Paths outside the package that its build scripts name (`../../lexicons/com/atproto/*`, up to
 * the first glob character), that exist in the workspace: a file as itself, a folder with a
 * trailing slash (`lexicons/`). The workspace root itself, installed dependencies, the files
 * an install stage writes and files that may hold secrets (a `.env` read by `dotenv -e`) are
 * never inputs.
 */
function scriptInputs(
  root: string,
  pkg: Pick<WorkspacePackage, 'dir' | 'scripts'>,
  reader: FileReader,
): string[] {
  const packageDir = path.join(root, pkg.dir);
  const found = new Set<string>();
  for (const name of buildScriptsOf(pkg.scripts)) {
    const text = pkg.scripts[name]!;
    for (const match of text.matchAll(/(?:^|[\s'"=:,(])((?:\.\.\/)+[^\s'"*?{}[\]$;&|<>()`]*)/g)) {
      const target = path.resolve(packageDir, match[1]!);
      const relative = path.relative(root, target).split(path.sep).join('/');
      if (target === packageDir || target.startsWith(`${packageDir}${path.sep}`)) continue;
      const input = inputEntry(root, relative, notInputs, reader);
      if (input !== undefined) found.add(input);
    }
  }
  return [...found];
}

/**
 * A root-relative path as a build input: the file itself, a folder with a trailing slash
 * (`lexicons/`); undefined for the root, a path outside it, installed dependencies and VCS
 * data, one of `never`, a file that may hold secrets, or a path that does not exist.
 */
function inputEntry(
  root: string,
  relative: string,
  never: ReadonlySet<string>,
  reader: FileReader,
): string | undefined {
  const clean = relative.replace(/\/+$/, '');
  if (
    clean === '' ||
    clean.startsWith('..') ||
    path.posix.isAbsolute(clean) ||
    clean.split('/').some((part) => part === 'node_modules' || part === '.git') ||
    never.has(clean) ||
    sensitiveFile(clean)
  )
    return undefined;
  const target = path.join(root, clean);
  if (!reader.exists(target)) return undefined;
  try {
    return statSync(target).isDirectory() ? `${clean}/` : clean;
  } catch {
    return undefined;
  }
}

/** Build-tool configs at a package's root: tsup, tsdown, vite, rollup, esbuild, webpack, babel, postcss, tailwind… */
const buildConfigFile = /^[\w.-]*\.config\.(?:[cm]?[jt]s)$|^\.babelrc\.(?:[cm]?js)$/;
const relativeImport =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.\.?\/[^'"]+)['"]/gm;
const sourceExtensions = ['', '.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'];

/**
 * The root-relative files that a package's build-tool configs import by relative path from
 * outside the package (`import { defaultOptions } from '../tsup.common'`), and the files those
 * import in turn (a `scripts/entrypoints.js` that re-exports `./entrypoints.ts`), resolved as
 * Node and bundlers do (extensions tried, then an index file). Read as text, never run.
 */
function configImports(root: string, dir: string, reader: FileReader): string[] {
  const packageDir = path.join(root, dir);
  const names = [...(reader.list(packageDir) ?? [])];
  const found = new Set<string>();
  const queue = names
    .filter((entry) => buildConfigFile.test(entry))
    .map((name) => path.join(packageDir, name));
  const seen = new Set(queue);
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const text = reader.text(file) ?? '';
    for (const match of text.matchAll(relativeImport)) {
      const base = path.resolve(path.dirname(file), match[1]!);
      if (
        !base.startsWith(`${path.resolve(root)}${path.sep}`) ||
        base.startsWith(`${packageDir}${path.sep}`)
      )
        continue;
      // TypeScript's own rule too: `./shared.config.js` names `shared.config.ts` (logto).
      const typescript = /\.(m|c)?js$/.exec(base);
      const candidates = [
        ...sourceExtensions.map((extension) => `${base}${extension}`),
        ...(typescript ? [`${base.slice(0, -typescript[0].length)}.${typescript[1] ?? ''}ts`] : []),
        ...sourceExtensions.slice(1).map((extension) => path.join(base, `index${extension}`)),
      ];
      for (const candidate of candidates) {
        if (!isFile(candidate, reader)) continue;
        found.add(path.relative(root, candidate).split(path.sep).join('/'));
        // Its own imports too, once each (JSON has none).
        if (!seen.has(candidate) && !candidate.endsWith('.json')) {
          seen.add(candidate);
          queue.push(candidate);
        }
        break;
      }
    }
  }
  return [...found];
}

function isFile(file: string, reader: FileReader): boolean {
  if (!reader.exists(file)) return false;
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Root files the install stages write or that say which Node or tool to use: never copied as inputs. */
const workspaceFiles = new Set([
  ...notInputs,
  '.nvmrc',
  '.node-version',
  '.tool-versions',
  'turbo.json',
  '.dockerignore',
]);

/**
 * The files and folders outside the workspace packages that a package's own Dockerfile copies
 * for its build (atproto's services/pds/Dockerfile: `COPY ./lexicons ./lexicons`, `COPY
 * ./packages/bsync/proto ./packages/bsync/proto`), root-relative, folders with a trailing
 * slash; only when that Dockerfile is built from the workspace root, which its copying the
 * lockfile, the workspace file or the package's own folder by its path says. Workspace
 * packages and the folders holding them come with the closure, the root files the install
 * stages write are never inputs, nor are files that may hold secrets; sources that do not
 * exist are left out.
 */
export function dockerfileInputs(
  root: string,
  dir: string,
  copies: { sources: readonly string[] } | undefined,
  packageDirs: readonly string[],
  reader: FileReader = createFileReader(),
): string[] {
  if (copies === undefined || dir === '.') return [];
  const fromRoot = copies.sources.some(
    (source) =>
      source === 'pnpm-lock.yaml' ||
      source === 'pnpm-workspace.yaml' ||
      source === dir ||
      source.startsWith(`${dir}/`),
  );
  if (!fromRoot) return [];
  const dirs = packageDirSet(packageDirs);
  const found = new Set<string>();
  for (const source of copies.sources) {
    const relative = path.posix.normalize(source);
    if (
      relative === dir ||
      relative.startsWith(`${dir}/`) ||
      dirs.has(relative) ||
      [...dirs].some((pkg) => pkg.startsWith(`${relative}/`))
    )
      continue;
    const input = inputEntry(root, relative, workspaceFiles, reader);
    if (input !== undefined) found.add(input);
  }
  return [...found].sort();
}
