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
): string[] {
  const files = new Set(configured.map((file) => file.replace(/^\.\//, '')));
  const closure = dependencyClosure(graph, app);
  const closureDirs = closure.map((node) => node.package.dir).filter((dir) => dir !== '.');
  for (const node of closure)
    for (const file of node.package.buildInputs ?? [])
      if (!closureDirs.some((dir) => file.startsWith(`${dir}/`))) files.add(file);
  return [...files].sort();
}
