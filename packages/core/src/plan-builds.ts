import { BuildImagesError } from './build-images-error.js';
import { dependencyClosure, describeWorkspaceProblem, type WorkspaceGraph } from './create-workspace-graph.js';
import { toImageName } from './image-name.js';
import { matchDirPattern } from './match-dir-pattern.js';
import { parseAppConfig } from './parse-app-config.js';
import type { WorkspaceProblem } from './create-workspace-graph.js';
import type { AppName, PackageName, Workspace } from './types.js';

export interface PlannedPackage {
  name: PackageName;
  dir: string;
}

export interface AppPlan {
  /** Image name and Dockerfile target. */
  name: AppName;
  packageName: PackageName;
  dir: string;
  /** The app's workspace closure, dependencies first, the app itself last. */
  packages: PlannedPackage[];
  port: number | undefined;
  healthPath: string | undefined;
  command: string[];
  /** Filled in by withTags once the values a template may use (e.g. the digest) are known. */
  tags: string[];
}

export interface BuildPlan {
  /** Every app of the workspace, sorted by name; the Dockerfile has a target for each. */
  apps: AppPlan[];
  /** The apps to build now: all of them, sorted, unless some were named (then in that order). */
  selected: AppName[];
  /** Root files every install needs (package.json, pnpm-lock.yaml, …), as found. */
  rootFiles: string[];
  dockerfilePath: string;
}

export interface PlanOptions {
  /** Globs of app directories, relative to the root. */
  appPatterns: readonly string[];
  /** App names, package names or directories given on the command line; empty means all. */
  only: readonly string[];
  dockerfilePath: string;
}

export const defaultPlanOptions: PlanOptions = {
  appPatterns: ['apps/*'],
  only: [],
  dockerfilePath: 'docker/Dockerfile',
};

/** Stage names the Dockerfile uses for itself; an app may not take them. */
export const reservedStageNames = ['base', 'pnpm'];

/**
 * Plans the builds: which packages are apps, what each app needs, what it is tagged.
 * Pure: takes the workspace as read and its graph, throws a BuildImagesError that lists
 * every problem found.
 */
export function planBuilds(
  workspace: Workspace,
  graph: WorkspaceGraph,
  graphProblems: readonly WorkspaceProblem[],
  options: PlanOptions = defaultPlanOptions,
): BuildPlan {
  if (graphProblems.length > 0 || workspace.problems.length > 0) {
    const details = [...workspace.problems, ...graphProblems.map(describeWorkspaceProblem)];
    throw new BuildImagesError('WORKSPACE_INVALID', `The workspace at ${workspace.root} has ${details.length === 1 ? 'a problem' : `${details.length} problems`}`, {
      details,
      hint: 'Fix the manifests named above, then run build-images again.',
    });
  }

  const problems: string[] = [];
  const apps: AppPlan[] = [];
  const nodes = [...graph.values()]
    .filter((node) => options.appPatterns.some((pattern) => matchDirPattern(node.package.dir, pattern)))
    .sort((a, b) => a.package.dir.localeCompare(b.package.dir));
  for (const node of nodes) {
    const pkg = node.package;
    const name = toImageName(pkg.name);
    if (name === undefined) {
      problems.push(`${pkg.manifestPath}: package name "${pkg.name}" leaves no valid image name; rename the package`);
      continue;
    }
    const { config, problems: configProblems } = parseAppConfig(pkg);
    problems.push(...configProblems);
    const command = config.command ?? (pkg.main ? ['node', pkg.main.replace(/^\.\//, '')] : undefined);
    if (command === undefined) {
      problems.push(`${pkg.manifestPath}: app "${pkg.name}" has no "main" field and no buildImages.command; set one so the image knows what to run`);
      continue;
    }
    apps.push({
      name: name as AppName,
      packageName: pkg.name,
      dir: pkg.dir,
      packages: dependencyClosure(graph, pkg.name).map((dep) => ({ name: dep.package.name, dir: dep.package.dir })),
      port: config.port,
      healthPath: config.healthPath,
      command,
      tags: [],
    });
  }

  const byName = new Map<string, AppPlan>();
  for (const app of apps) {
    const other = byName.get(app.name);
    if (other) problems.push(`apps "${other.packageName}" (${other.dir}) and "${app.packageName}" (${app.dir}) both map to the image name "${app.name}"; rename one`);
    if (reservedStageNames.includes(app.name) || /-(deps|build)$/.test(app.name)) {
      problems.push(`app "${app.packageName}" (${app.dir}) maps to "${app.name}", a name the Dockerfile keeps for its own stages; rename the package`);
    }
    byName.set(app.name, app);
  }
  if (problems.length > 0) {
    throw new BuildImagesError('CONFIG_INVALID', `The apps' configuration has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}`, {
      details: problems,
      hint: 'Fix the fields named above (see README, "Configuration").',
    });
  }
  if (apps.length === 0) {
    throw new BuildImagesError('CONFIG_INVALID', `No app found: no workspace package lies in ${options.appPatterns.join(', ')}`, {
      hint: 'Put deployable apps under apps/, or list their directories with --apps.',
    });
  }

  return {
    apps: apps.sort((a, b) => a.name.localeCompare(b.name)),
    selected: selectApps(apps, options.only),
    rootFiles: [...workspace.rootFiles].sort(),
    dockerfilePath: options.dockerfilePath,
  };
}

function selectApps(apps: readonly AppPlan[], only: readonly string[]): AppName[] {
  if (only.length === 0) return apps.map((app) => app.name).sort();
  const selected = new Set<AppName>();
  for (const wanted of only) {
    const normalized = wanted.replace(/^\.\//, '').replace(/\/+$/, '');
    const app = apps.find((candidate) => candidate.name === normalized || candidate.packageName === normalized || candidate.dir === normalized);
    if (!app) {
      throw new BuildImagesError('APP_NOT_FOUND', `Unknown app "${wanted}"`, {
        hint: `Known apps: ${apps.map((candidate) => candidate.name).join(', ')} (an app's image name, package name or directory).`,
      });
    }
    selected.add(app.name);
  }
  // In the order given: with --concurrency 1 that is the build order.
  return [...selected];
}

/** The plan with each app's tags set. */
export function withTags(plan: BuildPlan, tags: ReadonlyMap<string, string[]>): BuildPlan {
  return { ...plan, apps: plan.apps.map((app) => ({ ...app, tags: tags.get(app.name) ?? app.tags })) };
}
