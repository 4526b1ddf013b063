import { dependencyClosure, type WorkspaceGraph } from './create-workspace-graph.js';
import type { PackageName } from './types.js';

/**
 * The files outside the app's workspace closure that its build reads: those its closure's
 * packages read (their `buildInputs`: root tsconfigs they extend, files their build configs
 * import, which may sit in a package outside the closure) and the configured ones, sorted,
 * once each. Files of closure packages are copied with their package already.
 */
export function collectBuildInputs(
  graph: WorkspaceGraph,
  app: PackageName,
  configured: readonly string[],
  /** Inputs the closure's own files do not name (what the apps' Dockerfiles copy), kept outside the closure only. */
  copied: readonly string[] = [],
): string[] {
  const files = new Set(configured.map((file) => file.replace(/^\.\//, '')));
  const closure = dependencyClosure(graph, app);
  const closureDirs = new Set(closure.map((node) => node.package.dir).filter((dir) => dir !== '.'));
  for (const file of [...closure.flatMap((node) => node.package.buildInputs ?? []), ...copied])
    if (!files.has(file) && !insideAny(file, closureDirs)) files.add(file);
  // A folder input holds the files and folders below it (`lexicons/` those of `lexicons/app/`).
  const folders = [...files].filter((file) => file.endsWith('/'));
  return [...files]
    .filter((file) => !folders.some((folder) => folder !== file && file.startsWith(folder)))
    .sort();
}

/** Whether a root-relative file lies below one of `dirs`: its parent directories looked up, not every dir scanned. */
export function insideAny(file: string, dirs: ReadonlySet<string>): boolean {
  for (let slash = file.indexOf('/'); slash !== -1; slash = file.indexOf('/', slash + 1))
    if (dirs.has(file.slice(0, slash))) return true;
  return false;
}

/**
 * Whether a root-relative file is one of a build's inputs: named itself, or below a folder
 * input (written with a trailing slash, `lexicons/`, which a package's scripts read whole).
 */
export function isBuildInput(file: string, inputs: readonly string[]): boolean {
  return inputs.some((input) => (input.endsWith('/') ? file.startsWith(input) : file === input));
}
