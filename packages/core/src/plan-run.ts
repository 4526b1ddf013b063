import { isBuildInput } from './collect-build-inputs.js';
import { codegenOf, createProductionGraph } from './plan-app-build.js';
import { buildSystemTools } from './infer-app.js';
import { createHash } from 'node:crypto';
import { BuildImagesError } from './build-images-error.js';
import {
  computeInputsDigest,
  digestFiles,
  shortDigest,
  type HashedFile,
} from './compute-inputs-digest.js';
import {
  createWorkspaceGraph,
  describeWorkspaceProblem,
  type WorkspaceGraph,
  type WorkspaceProblem,
} from './create-workspace-graph.js';
import {
  describeLockfileChange,
  diffLockfileImporters,
  parseLockfile,
  workspaceLinks,
  type Lockfile,
} from './lockfile.js';
import type { ToolConfig } from './parse-tool-config.js';
import { imageMembers, planBuilds, withTags, type BuildPlan } from './plan-builds.js';
import { findStaleImporters } from './check-lockfile.js';
import { createBuildPolicy, findCompiledAddons } from './native-addons.js';
import { npmrcHeader, splitNpmrc, type NpmrcParts } from './split-npmrc.js';
import { renderDockerfile } from './render-dockerfile.js';
import { checkAppEngines, resolveNode, type NodeVersionFiles } from './resolve-node.js';
import { renderAppTags } from './render-tags.js';
import { resolvePnpm } from './resolve-pnpm.js';
import {
  appSlices,
  appStageNames,
  diffDockerfileStages,
  selectAffectedApps,
  splitDockerfileStages,
  type AppSelection,
  type FileChange,
  type ImporterChange,
} from './select-affected-apps.js';
import { shardApps, type Shard } from './shard-apps.js';
import { digestLockfileSlice, sliceLockfile, type LockfileSlice } from './slice-lockfile.js';
import type { AppName, PackageName, Workspace, WorkspaceWarning } from './types.js';

export const lockfilePath = 'pnpm-lock.yaml';

/** Files whose change affects every app, besides those given with --global-input. */
export const defaultGlobalInputs = [
  'package.json',
  'pnpm-workspace.yaml',
  '.npmrc',
  '.nvmrc',
  '.node-version',
  '.tool-versions',
  '.dockerignore',
  'build-images.config.json',
];

/** A changed file, and whether `.dockerignore` keeps it out of every build context. */
export interface ChangedInput extends FileChange {
  ignored: boolean;
}

/** What `--changed` read from git: the files changed since the merge base, and two files there. */
export interface ChangeInputs {
  baseRef: string;
  mergeBase: string;
  files: readonly ChangedInput[];
  /** `pnpm-lock.yaml` at the merge base; undefined when it did not exist there. */
  baseLockfile: string | undefined;
  /** Its parsed YAML when a cache had it (see parseLockfileYaml); otherwise parsed from the text. */
  baseLockfileDocument?: unknown;
  /** The Dockerfile at the merge base; undefined when it did not exist there. */
  baseDockerfile: string | undefined;
}

/** Values from the checkout that tags and labels may use; read only when asked for. */
export interface SourceInputs {
  head?: string;
  branch?: string;
  remoteUrl?: string;
  /** `YYYYMMDD`, from SOURCE_DATE_EPOCH or the clock. */
  date?: string;
}

/** Everything a run is planned from, read by @build-images/workspace: a plain value. */
export interface RunInputs {
  workspace: Workspace;
  config: ToolConfig;
  /** Where the config came from, for messages. */
  configFile: string;
  rootManifest: string;
  /** The root's `.nvmrc`, `.node-version`, `.tool-versions` (those that exist). */
  nodeVersionFiles?: NodeVersionFiles;
  /** The workspace's `.npmrc`; undefined when there is none. */
  npmrc?: string;
  /** Where the generated Dockerfile lives, and why there when it is not the default. */
  dockerfile: { path: string; note: string | undefined };
  /** The text of `pnpm-lock.yaml`; undefined when there is none. */
  lockfile: string | undefined;
  /** Its parsed YAML when a cache had it (see parseLockfileYaml); otherwise parsed from the text. */
  lockfileDocument?: unknown;
  /** With `--changed`: what changed, or why the base could not be used (`--changed-fallback=all`). */
  change: ChangeInputs | { fallback: string } | undefined;
  source: SourceInputs;
}

export interface RunOptions {
  appPatterns: readonly string[] | undefined;
  /** Apps named on the command line; empty: all. */
  apps: readonly string[];
  /** The Dockerfile's path relative to the root, as the user gave it; undefined: chosen by the reader. */
  dockerfile: string | undefined;
  baseImage: string | undefined;
  bundleImage: string | undefined;
  globalInputs: readonly string[];
  dev: boolean;
  shard: Shard | undefined;
  tagTemplates: readonly string[];
  registry: string | undefined;
}

export type ChangeSummary =
  { baseRef: string; mergeBase: string; files: number } | { fallback: string } | undefined;

/** The whole plan of a run, before the images' own files are read. Plain data. */
export interface RunPlan {
  root: string;
  plan: BuildPlan;
  dockerfile: string;
  baseImage: string;
  /** One per image of the plan (apps, then combined images), in its order. */
  selections: AppSelection[];
  /** The images to build, in order. */
  selected: AppName[];
  change: ChangeSummary;
  /** Per app of the selected images, the lockfile slice its install stage receives. */
  slices: Record<string, LockfileSlice>;
  /** The workspace directories whose files the selected images' contexts hold. */
  inputDirs: string[];
  /** Root files whose content is part of every image's identity (not the lockfile). */
  rootInputFiles: string[];
  /**
   * The workspace `.npmrc` split (see splitNpmrc): its settings go into the install stages as
   * a file, its credentials only as the `npmrc` secret. Undefined without an `.npmrc`.
   */
  npmrc: NpmrcParts | undefined;
  /** Inputs digests of the selected images; empty until identified. */
  digests: Record<string, string>;
  /**
   * Problems that keep one app from being built, but not the others from being planned:
   * each names the app and says how to fix it. A build of such an app is refused.
   */
  problems: RunProblem[];
  /** What pnpm accepts but the user may want to know (each names its file): printed, planning goes on. */
  warnings: WorkspaceWarning[];
  /** Advice for apps that build as planned but could be built better (e.g. Next.js standalone output). */
  notes: RunProblem[];
  /** Per selected image, the files below its workspace directories its context holds; empty until identified. */
  contextFiles: Record<string, string[]>;
}

export interface RunProblem {
  app: AppName;
  /** lockfile: the lockfile cannot install the app as it is (generate refuses too); app: the app itself. */
  kind: 'lockfile' | 'app';
  message: string;
  hint: string;
}

/** The files of the workspace directories a run needs, as read (hashes empty when not asked for). */
export interface ImageFiles {
  packages: Readonly<Record<string, readonly HashedFile[]>>;
  rootFiles: readonly HashedFile[];
  /** Files below the packages never sent, whatever .dockerignore says (see sensitiveFile). */
  leftOut?: readonly string[];
}

/**
 * Plans a run from what was read: the apps, the Dockerfile, which images are affected by the
 * change and why, the selected images (after --dev and --shard), and their lockfile slices.
 * Pure. Workspace and configuration problems throw one BuildImagesError listing them all.
 */
export function planRun(root: string, inputs: RunInputs, options: RunOptions): RunPlan {
  // First the pnpm it asks for: a pnpm 8 workspace is told that, not that its lockfile is.
  const pnpm = resolvePnpm(inputs.rootManifest, inputs.lockfile);
  const lockfile =
    inputs.lockfile === undefined
      ? undefined
      : parseLockfile(inputs.lockfile, lockfilePath, inputs.lockfileDocument);
  // What pnpm linked is what the lockfile says, whatever the manifests' specs look like.
  const workspace =
    lockfile === undefined
      ? inputs.workspace
      : { ...inputs.workspace, lockfileLinks: workspaceLinks(lockfile) };
  const { graph, problems: graphProblems } = createWorkspaceGraph(workspace.packages, {
    linkWorkspacePackages: workspace.linkWorkspacePackages,
    lockfileLinks: workspace.lockfileLinks,
  });
  const { node, warnings: nodeWarnings } = resolveNode(
    inputs.rootManifest,
    inputs.nodeVersionFiles ?? {},
  );
  // A cycle breaks only the apps whose closure holds it (pnpm installs it, and a build in
  // dependency order cannot order it): judged once the apps are known.
  const plan = planBuilds(
    workspace,
    graph,
    graphProblems.filter((problem) => problem.kind !== 'cycle'),
    {
      pnpm,
      node,
      appPatterns: options.appPatterns,
      only: options.apps,
      dockerfilePath: inputs.dockerfile.path,
      combined: inputs.config.combined,
      configFile: inputs.configFile,
      buildInputs: inputs.config.buildInputs,
      ...(inputs.config.parallelSteps !== undefined && {
        parallelSteps: inputs.config.parallelSteps,
      }),
    },
  );
  const warnings: WorkspaceWarning[] = [
    ...(inputs.lockfile === undefined
      ? [
          {
            kind: 'lockfile-missing' as const,
            file: lockfilePath,
            package: undefined,
            message: `${lockfilePath} is missing: the images install with --frozen-lockfile, so their builds will fail; run pnpm install and commit ${lockfilePath}`,
          },
        ]
      : []),
    ...workspace.warnings,
    ...checkCycles(plan, graph, graphProblems, workspace),
    ...nodeWarnings,
    ...checkAppEngines(
      node,
      plan.apps.map((app) => ({
        dir: app.dir,
        packageName: app.packageName,
        engines: graph.get(app.packageName)?.package.enginesNode,
      })),
    ),
  ];
  if (lockfile !== undefined) {
    const addons = findCompiledAddons(lockfile, [
      ...plan.apps.map((app) => ({ name: app.name, importers: appImporters(app) })),
      ...plan.packageStages.map((stage) => ({
        name: stage.stage,
        importers: stage.packages.map((pkg) => pkg.dir),
      })),
    ]);
    // Only the addons whose install scripts pnpm runs compile (pnpm 10+ runs only those allowed).
    const builds = createBuildPolicy(
      workspace.buildSettings ?? {},
      inputs.rootManifest,
      pnpm.major,
    );
    for (const app of [...plan.apps, ...plan.packageStages]) {
      const found = (addons.get('stage' in app ? app.stage : app.name) ?? []).filter(builds);
      if (found.length > 0) app.nativeAddons = [...new Set([...app.nativeAddons, ...found])];
    }
  }
  const dockerfile = renderDockerfile(plan);

  const {
    selections,
    change,
    warnings: selectionWarnings = [],
  } = selectImages(plan, dockerfile, lockfile, inputs, options);
  warnings.push(...selectionWarnings);
  if (inputs.change !== undefined && !('fallback' in inputs.change))
    warnings.push(
      ...findRemovedApps(
        plan,
        inputs.change,
        workspace.packages.map((pkg) => pkg.dir),
      ),
    );
  let selected = plan.selected.filter(
    (name) => selections.find((selection) => selection.app === name)?.selected,
  );
  // Combined images have no dev target.
  if (options.dev) selected = selected.filter((name) => plan.apps.some((app) => app.name === name));
  if (options.shard) {
    const inShard = new Set(shardApps(selected, options.shard));
    selected = selected.filter((name) => inShard.has(name));
  }

  const slices: Record<string, LockfileSlice> = {};
  const { problems, notes } = reviewApps(plan, workspace);
  // What the frozen install would refuse, found now rather than inside a build.
  if (lockfile !== undefined) {
    const stale = new Map(
      findStaleImporters(lockfile, workspace.packages).map((entry) => [entry.dir, entry.problems]),
    );
    for (const name of selected) {
      for (const app of imageMembers(plan, name)) {
        const found = app.packages.flatMap((pkg) =>
          (stale.get(pkg.dir) ?? []).map((problem) => `${pkg.dir}/package.json: ${problem}`),
        );
        if (found.length === 0) continue;
        problems.push({
          app: app.name,
          kind: 'lockfile',
          message: `${lockfilePath} is out of date: ${found[0]}${found.length > 1 ? ` (and ${found.length - 1} more)` : ''}`,
          hint: `Run pnpm install at the workspace root and commit ${lockfilePath}: the images install with --frozen-lockfile, which refuses it as it is.`,
        });
      }
    }
  }
  const inputDirs = new Set<string>();
  for (const name of selected) {
    for (const app of imageMembers(plan, name)) {
      for (const pkg of app.packages) inputDirs.add(pkg.dir);
      if (!lockfile) continue;
      // A lockfile already found out of date for this app says it all: no second problem
      // from cutting its slice.
      if (problems.some((problem) => problem.app === app.name && problem.kind === 'lockfile'))
        continue;
      for (const { name: slice, importers } of appSlices(plan, app)) {
        if (slice in slices) continue;
        try {
          slices[slice] = sliceLockfile(lockfile, importers, inputs.rootManifest);
        } catch (error) {
          if (!(error instanceof BuildImagesError)) throw error;
          problems.push({
            app: app.name,
            kind: 'lockfile',
            message: error.message,
            hint: error.hint ?? '',
          });
          break;
        }
      }
    }
  }
  return {
    root,
    plan,
    dockerfile,
    baseImage: options.baseImage ?? node.image,
    npmrc: inputs.npmrc === undefined ? undefined : withNpmrcHeader(splitNpmrc(inputs.npmrc)),
    selections,
    selected,
    change,
    slices,
    inputDirs: [...inputDirs].sort(),
    rootInputFiles: [
      ...new Set([
        ...workspace.rootFiles.filter((file) => file !== lockfilePath && file !== 'package.json'),
        ...selected.flatMap((name) => imageMembers(plan, name).flatMap((app) => app.buildInputs)),
      ]),
    ],
    digests: {},
    problems,
    warnings,
    notes,
    contextFiles: {},
  };
}

/**
 * Cycles in an app's closure are errors that name the app; the others are warnings, as
 * pnpm accepts them.
 */
function checkCycles(
  plan: BuildPlan,
  graph: WorkspaceGraph,
  graphProblems: readonly WorkspaceProblem[],
  workspace: Workspace,
): WorkspaceWarning[] {
  const warnings: WorkspaceWarning[] = [];
  let production: WorkspaceGraph | undefined;
  const errors: string[] = [];
  for (const problem of graphProblems) {
    if (problem.kind !== 'cycle') continue;
    const apps = plan.apps.filter((app) =>
      app.packages.some((pkg) => problem.path.includes(pkg.name)),
    );
    // A cycle where at most one package has a build or code generation step (openpanel's db,
    // which generates its Prisma client, ⇄ queue, run from sources) needs no build order:
    // pnpm installs it, and so do the images.
    const builds =
      [...new Set(problem.path)].filter((name) => {
        const pkg = graph.get(name)?.package;
        return (
          pkg !== undefined && (pkg.scripts['build'] !== undefined || codegenOf(pkg).length > 0)
        );
      }).length > 1;
    // A cycle through a devDependency is built in the order the production edges give: the
    // devDependency builds after the package that declares it (pnpm's recursive run orders
    // such cycles too, with a warning). Only a cycle of production edges has no order.
    const devEdge =
      apps.length > 0 && builds
        ? problem.path
            .slice(0, -1)
            .map((from, index) => [from, problem.path[index + 1]!] as const)
            .find(
              ([from, to]) =>
                !(production ??= createProductionGraph(workspace))
                  .get(from)
                  ?.dependencies.includes(to),
            )
        : undefined;
    if (devEdge !== undefined) {
      const first = graph.get(devEdge[0])?.package;
      warnings.push({
        kind: 'cycle-outside-apps',
        file: first?.manifestPath ?? 'package.json',
        package: first?.name,
        message: `${describeWorkspaceProblem(problem)}, in the closure of app${apps.length === 1 ? '' : 's'} ${apps.map((app) => app.name).join(', ')}: ${devEdge[0]} only has ${devEdge[1]} as a devDependency, so ${devEdge[0]} builds first, without ${devEdge[1]}'s output (pnpm -r orders it so too)`,
      });
      continue;
    }
    if (apps.length > 0 && !builds) {
      const first = graph.get(problem.path[0]!)?.package;
      warnings.push({
        kind: 'cycle-outside-apps',
        file: first?.manifestPath ?? 'package.json',
        package: first?.name,
        message: `${describeWorkspaceProblem(problem)}, in the closure of app${apps.length === 1 ? '' : 's'} ${apps.map((app) => app.name).join(', ')}: no two of its packages have build steps, so no build order is needed (pnpm installs it as it is)`,
      });
      continue;
    }
    if (apps.length > 0) {
      errors.push(
        `${describeWorkspaceProblem(problem)}, in the closure of app${apps.length === 1 ? '' : 's'} ${apps.map((app) => app.name).join(', ')}`,
      );
      continue;
    }
    const first = graph.get(problem.path[0]!)?.package;
    warnings.push({
      kind: 'cycle-outside-apps',
      file: first?.manifestPath ?? 'package.json',
      package: first?.name,
      message: `${describeWorkspaceProblem(problem)} (${first?.manifestPath ?? ''}): no app depends on it, so no image is affected`,
    });
  }
  if (errors.length > 0) {
    throw new BuildImagesError(
      'WORKSPACE_INVALID',
      `${errors.length === 1 ? 'A dependency cycle is' : `${errors.length} dependency cycles are`} in the workspace closure of an app`,
      {
        details: errors,
        hint: 'A build runs the packages in dependency order, which a cycle does not have: break the cycle (often a devDependency that belongs elsewhere).',
      },
    );
  }
  return warnings;
}

/**
 * Gives the selected images their identity and tags: an inputs digest per image from exactly
 * what its build receives (its files, its lockfile slice, its Dockerfile stages, build
 * arguments, base image), when `wantDigests` or a tag template uses `{digest}`. Pure.
 */
export function identifyImages(
  run: RunPlan,
  files: ImageFiles,
  source: SourceInputs,
  options: RunOptions & { wantDigests: boolean },
): RunPlan {
  const { plan } = run;
  const usesDigest = options.tagTemplates.some((template) => template.includes('{digest}'));
  const digests: Record<string, string> = {};
  if (options.wantDigests || usesDigest) {
    const stages = splitDockerfileStages(run.dockerfile);
    const packageDigests = new Map<string, string>();
    const digestOfDir = (dir: string) => {
      let digest = packageDigests.get(dir);
      if (digest === undefined)
        packageDigests.set(dir, (digest = digestFiles(files.packages[dir] ?? [])));
      return digest;
    };
    // Build inputs count for the images whose builds read them; the other root files for all.
    const buildInputs = [...new Set(plan.apps.flatMap((app) => app.buildInputs))];
    for (const name of run.selected) {
      const members = imageMembers(plan, name);
      const ownInputs = [...new Set(members.flatMap((app) => app.buildInputs))];
      const dirs = [...new Set(members.flatMap((app) => app.packages.map((pkg) => pkg.dir)))];
      const stageNames = [
        ...new Set([...members.flatMap((app) => appStageNames(plan, app)), name]),
      ];
      digests[name] = computeInputsDigest({
        baseImage: run.baseImage,
        buildArgs: members.some((app) => app.kind === 'bundle')
          ? { BUNDLE_IMAGE: options.bundleImage ?? plan.node.bundleImage }
          : {},
        dockerfileStages: stageNames.map((stage) => stages.get(stage) ?? '').join('\n'),
        lockfileSlice: [
          ...new Set(members.flatMap((app) => appSlices(plan, app).map((slice) => slice.name))),
        ]
          .map((name) => {
            const slice = run.slices[name];
            return slice ? digestLockfileSlice(slice) : '';
          })
          .join(','),
        // The .npmrc counts by what the build gets: its settings, not the credentials.
        rootFiles: files.rootFiles
          .filter(
            (file) => !isBuildInput(file.path, buildInputs) || isBuildInput(file.path, ownInputs),
          )
          .map((file) =>
            file.path === '.npmrc' && run.npmrc
              ? { ...file, hash: createHash('sha256').update(run.npmrc.settings).digest('hex') }
              : file,
          ),
        packages: new Map(dirs.map((dir) => [dir, digestOfDir(dir)])),
      });
    }
  }

  const sourceValues = sourceTagValues(options.tagTemplates, source);
  const tagValues = new Map<string, Record<string, string>>();
  for (const name of imageNames(plan)) {
    // Images not selected have no digest: with a {digest} template they get no tags.
    if (usesDigest && digests[name] === undefined) continue;
    const single = plan.apps.find((app) => app.name === name);
    tagValues.set(name, {
      // Dev targets are images of their own: `{app}` is `<app>-dev` there.
      app: options.dev ? `${name}-dev` : name,
      ...sourceValues,
      ...(digests[name] === undefined ? {} : { digest: shortDigest(digests[name]) }),
      ...(single?.version ? { version: single.version } : {}),
    });
  }
  const templates = options.tagTemplates.map((template) =>
    options.registry ? `${options.registry}/${template}` : template,
  );
  const contextFiles: Record<string, string[]> = {};
  for (const name of run.selected) {
    const dirs = new Set(
      imageMembers(plan, name).flatMap((app) => app.packages.map((pkg) => pkg.dir)),
    );
    // The files of its folder inputs too (`lexicons/`), listed with the root files.
    const folders = imageMembers(plan, name)
      .flatMap((app) => app.buildInputs)
      .filter((input) => input.endsWith('/'));
    contextFiles[name] = [
      ...new Set([
        ...[...dirs].flatMap((dir) => (files.packages[dir] ?? []).map((file) => file.path)),
        ...files.rootFiles
          .filter((file) => isBuildInput(file.path, folders))
          .map((file) => file.path),
      ]),
    ].sort();
  }
  return {
    ...run,
    plan: withTags(
      plan,
      renderAppTags(
        templates,
        tagValues,
        new Map(
          plan.apps.map((app) => [
            options.dev ? `${app.name}-dev` : app.name,
            `${app.packageName} (${app.dir}/package.json)`,
          ]),
        ),
      ),
    ),
    digests,
    contextFiles,
    warnings: [
      ...run.warnings,
      ...(files.leftOut ?? []).map((file): WorkspaceWarning => ({
        kind: 'sensitive-file-left-out',
        file,
        package: undefined,
        message: `${file} is left out of the build context, as it may hold secrets; if the build needs it, rename it or pass it as a --secret`,
      })),
    ],
  };
}

/**
 * Apps built at the base ref that are no longer apps: `--changed` has nothing to build for
 * them, which would otherwise pass in silence. The generated Dockerfile committed at the base
 * names its apps (without one, nothing says which deleted package was an app).
 */
export function findRemovedApps(
  plan: BuildPlan,
  change: ChangeInputs,
  packageDirs: readonly string[],
): WorkspaceWarning[] {
  const packages = new Set(packageDirs);
  if (change.baseDockerfile === undefined) return removedPackages(change, packages);
  const warnings: WorkspaceWarning[] = [];
  for (const match of change.baseDockerfile.matchAll(
    /^# ---- (\S+) \((\S+), (\S+), kind \S+\) ----$/gm,
  )) {
    const [, name, packageName, dir] = match as unknown as [string, string, string, string];
    if (plan.apps.some((app) => app.dir === dir || app.name === name)) continue;
    warnings.push({
      kind: 'app-removed',
      file: `${dir}/package.json`,
      package: packageName as PackageName,
      message: `app "${name}" (${packageName}, ${dir}) ${packages.has(dir) ? 'is no longer an app' : 'was removed'} since ${change.baseRef}: no image is built for it any more, and its images in registries are left as they are`,
    });
  }
  return warnings;
}

/**
 * Without a generated Dockerfile at the base, which deleted package was an app is unknown:
 * each workspace package whose manifest was deleted since the base is named, in case it was.
 */
function removedPackages(change: ChangeInputs, packages: ReadonlySet<string>): WorkspaceWarning[] {
  return change.files.flatMap((file) => {
    if (file.status !== 'deleted' || !file.path.endsWith('/package.json')) return [];
    const dir = file.path.slice(0, -'/package.json'.length);
    if (packages.has(dir) || dir.split('/').includes('node_modules')) return [];
    return [
      {
        kind: 'app-removed' as const,
        file: file.path,
        package: undefined,
        message: `the workspace package in ${dir} was removed since ${change.baseRef}: if it was an app, no image is built for it any more, and its images in registries are left as they are`,
      },
    ];
  });
}

/** Every image the plan can build: the apps, then the combined images. */
export function imageNames(plan: BuildPlan): AppName[] {
  return [...plan.apps.map((app) => app.name), ...plan.combined.map((image) => image.name)];
}

/** Next.js apps whose output mode needs a decision (export) or could be smaller (no standalone). */
function reviewApps(
  plan: BuildPlan,
  workspace: Workspace,
): { problems: RunProblem[]; notes: RunProblem[] } {
  const problems: RunProblem[] = [];
  const notes: RunProblem[] = [];
  const byName = new Map(workspace.packages.map((pkg) => [pkg.name, pkg]));
  const rootBuild = workspace.packages.find((pkg) => pkg.dir === '.')?.scripts['build'];
  for (const app of plan.apps) {
    // Packages whose built entry nothing in the image's build makes.
    // Only those it runs with, whose entry is build output (a config package's stale "main"
    // is no such sign).
    const runtime = new Set(app.production.map((member) => member.name));
    const unbuilt = app.packages.flatMap((member) => {
      const entry = byName.get(member.name)?.facts?.unbuiltEntry;
      return entry === undefined ||
        !runtime.has(member.name) ||
        member.name === app.packageName ||
        !/^(dist|build|lib|out|esm|cjs)\//.test(entry)
        ? []
        : [`${member.dir}/${entry}`];
    });
    if (unbuilt.length > 0)
      notes.push({
        app: app.name,
        kind: 'app',
        message: `${app.dir}: ${unbuilt.length === 1 ? 'a package it uses has its entry' : `${unbuilt.length} packages it uses have their entries`} in no file of the checkout and no script of ${unbuilt.length === 1 ? 'its' : 'their'} own that makes ${unbuilt.length === 1 ? 'it' : 'them'} (${unbuilt.slice(0, 3).join(', ')}${unbuilt.length > 3 ? ', …' : ''})${rootBuild === undefined ? '' : `; the root's build ("${rootBuild}") may be what does`}: the image's build and run fail where they are imported`,
        hint: 'Give each such package a "build" script that makes its entry (its stage then compiles it once for every app), or commit the built files.',
      });
    // Programs the builds call that a slim base lacks: the build fails there with "not found".
    if (app.baseImage === undefined) {
      const calls = app.built.flatMap((member) => {
        const pkg = byName.get(member.name);
        const tools = pkg ? buildSystemTools(pkg) : [];
        return tools.length > 0
          ? [`${member.dir === '.' ? 'the root package' : member.dir} runs ${tools.join(', ')}`]
          : [];
      });
      if (calls.length > 0)
        notes.push({
          app: app.name,
          kind: 'app',
          message: `${app.dir}: its build calls programs that node's slim images lack (${calls.join('; ')}); there the build stops with "not found"`,
          hint: `Build on a base image that has them ("baseImage" in build-images.config.json, or buildImages.baseImage in ${byName.get(app.packageName)?.manifestPath ?? 'package.json'}), or make those scripts skip the step when the program is missing.`,
        });
    }
    const inherited = app.dockerfileBuildArgs;
    if (inherited && inherited.names.length > 0)
      notes.push({
        app: app.name,
        kind: 'app',
        message: `${app.dir}: its build gets ${inherited.names.map((name) => `${name}=${app.buildArgs[name]}`).join(' ')} as build arguments, as ${inherited.file} gives its build step`,
        hint: `"buildImages": { "buildArgs": { … } } in ${app.dir}/package.json overrides any of them.`,
      });
    if (inherited && inherited.secretNames.length > 0)
      notes.push({
        app: app.name,
        kind: 'app',
        message: `${app.dir}: ${inherited.file} gives its build ${inherited.secretNames.length === 1 ? 'a secret-looking variable' : `${inherited.secretNames.length} secret-looking variables`} (${inherited.secretNames.slice(0, 4).join(', ')}${inherited.secretNames.length > 4 ? ', …' : ''}), which build-images never writes into a Dockerfile`,
        hint: `If the build needs them, list them in "buildImages": { "buildSecrets": [${inherited.secretNames
          .slice(0, 4)
          .map((name) => JSON.stringify(name))
          .join(
            ', ',
          )}] } in ${app.dir}/package.json and give each as --secret id=NAME,env=NAME (its build reads it as $NAME), or let the build skip its check (an environment flag in buildArgs).`,
      });
    if (app.buildWithoutDatabase)
      notes.push({
        app: app.name,
        kind: 'app',
        message: `${app.dir}: its build script runs ${app.buildWithoutDatabase.dropped.join(' and ')}, which needs a live database that an image build does not have; the image builds with "${app.buildWithoutDatabase.script}"`,
        hint: 'Run the migrations when you deploy (a release job, or before the app starts), not in the image build.',
      });
    if (app.nextOutput === 'export') {
      problems.push({
        app: app.name,
        kind: 'app',
        message: `${app.dir}: next.config sets output: "export", a static site with no Node.js server to run`,
        hint: `Serve ${app.dir}/out with a static web server image of your own and leave this app out (--apps), or remove output: "export" to run it with next start.`,
      });
    } else if (app.nextOutput === 'server' && app.nextOutputCondition !== undefined) {
      const names = app.nextOutputCondition;
      notes.push({
        app: app.name,
        kind: 'app',
        message:
          names.length > 0
            ? `${app.dir}: next.config makes output "standalone" only when ${names.join(' or ')} is set, which the build does not set; the image runs next start from a production install`
            : `${app.dir}: next.config makes output "standalone" only under a condition build-images cannot read; the image runs next start from a production install`,
        hint:
          names.length > 0
            ? `For the standalone output, set it for the build with the value that turns it on, e.g. "buildImages": { "buildArgs": { "${names[0]}": "true" } } in ${app.dir}/package.json.`
            : `For the standalone output, set output: "standalone" in ${app.dir}/next.config without a condition.`,
      });
    } else if (
      app.nextOutput === 'server' &&
      !app.detection.commandSource.endsWith('a custom Next.js server')
    ) {
      notes.push({
        app: app.name,
        kind: 'app',
        message: `${app.dir}: next.config sets no output: "standalone"; the image runs next start from a production install`,
        hint: `For a smaller image, set output: "standalone" in ${app.dir}/next.config (with outputFileTracingRoot at the workspace root).`,
      });
    }
  }
  return { problems, notes };
}

/** The lockfile importers an app's install needs: its workspace closure's directories. */
function appImporters(app: BuildPlan['apps'][number]): string[] {
  return app.packages.map((pkg) => pkg.dir);
}

function selectImages(
  plan: BuildPlan,
  dockerfile: string,
  lockfile: Lockfile | undefined,
  inputs: RunInputs,
  options: RunOptions,
): { selections: AppSelection[]; change: ChangeSummary; warnings?: WorkspaceWarning[] } {
  const named = (name: AppName) => plan.selected.includes(name);
  const change = inputs.change;
  if (change === undefined) {
    return {
      selections: imageNames(plan).map((name) => ({
        app: name,
        selected: named(name),
        reasons: named(name)
          ? [options.apps.length > 0 ? 'named on the command line' : 'every app (no --changed)']
          : [],
      })),
      change: undefined,
    };
  }
  if ('fallback' in change) {
    return {
      selections: imageNames(plan).map((name) => ({
        app: name,
        selected: named(name),
        reasons: named(name) ? [`--changed-fallback=all: ${change.fallback}`] : [],
      })),
      change: { fallback: change.fallback },
    };
  }

  const globalInputs = [...defaultGlobalInputs, ...options.globalInputs];
  // A file .dockerignore keeps out of every build cannot change an image.
  const relevant = change.files.filter(
    (file) =>
      file.path === lockfilePath ||
      file.path === plan.dockerfilePath ||
      globalInputs.includes(file.path) ||
      !file.ignored,
  );
  let lockfileChanges: ImporterChange[] | undefined;
  let unreadableBase: string | undefined;
  if (change.files.some((file) => file.path === lockfilePath)) {
    // A base lockfile that cannot be read (a merge conflict committed there, or a format this
    // tool does not read, after a pnpm upgrade) says nothing about what changed: every app is
    // affected, as with a deleted one. History cannot be fixed; the selection errs on building.
    let unreadable: string | undefined;
    let before: Lockfile | undefined;
    try {
      before =
        change.baseLockfile === undefined
          ? undefined
          : parseLockfile(
              change.baseLockfile,
              `${lockfilePath} at ${change.baseRef}`,
              change.baseLockfileDocument,
            );
    } catch (error) {
      if (!(error instanceof BuildImagesError)) throw error;
      unreadable = error.message;
      unreadableBase = unreadable;
    }
    lockfileChanges = [];
    if (!lockfile || unreadable !== undefined) {
      // Deleted: every install would fail or change, so every app is affected, loudly.
      for (const app of plan.apps)
        lockfileChanges.push({
          importer: app.dir,
          description:
            unreadable === undefined
              ? `${lockfilePath} was removed since ${change.baseRef}`
              : `${lockfilePath} at ${change.baseRef} cannot be read, so every app counts as changed`,
        });
    } else {
      // An app is affected when a slice it installs from differs: its bytes are what the build
      // receives. A change only to packages no slice keeps (another platform's optional
      // binaries) affects none; the resolution changes of its importers describe why.
      const importerChanges = diffLockfileImporters(before, lockfile);
      const sliceOf = (from: Lockfile | undefined, importers: string[]) => {
        try {
          return from && sliceLockfile(from, importers, inputs.rootManifest).lockfile;
        } catch (error) {
          // A lockfile without the app's importers: the slice is missing on that side.
          if (!(error instanceof BuildImagesError)) throw error;
          return undefined;
        }
      };
      // Its own slice, and those of the package stages it builds.
      const differs = ({ importers }: { importers: string[] }) =>
        sliceOf(before, importers) !== sliceOf(lockfile, importers);
      for (const app of plan.apps) {
        if (!appSlices(plan, app).some(differs)) continue;
        const importers = new Set(['.', ...appImporters(app)]);
        const described = [...importerChanges].filter(([importer]) => importers.has(importer));
        for (const [importer, changes] of described)
          for (const entry of changes)
            lockfileChanges.push({
              importer,
              description: describeLockfileChange(entry),
              app: app.name,
            });
        if (described.length === 0)
          lockfileChanges.push({
            importer: app.dir,
            description: 'lockfile slice changed',
            app: app.name,
          });
      }
    }
  }
  // The Dockerfile committed at the base against the one this run builds with. Without a
  // committed one there is nothing to compare: the file follows from the manifests, and
  // those are compared already.
  const changedStages =
    change.baseDockerfile === undefined || change.baseDockerfile === dockerfile
      ? undefined
      : diffDockerfileStages(change.baseDockerfile, dockerfile);
  const affected = selectAffectedApps(plan, {
    changedFiles: relevant,
    packages: inputs.workspace.packages
      .filter((pkg) => pkg.dir !== '.')
      .map((pkg) => ({ name: pkg.name, dir: pkg.dir })),
    globalInputs,
    lockfilePath,
    lockfileChanges,
    changedDockerfileStages: changedStages && changedStages.size > 0 ? changedStages : undefined,
  });
  // A combined image is affected when one of its apps is.
  for (const image of plan.combined) {
    const reasons = affected
      .filter((entry) => image.apps.includes(entry.app) && entry.selected)
      .map((entry) => `app ${entry.app} affected`);
    affected.push({ app: image.name, selected: reasons.length > 0, reasons });
  }
  return {
    selections: affected.map((selection) => ({
      ...selection,
      selected: selection.selected && named(selection.app),
    })),
    change: { baseRef: change.baseRef, mergeBase: change.mergeBase, files: change.files.length },
    ...(unreadableBase === undefined
      ? {}
      : {
          warnings: [
            {
              kind: 'lockfile-missing' as const,
              file: lockfilePath,
              package: undefined,
              message: `${lockfilePath} at ${change.baseRef} cannot be read (${unreadableBase}): every app counts as changed`,
            },
          ],
        }),
  };
}

/** `{sha}`, `{shortSha}`, `{branch}` and `{date}`, checked only when a template uses them. */
function sourceTagValues(
  templates: readonly string[],
  source: SourceInputs,
): Record<string, string> {
  const uses = (name: string) => templates.some((template) => template.includes(`{${name}}`));
  const values: Record<string, string> = {};
  if (uses('sha') || uses('shortSha')) {
    if (source.head === undefined) {
      throw new BuildImagesError(
        'USAGE',
        'A tag uses {sha} or {shortSha}, but the workspace is not a git checkout with a commit',
        { hint: 'Use {digest} or {version} instead, or commit first.' },
      );
    }
    values['sha'] = source.head;
    values['shortSha'] = source.head.slice(0, 7);
  }
  if (uses('branch')) {
    // A tag is [A-Za-z0-9_.-]{1,128} and starts with neither "." nor "-".
    values['branch'] =
      (source.branch ?? 'detached')
        .replace(/[^A-Za-z0-9_.-]+/g, '-')
        .replace(/^[.-]+/, '')
        .slice(0, 100) || 'branch';
  }
  if (uses('date') && source.date !== undefined) values['date'] = source.date;
  return values;
}

/** The settings as every build and `generate` write them: under the header that marks the file generated. */
function withNpmrcHeader(parts: NpmrcParts): NpmrcParts {
  return { ...parts, settings: `${npmrcHeader}\n${parts.settings}` };
}
