import { dependencyClosure, type WorkspaceGraph } from './create-workspace-graph.js';
import type { PackageName } from './types.js';

/**
 * The root files an app's build reads: those its workspace closure's packages read (their
 * `buildInputs`, from the tsconfigs they extend) and the configured ones, sorted, once each.
 */
export function collectBuildInputs(
  graph: WorkspaceGraph,
  app: PackageName,
  configured: readonly string[],
): string[] {
  const files = new Set(configured.map((file) => file.replace(/^\.\//, '')));
  for (const node of dependencyClosure(graph, app))
    for (const file of node.package.buildInputs ?? []) files.add(file);
  return [...files].sort();
}
