import { readFileSync } from 'node:fs';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { withoutBom } from './without-bom.js';

export interface FoundPackage {
  /** The package's directory, absolute. */
  rootDir: string;
  manifest: Record<string, unknown>;
}

/**
 * The workspace's packages as pnpm's `findPackages` (@pnpm/fs.find-packages, what pnpm itself
 * uses) finds them: the same globs (each pattern + `/package.{json,yaml,json5}`, the root
 * always included), the same glob library and options, the same order and the same manifests.
 *
 * Faster for the common case only: when every manifest is a `package.json` that is valid JSON
 * and declares no runtime in `engines`/`devEngines`, they are read here, synchronously (one
 * thread reading 1,000 small files in turn beats a promise each through the libuv pool several
 * times, and pnpm's reader costs 60 ms to load). Any other manifest (package.yaml,
 * package.json5, invalid JSON, a runtime pnpm turns into a dependency) hands the whole search
 * to pnpm's findPackages, loaded only then, so that the values and errors are pnpm's.
 */
export async function findWorkspacePackages(
  root: string,
  options: { patterns: readonly string[]; ignore: string[] },
): Promise<FoundPackage[]> {
  const globOptions = { cwd: root, expandDirectories: false, ignore: options.ignore };
  const manifestsOf = (patterns: readonly string[]) =>
    patterns.map((pattern) => pattern.replace(/\/?$/, '/package.{json,yaml,json5}'));
  const paths = [
    ...(await glob(manifestsOf(options.patterns), globOptions)),
    ...(await glob(manifestsOf(['.']), globOptions)),
  ];
  const manifestPaths = [...new Set(paths.map((file) => path.join(root, file)))].sort((a, b) =>
    compareCodeUnits(path.dirname(a), path.dirname(b)),
  );
  const found: FoundPackage[] = [];
  for (const manifestPath of manifestPaths) {
    const manifest = readPlainManifest(manifestPath);
    if (manifest === undefined) return findWithPnpm(root, options);
    if (manifest !== null) found.push({ rootDir: path.dirname(manifestPath), manifest });
  }
  return found;
}

/** `a > b ? 1 : a < b ? -1 : 0`, the order pnpm sorts the found directories in. */
function compareCodeUnits(a: string, b: string): number {
  return a > b ? 1 : a < b ? -1 : 0;
}

/**
 * A package.json that JSON.parse reads to an object without a declared runtime; undefined
 * for every other case (pnpm's reader decides those), null when the file is gone.
 */
function readPlainManifest(manifestPath: string): Record<string, unknown> | null | undefined {
  if (path.basename(manifestPath).toLowerCase() !== 'package.json') return undefined;
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (error) {
    // Removed since the glob ran: pnpm skips it too.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(withoutBom(text));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const manifest = value as Record<string, unknown>;
  const runtimeOf = (field: string) =>
    (manifest[field] as { runtime?: unknown } | null | undefined)?.runtime;
  if (runtimeOf('engines') != null || runtimeOf('devEngines') != null) return undefined;
  return manifest;
}

async function findWithPnpm(
  root: string,
  options: { patterns: readonly string[]; ignore: string[] },
): Promise<FoundPackage[]> {
  const { findPackages } = await import('@pnpm/fs.find-packages');
  const projects = await findPackages(root, {
    patterns: [...options.patterns],
    includeRoot: true,
    ignore: options.ignore,
  });
  return projects.map((project) => ({
    rootDir: project.rootDir,
    manifest: project.manifest as Record<string, unknown>,
  }));
}
