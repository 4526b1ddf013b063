import path from 'node:path';
import semver from 'semver';
import { dependencyFields, type PackageName, type WorkspacePackage } from './types.js';

export interface WorkspaceGraphNode {
  package: WorkspacePackage;
  /** Internal (workspace) dependencies from every dependency field, sorted by name. */
  dependencies: PackageName[];
}

export type WorkspaceGraph = ReadonlyMap<PackageName, WorkspaceGraphNode>;

export type WorkspaceProblem =
  | { kind: 'duplicate-name'; name: PackageName; manifestPaths: string[] }
  | {
      kind: 'unknown-workspace-dependency';
      from: PackageName;
      manifestPath: string;
      dependency: string;
      spec: string;
    }
  | {
      /** A `workspace:` range the local package's version does not satisfy, or no range at all. */
      kind: 'unsatisfied-workspace-range';
      from: PackageName;
      manifestPath: string;
      dependency: string;
      spec: string;
      /** The local package's version; undefined when the spec is no version range. */
      version: string | undefined;
    }
  | { kind: 'cycle'; path: PackageName[] };

export interface WorkspaceGraphResult {
  graph: WorkspaceGraph;
  problems: WorkspaceProblem[];
}

const workspaceProtocol = 'workspace:';

/** The package a `workspace:` spec points at: the key itself, or the target of an alias (`workspace:name@*`). */
/**
 * Whether a `workspace:` spec's range admits the local package: `*`, `^`, `~` and an empty
 * range always do; a semver range must hold its version (pnpm refuses the install otherwise).
 * Undefined when it does, else the version it lacks (undefined inside for no range at all).
 */
function checkWorkspaceRange(
  spec: string,
  target: WorkspacePackage,
): { version: string | undefined } | undefined {
  const rest = spec.slice(workspaceProtocol.length);
  const range = /^(@?[^@]+)@(.*)$/.exec(rest)?.[2] ?? rest;
  if (range === '' || range === '*' || range === '^' || range === '~') return undefined;
  if (semver.validRange(range) === null) return { version: undefined };
  if (target.version === undefined || semver.valid(target.version) === null) return undefined;
  return semver.satisfies(target.version, range, { includePrerelease: true })
    ? undefined
    : { version: target.version };
}

function workspaceTarget(key: string, spec: string): string {
  const rest = spec.slice(workspaceProtocol.length);
  const alias = /^(@?[^@]+)@/.exec(rest);
  return alias?.[1] ?? key;
}

export interface WorkspaceGraphOptions {
  /**
   * pnpm's `linkWorkspacePackages`: when set, a plain version range that a workspace
   * package's version satisfies links that package, as pnpm does (default: off, as in pnpm 10).
   */
  linkWorkspacePackages: boolean;
  /**
   * What pnpm-lock.yaml says pnpm linked: per importer directory, dependency key → the
   * directory its `link:` reference points at. pnpm wrote it, so it wins over the rules above
   * when they disagree with what pnpm did (aliases, tags, settings read from elsewhere).
   */
  lockfileLinks?: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/**
 * The workspace package a dependency spec links, if any: `workspace:` specs (aliases
 * included), `link:`/`file:` paths to a package directory, and, with linkWorkspacePackages,
 * plain ranges the package's version satisfies.
 */
function linkedPackage(
  from: WorkspacePackage,
  key: string,
  spec: string,
  byName: ReadonlyMap<string, WorkspacePackage>,
  byDir: ReadonlyMap<string, WorkspacePackage>,
  options: WorkspaceGraphOptions,
): string | undefined {
  if (spec.startsWith(workspaceProtocol)) return workspaceTarget(key, spec);
  const local = /^(?:link|file):(.+)$/.exec(spec);
  if (local) {
    const dir = path.posix.normalize(path.posix.join(from.dir, local[1]!)).replace(/\/+$/, '');
    const pkg = byDir.get(dir === '' ? '.' : dir);
    return pkg?.name;
  }
  const locked = options.lockfileLinks?.get(from.dir)?.get(key);
  if (locked !== undefined) return byDir.get(locked)?.name;
  // `npm:<name>@<range>` aliases link like plain ranges (a missing range is any version).
  const alias = /^npm:((?:@[^/@]+\/)?[^@]+)(?:@(.*))?$/.exec(spec);
  const candidate = byName.get(alias ? alias[1]! : key);
  const range = alias ? alias[2] || '*' : spec;
  if (
    options.linkWorkspacePackages &&
    candidate?.version &&
    semver.validRange(range) &&
    semver.satisfies(candidate.version, range)
  ) {
    return candidate.name;
  }
  return undefined;
}

/**
 * Builds the graph of workspace packages and their internal dependencies.
 * Pure: problems come back as data, reported together by the caller.
 */
export function createWorkspaceGraph(
  packages: readonly WorkspacePackage[],
  options: WorkspaceGraphOptions = { linkWorkspacePackages: false },
): WorkspaceGraphResult {
  const problems: WorkspaceProblem[] = [];
  const byName = new Map<PackageName, WorkspacePackage>();
  const duplicates = new Map<PackageName, string[]>();
  for (const pkg of packages) {
    const seen = byName.get(pkg.name);
    if (seen) {
      const paths = duplicates.get(pkg.name) ?? [seen.manifestPath];
      paths.push(pkg.manifestPath);
      duplicates.set(pkg.name, paths);
      continue;
    }
    byName.set(pkg.name, pkg);
  }
  for (const [name, manifestPaths] of duplicates) {
    problems.push({ kind: 'duplicate-name', name, manifestPaths });
  }

  const byDir = new Map([...byName.values()].map((pkg) => [pkg.dir, pkg]));
  const graph = new Map<PackageName, WorkspaceGraphNode>();
  for (const pkg of byName.values()) {
    const internal = new Set<PackageName>();
    for (const field of dependencyFields) {
      for (const [key, spec] of Object.entries(pkg.dependencies[field] ?? {})) {
        const target = linkedPackage(pkg, key, spec, byName, byDir, options) as
          PackageName | undefined;
        if (target === undefined) continue;
        if (!byName.has(target)) {
          problems.push({
            kind: 'unknown-workspace-dependency',
            from: pkg.name,
            manifestPath: pkg.manifestPath,
            dependency: target,
            spec,
          });
          continue;
        }
        const unsatisfied = spec.startsWith(workspaceProtocol)
          ? checkWorkspaceRange(spec, byName.get(target)!)
          : undefined;
        if (unsatisfied !== undefined)
          problems.push({
            kind: 'unsatisfied-workspace-range',
            from: pkg.name,
            manifestPath: pkg.manifestPath,
            dependency: target,
            spec,
            version: unsatisfied.version,
          });
        if (target !== pkg.name) internal.add(target);
      }
    }
    graph.set(pkg.name, { package: pkg, dependencies: [...internal].sort() });
  }

  for (const path of findCycles(graph)) problems.push({ kind: 'cycle', path });
  return { graph, problems };
}

/** Every elementary cycle found by a depth-first search, each reported once as `a → b → a`. */
function findCycles(graph: WorkspaceGraph): PackageName[][] {
  const cycles: PackageName[][] = [];
  const state = new Map<PackageName, 'visiting' | 'done'>();
  const stack: PackageName[] = [];
  const visit = (name: PackageName): void => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of graph.get(name)?.dependencies ?? []) {
      const depState = state.get(dep);
      if (depState === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
      } else if (depState === undefined) {
        visit(dep);
      }
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of [...graph.keys()].sort()) {
    if (!state.has(name)) visit(name);
  }
  return cycles;
}

/**
 * The workspace packages a package needs, dependencies first (a topological order,
 * ties broken by name so the result is deterministic), ending with the package itself.
 * Assumes the graph has no cycles.
 */
export function dependencyClosure(
  graph: WorkspaceGraph,
  name: PackageName,
): readonly WorkspaceGraphNode[] {
  let known = closures.get(graph);
  if (known === undefined) closures.set(graph, (known = new Map()));
  let closure = known.get(name);
  if (closure === undefined) known.set(name, (closure = computeClosure(graph, name)));
  return closure;
}

/**
 * Closures by graph and package: planning asks for the same package's closure for its app,
 * its package stage, its build closure and its build inputs. A graph is not changed once made.
 */
const closures = new WeakMap<WorkspaceGraph, Map<PackageName, readonly WorkspaceGraphNode[]>>();

function computeClosure(graph: WorkspaceGraph, name: PackageName): WorkspaceGraphNode[] {
  const ordered: WorkspaceGraphNode[] = [];
  const seen = new Set<PackageName>();
  const visit = (current: PackageName): void => {
    if (seen.has(current)) return;
    seen.add(current);
    const node = graph.get(current);
    if (!node) throw new Error(`dependencyClosure: ${current} is not in the graph`);
    for (const dep of node.dependencies) visit(dep);
    ordered.push(node);
  };
  visit(name);
  return ordered;
}

export function describeWorkspaceProblem(problem: WorkspaceProblem): string {
  switch (problem.kind) {
    case 'duplicate-name':
      return `package name "${problem.name}" is used by more than one manifest: ${problem.manifestPaths.join(', ')}`;
    case 'unknown-workspace-dependency':
      return `${problem.manifestPath}: "${problem.from}" depends on "${problem.dependency}" (${problem.spec}), which is not a package of this workspace`;
    case 'unsatisfied-workspace-range':
      return problem.version === undefined
        ? `${problem.manifestPath}: "${problem.from}" depends on "${problem.dependency}" as ${problem.spec}, which is not a version range (use workspace:*, workspace:^ or a range such as workspace:^1.0.0)`
        : `${problem.manifestPath}: "${problem.from}" depends on "${problem.dependency}" as ${problem.spec}, but the workspace has version ${problem.version} (pnpm install fails the same way: change the range or the package's version)`;
    case 'cycle':
      return `dependency cycle: ${problem.path.join(' → ')}`;
  }
}
