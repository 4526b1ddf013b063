import { BuildImagesError } from './build-images-error.js';
import {
  dependencyClosure,
  describeWorkspaceProblem,
  type WorkspaceGraph,
} from './create-workspace-graph.js';
import { toImageName } from './image-name.js';
import { collectBuildInputs } from './collect-build-inputs.js';
import {
  commandSnippet,
  detectApp,
  devOnlyStartCommand,
  inferCommand,
  startScriptPort,
  otherRuntimeOf,
} from './infer-app.js';
import { matchDirPattern, matchDirPatterns, unmatchedPatterns } from './match-dir-pattern.js';
import {
  createProductionGraph,
  nextStartCommand,
  planAppBuild,
  resolveNextOutput,
  type AppBuildFacts,
} from './plan-app-build.js';
import { planPackageStages, type PackageStage } from './plan-package-stages.js';
import { plannedPackage } from './planned-package.js';
import { defaultPnpmVersions, type PnpmPlan } from './resolve-pnpm.js';
import { defaultNodeMajor, pinnedNodeImages, type NodePlan } from './resolve-node.js';
import { isSecretArgName, parseAppConfig, type AppKind } from './parse-app-config.js';
import { hasUrlCredentials } from './split-npmrc.js';
import type { WorkspaceProblem } from './create-workspace-graph.js';
import type { AppName, PackageName, Workspace } from './types.js';

/** The scripts pnpm runs for a workspace package it installs. */
export const installLifecycleScripts = ['preinstall', 'install', 'postinstall', 'prepare'] as const;

export interface PlannedPackage {
  name: PackageName;
  dir: string;
  /**
   * The files its `bin` field names, relative to its folder, when it has any: the install
   * stages, which hold manifests only, put empty stand-ins there while pnpm links the commands
   * (pnpm 11 links no command whose file is missing, and a later install does not either).
   */
  bins?: string[];
}

export interface AppPlan extends AppBuildFacts {
  /** Image name and Dockerfile target. */
  name: AppName;
  packageName: PackageName;
  version: string | undefined;
  dir: string;
  kind: AppKind;
  /** A runtime base of the app's own, instead of the shared one. */
  baseImage: string | undefined;
  keep: string[];
  buildArgs: Record<string, string>;
  /**
   * The build arguments taken from a Dockerfile beside the app (what its build step is given,
   * unless buildArgs say otherwise), and the secret-looking ones left out.
   */
  dockerfileBuildArgs?: { file: string; names: string[]; secretNames: string[] };
  /** For `bundle`: the file esbuild starts from, relative to the app. */
  entry: string | undefined;
  /** The command of the `<app>-dev` target. */
  devCommand: string[];
  /** The app's workspace closure, dependencies first, the app itself last. */
  packages: PlannedPackage[];
  /**
   * Root-relative files outside every workspace package that the build reads (root
   * tsconfigs the closure extends, buildInputs of the config), sorted: copied into the build.
   */
  buildInputs: string[];
  port: number | undefined;
  /** The start script set PORT (`PORT=3002 react-router-serve …`): the image sets it too. */
  portEnv?: true;
  healthPath: string | undefined;
  command: string[];
  /** Shell commands run in the app's directory before the build (buildImages.prebuild). */
  prebuild: string[];
  /** Variables its build and prebuild commands read from BuildKit secrets (buildImages.buildSecrets). */
  buildSecrets: string[];
  /**
   * Packages of the app's install that compile native code (workspace packages with a
   * binding.gyp, then those of the lockfile, see findCompiledAddons): its install and build
   * stages get a compiler, its runtime stage does not.
   */
  nativeAddons: string[];
  /** Why the package was taken as an app, and where its command came from. */
  detection: { reasons: string[]; commandSource: string };
  /** Filled in by withTags once the values a template may use (e.g. the digest) are known. */
  tags: string[];
}

/** An image running several apps under a supervisor (the root manifest's `buildImages.combined`). */
export interface CombinedPlan {
  name: AppName;
  apps: AppName[];
  tags: string[];
}

export interface BuildPlan {
  /** Every app of the workspace, sorted by name; the Dockerfile has a target for each. */
  apps: AppPlan[];
  combined: CombinedPlan[];
  /**
   * The workspace packages compiled in stages of their own (see PackageStage), each after
   * those it copies from (ties by package name): every app that needs one copies its output
   * from there.
   */
  packageStages: PackageStage[];
  /** The apps (and combined images) to build now: all, sorted, unless some were named (then in that order). */
  selected: AppName[];
  /** Root files every install needs (package.json, pnpm-lock.yaml, …), as found. */
  rootFiles: string[];
  /**
   * The install lifecycle scripts (preinstall, install, postinstall, prepare) of workspace
   * packages, by folder: taken out of their manifests for the install stages, which have no
   * sources to run them on (see installLifecycleScripts); install and postinstall run later,
   * with the code generation of the stages that build.
   */
  lifecycleScripts?: Record<string, string[]>;
  dockerfilePath: string;
  /**
   * Apps that cannot be planned until the user decides something (what command runs them):
   * left out of the Dockerfile, reported with the lines to add, while every other app builds.
   */
  needsConfig: NeedsConfig[];
  /** The package named like the workspace root (see Workspace.rootNamesake): selected by folder. */
  rootNamesake?: PackageName;
  /** The pnpm every stage runs, and so the commands used. */
  pnpm: PnpmPlan;
  /** The Node every stage runs: the base image's default and the bundler's target. */
  node: NodePlan;
  /**
   * How many install and compile steps may run at once on the engine, across every build:
   * each such step holds one of this many slots (see render-dockerfile's slotMount). BuildKit
   * runs every independent stage at once and the Engine's builder has no setting to bound it;
   * a workspace of 50 compiled packages ran 49 installs at once.
   */
  parallelSteps: number;
}

export interface NeedsConfig {
  packageName: PackageName;
  dir: string;
  /** What is missing, one sentence. */
  problem: string;
  /** The lines to add, naming the file. */
  fix: string;
}

export interface PlanOptions {
  /** Globs of app directories, relative to the root; undefined: apps are detected. */
  appPatterns: readonly string[] | undefined;
  /** App names, package names or directories given on the command line; empty means all. */
  only: readonly string[];
  dockerfilePath: string;
  /** The raw `combined` option of the config, validated here. */
  combined?: unknown;
  /** The config's `buildInputs`: root files every app's build reads. */
  buildInputs?: readonly string[];
  /** Where the config came from, for messages (e.g. `build-images.config.json`). */
  configFile: string;
  /** The pnpm the repository asks for (see resolvePnpm); default: pnpm 10. */
  pnpm?: PnpmPlan;
  /** The Node the repository asks for (see resolveNode); default: Node 24. */
  node?: NodePlan;
  /** The config's `parallelSteps` (see BuildPlan.parallelSteps); default: defaultParallelSteps. */
  parallelSteps?: number;
}

/**
 * Install and compile steps the engine runs at once, across every build of the generated
 * Dockerfile, when the config does not say: about what 2 to 4 cores keep busy, and a memory
 * bound of a few GB (a pnpm install or a tsc takes some 300 MB to 1 GB).
 */
export const defaultParallelSteps = 4;

export const defaultPlanOptions: PlanOptions = {
  configFile: 'build-images.config.json',
  appPatterns: undefined,
  only: [],
  dockerfilePath: 'docker/Dockerfile',
};

/** The port `next start` and Next's standalone server listen on by default. */
export const nextDefaultPort = 3000;

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
    throw new BuildImagesError(
      'WORKSPACE_INVALID',
      `The workspace at ${workspace.root} has ${details.length === 1 ? 'a problem' : `${details.length} problems`}`,
      {
        details,
        hint: 'Fix the manifests named above, then run build-images again.',
      },
    );
  }

  const problems: string[] = [];
  const needsConfig: NeedsConfig[] = [];
  const apps: AppPlan[] = [];
  const productionGraph = createProductionGraph(workspace);
  const patterns = options.appPatterns;
  const positive = patterns?.filter((pattern) => !pattern.startsWith('!')) ?? [];
  const negated = (patterns ?? [])
    .filter((pattern) => pattern.startsWith('!'))
    .map((pattern) => pattern.slice(1));
  const nodes = [...graph.values()].sort((a, b) => a.package.dir.localeCompare(b.package.dir));
  const dirs = nodes.map((node) => node.package.dir);
  // With no app at all, the error below names every glob.
  if (positive.length > 0 && dirs.some((dir) => matchDirPatterns(dir, patterns!))) {
    for (const pattern of unmatchedPatterns(dirs, patterns!))
      problems.push(
        `the app glob "${pattern}" (--apps, or "apps" in ${options.configFile}) selects no workspace package`,
      );
  }
  for (const node of nodes) {
    const pkg = node.package;
    const { config, problems: configProblems } = parseAppConfig(pkg);
    let reasons: string[];
    // A negated glob (`--apps '!apps/storybook'`) leaves a package out whatever else says so.
    if (negated.some((pattern) => matchDirPattern(pkg.dir, pattern))) continue;
    if (config.app !== undefined) {
      if (!config.app) continue;
      reasons = [`${pkg.manifestPath}: buildImages.app is true`];
    } else if (positive.length > 0) {
      if (!matchDirPatterns(pkg.dir, patterns!)) continue;
      reasons = [`matches ${positive.find((pattern) => matchDirPattern(pkg.dir, pattern))}`];
    } else {
      const detection = detectApp(pkg, graph);
      if (!detection.app) continue;
      reasons = detection.reasons;
    }
    problems.push(...configProblems);
    const name = toImageName(pkg.name);
    if (name === undefined) {
      problems.push(
        `${pkg.manifestPath}: package name "${pkg.name}" leaves no valid image name; rename the package`,
      );
      continue;
    }
    if (reservedStageNames.includes(name) || /-(deps|build|prod|dev)$/.test(name)) {
      needsConfig.push({
        packageName: pkg.name,
        dir: pkg.dir,
        problem: `its image name "${name}" is one the Dockerfile keeps for its own stages`,
        fix: `${pkg.manifestPath}: "buildImages": { "app": false } to leave it out (image names of their own are not supported yet)`,
      });
      continue;
    }
    const inferred = config.kind === 'node' ? inferCommand(pkg) : undefined;
    // What the app's own Dockerfile gives its build, unless configured; never a secret.
    const fromDockerfile = pkg.facts?.dockerfileBuildEnv;
    const inherited = Object.entries(fromDockerfile?.env ?? {}).filter(
      ([name]) => !(name in config.buildArgs),
    );
    // A value with credentials in a URL (postgresql://user:pass@host) is a secret whatever
    // its name.
    const secret = ([name, value]: [string, string]) =>
      isSecretArgName(name) || hasUrlCredentials(value);
    const buildArgs = {
      ...Object.fromEntries(inherited.filter((entry) => !secret(entry))),
      ...config.buildArgs,
    };
    // A start script that runs node on a file of its own is a custom Next.js server (dokploy's
    // dist/server.mjs): it runs the app's build in .next from a production install, as next
    // start would, and standalone output has no place for it.
    const customServer =
      config.kind === 'next' && config.command === undefined
        ? (() => {
            const found = inferCommand(pkg);
            return found?.source.startsWith('script') ? found : undefined;
          })()
        : undefined;
    const resolvedNext =
      config.kind === 'next' ? resolveNextOutput(pkg.buildHints, buildArgs) : undefined;
    const next =
      customServer && resolvedNext && resolvedNext.output !== 'export'
        ? { output: 'server' as const }
        : resolvedNext;
    // A static export has no server to run: a decision for the user, as an app needing
    // configuration (out of the plan's apps and its CI matrix), not a build that fails.
    if (next?.output === 'export' && config.command === undefined) {
      needsConfig.push({
        packageName: pkg.name,
        dir: pkg.dir,
        problem: `next.config sets output: "export", a static site with no Node.js server to run (taken as an app: ${reasons.join('; ')})`,
        fix: `serve ${pkg.dir}/out with a static web server image of your own and leave this app out (${pkg.manifestPath}: "buildImages": { "app": false }), or remove output: "export" to run it with next start`,
      });
      continue;
    }
    const main = pkg.main?.replace(/^\.\//, '');
    const scriptPort = startScriptPort(pkg);
    const defaultCommand: Record<AppKind, string[] | undefined> = {
      node: inferred?.command,
      // Next's standalone output mirrors the workspace: the server sits at the app's path.
      next:
        next?.output === 'server'
          ? (customServer?.command ?? nextStartCommand)
          : ['node', `${pkg.dir}/server.js`],
      bundle: ['/nodejs/bin/node', 'main.cjs'],
    };
    const command = config.command ?? defaultCommand[config.kind];
    if (command === undefined) {
      const other = otherRuntimeOf(pkg);
      // A package of Dockerfiles only (papra's packages/app: every script runs `docker build
      // -f ./Dockerfile ../..`, no dependencies): it builds another package's image.
      const scripts = Object.values(pkg.scripts).filter((text) => typeof text === 'string');
      if (
        other === undefined &&
        scripts.length > 0 &&
        scripts.every((text) => /^\s*docker(\s+buildx)?\s+(build|compose|push|run)\b/.test(text)) &&
        Object.values(pkg.dependencies).every((deps) => Object.keys(deps ?? {}).length === 0)
      ) {
        needsConfig.push({
          packageName: pkg.name,
          dir: pkg.dir,
          problem: `it holds Dockerfiles only (its scripts run docker, and it has no dependencies), for the image of another package (taken as an app: ${reasons.join('; ')})`,
          fix: `${pkg.manifestPath}: "buildImages": { "app": false } to leave it out (the app its Dockerfile builds is planned on its own)`,
        });
        continue;
      }
      const devOnly = other === undefined ? devOnlyStartCommand(pkg) : undefined;
      if (devOnly !== undefined) {
        needsConfig.push({
          packageName: pkg.name,
          dir: pkg.dir,
          problem: `its "${devOnly.script}" script runs ${devOnly.bin}, from ${devOnly.dependency} in devDependencies, which the image does not install (production dependencies only) (taken as an app: ${reasons.join('; ')})`,
          fix: `${pkg.manifestPath}: move ${devOnly.dependency} to "dependencies" (then run pnpm install)`,
        });
        continue;
      }
      needsConfig.push({
        packageName: pkg.name,
        dir: pkg.dir,
        problem:
          other === undefined
            ? `nothing says what runs it: no start:prod/start script that runs node, no "main", "exports" or "bin" (taken as an app: ${reasons.join('; ')})`
            : `its "${other.script}" script runs ${other.runtime}, and build-images makes Node.js images (taken as an app: ${reasons.join('; ')})`,
        fix:
          other === undefined
            ? commandSnippet(pkg)
            : `${pkg.manifestPath}: "buildImages": { "app": false } to leave it out, or a "command" that runs it on node if it runs there too`,
      });
      continue;
    }
    const commandSource = config.command
      ? `${pkg.manifestPath}: buildImages.command`
      : config.kind === 'node'
        ? (inferred?.source ?? '')
        : customServer && next?.output === 'server'
          ? `${customServer.source}, a custom Next.js server`
          : `kind ${config.kind}`;
    // The port: configured; else the one the start script gives the command the image runs
    // (plane's admin: `serve -l 3001`, where its Dockerfile's nginx stage exposes 3000); else
    // the app's Dockerfile's; else any the start script gives; Next.js's 3000.
    const runsStartScript =
      config.command === undefined && Boolean(commandSource.startsWith('script'));
    const port =
      config.port ??
      (runsStartScript ? scriptPort?.port : undefined) ??
      pkg.facts?.dockerfilePort?.port ??
      scriptPort?.port ??
      (config.kind === 'next' ? nextDefaultPort : undefined);
    const entry = config.kind === 'bundle' ? (config.entry ?? main) : undefined;
    if (config.kind === 'bundle' && entry === undefined) {
      problems.push(
        `${pkg.manifestPath}: app "${pkg.name}" is of kind "bundle" but has no "main" and no buildImages.entry for esbuild to start from`,
      );
    }
    const closure = dependencyClosure(graph, pkg.name);
    apps.push({
      name: name as AppName,
      packageName: pkg.name,
      version: pkg.version,
      dir: pkg.dir,
      kind: config.kind,
      baseImage: config.baseImage,
      keep: config.keep,
      buildArgs,
      ...(fromDockerfile && inherited.length > 0
        ? {
            dockerfileBuildArgs: {
              file: fromDockerfile.shared
                ? fromDockerfile.file
                : `${pkg.dir}/${fromDockerfile.file}`,
              names: inherited.filter((entry) => !secret(entry)).map(([name]) => name),
              secretNames: inherited.filter(secret).map(([name]) => name),
            },
          }
        : {}),
      entry,
      devCommand: pkg.scripts['dev']
        ? ['pnpm', 'run', 'dev']
        : pkg.scripts['start']
          ? ['pnpm', 'run', 'start']
          : config.kind === 'next'
            ? ['pnpm', 'exec', 'next', 'dev']
            : (config.command ?? ['node', (config.kind === 'bundle' ? entry : main) ?? 'index.js']),
      packages: closure.map((dep) => plannedPackage(dep.package)),
      nativeAddons: closure
        .filter((dep) => dep.package.facts?.nativeAddon === true)
        .map((dep) => dep.package.name),
      buildInputs: collectBuildInputs(
        graph,
        pkg.name,
        [...config.buildInputs, ...(options.buildInputs ?? [])],
        pkg.dockerfileInputs,
      ),
      // See above; a Next.js image sets PORT to it.
      port,
      // `PORT=3002 react-router-serve …`: the image sets PORT as the script did.
      ...(config.port === undefined &&
        port === scriptPort?.port &&
        scriptPort?.env && { portEnv: true as const }),
      // The health probe of a hand-written Dockerfile, on the port it probed.
      healthPath:
        config.healthPath ??
        (config.port === undefined && port === pkg.facts?.dockerfilePort?.port
          ? pkg.facts?.dockerfileHealthPath
          : undefined),
      command,
      detection: { reasons, commandSource },
      tags: [],
      ...planAppBuild(graph, productionGraph, pkg, config.kind, command, config.keep),
      ...(next === undefined
        ? {}
        : {
            nextOutput: next.output,
            ...(next.unsetCondition ? { nextOutputCondition: next.unsetCondition } : {}),
          }),
      prebuild: config.prebuild,
      buildSecrets: config.buildSecrets,
    });
  }

  const byName = new Map<string, AppPlan>();
  for (const app of apps) {
    const other = byName.get(app.name);
    if (other)
      problems.push(
        `apps "${other.packageName}" (${other.dir}) and "${app.packageName}" (${app.dir}) both map to the image name "${app.name}"; rename one`,
      );
    byName.set(app.name, app);
  }
  if (apps.length === 0 && problems.length === 0) {
    // The root is never detected; when it is what would be deployed (umami, recce), say so.
    const root = nodes.find((node) => node.package.dir === '.')?.package;
    // A root Dockerfile that copies a package needing configuration builds that package
    // (botpress' chat and telegram stages), not the root.
    const rootBuildsPackage = needsConfig.some((entry) =>
      root?.facts?.dockerfileCopies?.sources.some(
        (source) => source === entry.dir || source.startsWith(`${entry.dir}/`),
      ),
    );
    const rootLooksLikeApp =
      root !== undefined &&
      positive.length === 0 &&
      !rootBuildsPackage &&
      (Boolean(root.facts?.dockerfiles.length) ||
        // A start that runs the packages' own (`pnpm -r run start`, `turbo run start`) is no
        // server of the root's.
        (root.scripts['start'] !== undefined &&
          !/(?:^|\s)(?:-r|--recursive|--filter|-F)(?=[\s=]|$)|\b(?:turbo\s+(?:run\s+)?start|nx\s+run-many|lerna\s+run)\b/.test(
            root.scripts['start'],
          )) ||
        Object.values(root.dependencies).some((deps) => deps !== undefined && 'next' in deps));
    throw new BuildImagesError(
      'CONFIG_INVALID',
      positive.length === 0
        ? needsConfig.length > 0
          ? `No app to build: ${needsConfig.length === 1 ? 'the package that looks deployable needs' : `the ${needsConfig.length} packages that look deployable need`} configuring first: ${needsConfig.map((entry) => `${entry.dir} (add ${entry.fix})`).join('; ')}`
          : `No app found: no workspace package looks deployable (a Dockerfile beside it, a place under apps/, a server framework or a start script that runs node)`
        : needsConfig.length > 0
          ? `No app to build: what ${patterns!.join(', ')} select${positive.length === 1 ? 's' : ''} needs configuring first: ${needsConfig.map((entry) => `${entry.dir}: ${entry.problem}`).join('; ')}`
          : `No app found: no workspace package lies in ${patterns!.join(', ')}`,
      {
        hint: rootLooksLikeApp
          ? 'The workspace root looks like the app (a Dockerfile, a start script or next at the root), and it is never detected as one: --apps . (or "apps": ["."] in build-images.config.json) plans and builds it as one.'
          : (needsConfig[0]?.fix ??
            'List the apps\' directories with --apps (or "apps" in build-images.config.json), or set "buildImages": { "app": true } in their package.json.'),
      },
    );
  }

  const combined = planCombined(options.combined, options.configFile, apps, problems);
  if (problems.length > 0) {
    throw new BuildImagesError(
      'CONFIG_INVALID',
      `The apps' configuration has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}`,
      {
        details: problems,
        hint: 'Fix the fields named above (see README, "Configuration").',
      },
    );
  }

  const taken = new Set([
    ...reservedStageNames,
    ...apps.flatMap((app) => [
      app.name,
      `${app.name}-deps`,
      `${app.name}-build`,
      `${app.name}-prod`,
      `${app.name}-packages`,
      `${app.name}-dev`,
    ]),
    ...combined.map((image) => image.name),
  ]);
  return {
    apps: apps.sort((a, b) => a.name.localeCompare(b.name)),
    combined,
    packageStages: planPackageStages(
      graph,
      productionGraph,
      apps,
      options.buildInputs ?? [],
      taken,
    ),
    selected: selectApps(apps, combined, options.only, needsConfig),
    rootFiles: [...workspace.rootFiles].sort(),
    lifecycleScripts: Object.fromEntries(
      workspace.packages.flatMap((pkg) => {
        const scripts = installLifecycleScripts.filter((name) => pkg.scripts[name] !== undefined);
        return pkg.dir === '.' || scripts.length === 0 ? [] : [[pkg.dir, scripts]];
      }),
    ),
    dockerfilePath: options.dockerfilePath,
    needsConfig,
    ...(workspace.rootNamesake !== undefined && { rootNamesake: workspace.rootNamesake }),
    parallelSteps: options.parallelSteps ?? defaultParallelSteps,
    pnpm: options.pnpm ?? {
      version: defaultPnpmVersions[10]!,
      major: 10,
      source: 'default',
    },
    node: options.node ?? {
      ...pinnedNodeImages[defaultNodeMajor]!,
      major: defaultNodeMajor,
      source: 'default',
    },
  };
}

function selectApps(
  apps: readonly AppPlan[],
  combined: readonly CombinedPlan[],
  only: readonly string[],
  needsConfig: readonly NeedsConfig[],
): AppName[] {
  const known = [...apps.map((app) => app.name), ...combined.map((image) => image.name)];
  if (only.length === 0) return known.sort();
  const selected = new Set<AppName>();
  for (const wanted of only) {
    const normalized = wanted.replace(/^\.\//, '').replace(/\/+$/, '');
    const app = apps.find(
      (candidate) =>
        candidate.name === normalized ||
        candidate.packageName === normalized ||
        candidate.dir === normalized,
    );
    const image = combined.find((candidate) => candidate.name === normalized);
    const name = app?.name ?? image?.name;
    const undecided = needsConfig.find(
      (entry) =>
        entry.packageName === normalized ||
        entry.dir === normalized ||
        toImageName(entry.packageName) === normalized,
    );
    if (name === undefined && undecided) {
      throw new BuildImagesError(
        'CONFIG_INVALID',
        `App "${wanted}" cannot be built yet: ${undecided.problem}`,
        {
          hint: `Add ${undecided.fix}`,
        },
      );
    }
    if (name === undefined) {
      throw new BuildImagesError('APP_NOT_FOUND', `Unknown app "${wanted}"`, {
        hint: `Known apps: ${known.join(', ')} (an app's image name, package name or directory).`,
      });
    }
    selected.add(name);
  }
  // In the order given: with --concurrency 1 that is the build order.
  return [...selected];
}

/** The plan with each app's tags set. */
export function withTags(plan: BuildPlan, tags: ReadonlyMap<string, string[]>): BuildPlan {
  return {
    ...plan,
    apps: plan.apps.map((app) => ({ ...app, tags: tags.get(app.name) ?? app.tags })),
    combined: plan.combined.map((image) => ({
      ...image,
      tags: tags.get(image.name) ?? image.tags,
    })),
  };
}

/** Reads the `combined` option of the tool's config: `[{ "name": "all", "apps": ["api", "worker"] }]`. */
function planCombined(
  combined: unknown,
  configFile: string,
  apps: readonly AppPlan[],
  problems: string[],
): CombinedPlan[] {
  // `file: field` reads better than `file.field` for a JSON file.
  const where = configFile.endsWith('.json') ? `${configFile}: ` : `${configFile}.`;
  if (combined === undefined) return [];
  if (!Array.isArray(combined)) {
    problems.push(`${where}combined must be a list of { "name": …, "apps": [...] }`);
    return [];
  }
  const result: CombinedPlan[] = [];
  combined.forEach((entry: unknown, index) => {
    const at = `${where}combined[${index}]`;
    const { name, apps: members } = (entry ?? {}) as { name?: unknown; apps?: unknown };
    if (typeof name !== 'string' || toImageName(name) !== name) {
      problems.push(
        `${at}.name must be a valid image name (lower-case letters, digits, ".", "_", "-"), got ${JSON.stringify(name)}`,
      );
      return;
    }
    if (
      apps.some((app) => app.name === name) ||
      reservedStageNames.includes(name) ||
      /-(deps|build|prod|dev)$/.test(name)
    ) {
      problems.push(`${at}.name "${name}" is already an app or a stage name; choose another`);
      return;
    }
    if (
      !Array.isArray(members) ||
      members.length < 2 ||
      !members.every((member) => typeof member === 'string')
    ) {
      problems.push(`${at}.apps must list at least two apps`);
      return;
    }
    const unknown = (members as string[]).filter(
      (member) => !apps.some((app) => app.name === member),
    );
    if (unknown.length > 0) {
      problems.push(
        `${at}.apps names unknown apps: ${unknown.join(', ')} (known: ${apps.map((app) => app.name).join(', ')})`,
      );
      return;
    }
    const notNode = (members as string[]).filter(
      (member) => apps.find((app) => app.name === member)?.kind !== 'node',
    );
    if (notNode.length > 0) {
      problems.push(
        `${at}.apps: ${notNode.join(', ')} ${notNode.length === 1 ? 'is' : 'are'} not of kind "node"; a combined image runs node apps`,
      );
      return;
    }
    result.push({ name: name as AppName, apps: [...new Set(members as AppName[])], tags: [] });
  });
  return result;
}

/** The apps an image is made of: the app itself, or a combined image's members. */
export function imageMembers(plan: BuildPlan, name: string): AppPlan[] {
  const app = plan.apps.find((candidate) => candidate.name === name);
  if (app) return [app];
  const image = plan.combined.find((candidate) => candidate.name === name);
  if (!image) throw new Error(`imageMembers: ${name} is neither an app nor a combined image`);
  return image.apps.map((member) => plan.apps.find((candidate) => candidate.name === member)!);
}
