import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  BuildImagesError,
  appStageNames,
  computeInputsDigest,
  createWorkspaceGraph,
  defaultBundleImage,
  defaultNodeImage,
  defaultRenderOptions,
  describeLockfileChange,
  imageMembers,
  diffDockerfileStages,
  diffLockfileImporters,
  lockfileSliceDigest,
  digestFiles,
  parseLockfile,
  planBuilds,
  renderAppTags,
  renderDockerfile,
  selectAffectedApps,
  shardApps,
  shortDigest,
  splitDockerfileStages,
  withTags,
  type AppName,
  type AppSelection,
  type BuildPlan,
  type ImporterChange,
  type Lockfile,
  type ToolConfig,
} from '@build-images/core';
import {
  getChangedFiles,
  git,
  hashFiles,
  listContextFiles,
  readDockerignore,
  readFileAtCommit,
  readWorkspace,
  type ChangedFiles,
} from '@build-images/workspace';
import type { CliOptions } from './cli-options.js';

/** Files whose change affects every app, besides those given with --global-input. */
export const defaultGlobalInputs = [
  'package.json',
  'pnpm-workspace.yaml',
  '.npmrc',
  '.dockerignore',
  'build-images.config.json',
];
const lockfilePath = 'pnpm-lock.yaml';

export interface PreparedPlan {
  root: string;
  plan: BuildPlan;
  dockerfile: string;
  baseImage: string;
  /** One per app of the plan, in its order. */
  selections: AppSelection[];
  /** The apps to build, in order. */
  selected: AppName[];
  /** Per app, the files below its workspace packages that its build context holds. */
  packageFiles(name: AppName): Promise<string[]>;
  digests: Map<AppName, string> | undefined;
  change:
    | (Pick<ChangedFiles, 'baseRef' | 'mergeBase'> & { files: number })
    | { fallback: string }
    | undefined;
}

/**
 * The I/O facade of planning: reads the workspace, git and the lockfile, then hands plain
 * data to the pure functions of @build-images/core. Computes digests only when asked for.
 */
export async function preparePlan(
  options: CliOptions,
  root: string,
  config: { config: ToolConfig; file: string },
  env: NodeJS.ProcessEnv,
  wantDigests: boolean,
): Promise<PreparedPlan> {
  const workspace = await readWorkspace(root);
  const { graph, problems } = createWorkspaceGraph(workspace.packages, {
    linkWorkspacePackages: workspace.linkWorkspacePackages,
  });
  let plan = planBuilds(workspace, graph, problems, {
    appPatterns: options.appPatterns,
    only: options.apps,
    dockerfilePath: options.dockerfile,
    combined: config.config.combined,
    configFile: config.file,
  });
  const dockerfile = renderDockerfile(plan, defaultRenderOptions);
  const baseImage = options.baseImage ?? defaultNodeImage;
  const ignores = await readDockerignore(root);

  const filesByDir = new Map<string, Promise<string[]>>();
  const filesOf = (dir: string) => {
    let files = filesByDir.get(dir);
    if (!files) filesByDir.set(dir, (files = listContextFiles(root, [dir], ignores)));
    return files;
  };
  // Listed when a build asks for them: planning needs only the per-package digests.
  const packageFiles = async (name: AppName) => {
    const dirs = new Set(
      imageMembers(plan, name).flatMap((app) => app.packages.map((pkg) => pkg.dir)),
    );
    return [...new Set((await Promise.all([...dirs].map(filesOf))).flat())].sort();
  };

  let lockfile: Lockfile | undefined;
  const lockfileText = await readFile(path.join(root, lockfilePath), 'utf8').catch(() => undefined);
  if (lockfileText !== undefined) lockfile = parseLockfile(lockfileText, lockfilePath);

  // Change detection.
  let selections: AppSelection[] = imageNames(plan).map((name) => ({
    app: name,
    selected: plan.selected.includes(name),
    reasons: plan.selected.includes(name)
      ? [options.apps.length > 0 ? 'named on the command line' : 'every app (no --changed)']
      : [],
  }));
  let change: PreparedPlan['change'];
  if (options.changed !== undefined) {
    let changed: ChangedFiles | undefined;
    try {
      changed = await getChangedFiles(root, { ref: options.changed, env });
    } catch (error) {
      const baseMissing =
        error instanceof BuildImagesError &&
        (error.code === 'GIT_REF_NOT_FOUND' || error.code === 'GIT_NO_MERGE_BASE');
      if (!baseMissing || options.changedFallback !== 'all') throw error;
      change = { fallback: error.message };
      selections = selections.map((selection) => ({
        ...selection,
        reasons: selection.selected ? [`--changed-fallback=all: ${error.message}`] : [],
      }));
    }
    if (changed) {
      change = {
        baseRef: changed.baseRef,
        mergeBase: changed.mergeBase,
        files: changed.files.length,
      };
      const globalInputs = [...defaultGlobalInputs, ...options.globalInputs];
      // A file .dockerignore keeps out of every build cannot change an image.
      const relevant = changed.files.filter(
        (file) =>
          file.path === lockfilePath ||
          file.path === plan.dockerfilePath ||
          globalInputs.includes(file.path) ||
          !ignores(file.path),
      );
      let lockfileChanges: ImporterChange[] | undefined;
      if (changed.files.some((file) => file.path === lockfilePath)) {
        const before = await readFileAtCommit(root, changed.mergeBase, lockfilePath);
        const beforeLockfile =
          before === undefined
            ? undefined
            : parseLockfile(before, `${lockfilePath} at ${changed.baseRef}`);
        lockfileChanges = [];
        if (lockfile) {
          for (const [importer, changes] of diffLockfileImporters(beforeLockfile, lockfile)) {
            for (const entry of changes)
              lockfileChanges.push({ importer, description: describeLockfileChange(entry) });
          }
        }
      }
      // The Dockerfile committed at the base against the one this run builds with. Without a
      // committed one there is nothing to compare: the file follows from the manifests, and
      // those are compared already.
      const baseDockerfile = await readFileAtCommit(root, changed.mergeBase, plan.dockerfilePath);
      const changedStages =
        baseDockerfile === undefined || baseDockerfile === dockerfile
          ? undefined
          : diffDockerfileStages(baseDockerfile, dockerfile);
      const affected = selectAffectedApps(plan, {
        changedFiles: relevant,
        packages: workspace.packages
          .filter((pkg) => pkg.dir !== '.')
          .map((pkg) => ({ name: pkg.name, dir: pkg.dir })),
        globalInputs,
        lockfilePath,
        lockfileChanges,
        changedDockerfileStages:
          changedStages && changedStages.size > 0 ? changedStages : undefined,
      });
      // A combined image is affected when one of its apps is.
      for (const image of plan.combined) {
        const reasons = affected
          .filter((entry) => image.apps.includes(entry.app) && entry.selected)
          .map((entry) => `app ${entry.app} affected`);
        affected.push({ app: image.name, selected: reasons.length > 0, reasons });
      }
      selections = affected.map((selection) => {
        const named = plan.selected.includes(selection.app);
        return { ...selection, selected: selection.selected && named };
      });
    }
  }

  let selected = plan.selected.filter(
    (name) => selections.find((selection) => selection.app === name)?.selected,
  );
  // Combined images have no dev target.
  if (options.dev) selected = selected.filter((name) => plan.apps.some((app) => app.name === name));
  if (options.shard) {
    const inShard = new Set(shardApps(selected, options.shard));
    selected = selected.filter((name) => inShard.has(name));
  }

  let digests: Map<AppName, string> | undefined;
  if (wantDigests || options.tagTemplates.some((template) => template.includes('{digest}'))) {
    digests = new Map();
    const stages = splitDockerfileStages(dockerfile);
    const rootFiles = hashFiles(
      root,
      workspace.rootFiles.filter((file) => file !== lockfilePath),
    );
    // Each workspace package's files are hashed once, however many apps use it.
    const packageDigests = new Map<string, string>();
    const digestOfDir = async (dir: string) => {
      let digest = packageDigests.get(dir);
      if (digest === undefined)
        packageDigests.set(dir, (digest = digestFiles(hashFiles(root, await filesOf(dir)))));
      return digest;
    };
    // Only the images to build need an identity now; the others' inputs are not even read.
    for (const name of selected) {
      const members = imageMembers(plan, name);
      const dirs = [...new Set(members.flatMap((app) => app.packages.map((pkg) => pkg.dir)))];
      const stageNames = [...new Set([...members.flatMap(appStageNames), name])];
      const packages = new Map<string, string>();
      for (const dir of dirs) packages.set(dir, await digestOfDir(dir));
      digests.set(
        name,
        computeInputsDigest({
          baseImage,
          buildArgs: members.some((app) => app.kind === 'bundle')
            ? { BUNDLE_IMAGE: options.bundleImage ?? defaultBundleImage }
            : {},
          dockerfileStages: stageNames.map((stage) => stages.get(stage) ?? '').join('\n'),
          lockfileSlice: lockfile ? lockfileSliceDigest(lockfile, dirs) : '',
          rootFiles,
          packages,
        }),
      );
    }
  }

  const source = await sourceTagValues(root, options.tagTemplates, env);
  const tagValues = new Map<string, Record<string, string>>();
  // Images not selected have no digest computed: with a {digest} template they get no tags.
  const usesDigest = options.tagTemplates.some((template) => template.includes('{digest}'));
  for (const name of imageNames(plan)) {
    if (usesDigest && !digests?.has(name)) continue;
    const single = plan.apps.find((app) => app.name === name);
    tagValues.set(name, {
      // Dev targets are images of their own: `{app}` is `<app>-dev` there.
      app: options.dev ? `${name}-dev` : name,
      ...source,
      ...(digests?.has(name) ? { digest: shortDigest(digests.get(name)!) } : {}),
      ...(single?.version ? { version: single.version } : {}),
    });
  }
  const templates = options.tagTemplates.map((template) =>
    options.registry ? `${options.registry}/${template}` : template,
  );
  plan = withTags(plan, renderAppTags(templates, tagValues));
  return { root, plan, dockerfile, baseImage, selections, selected, packageFiles, digests, change };
}

/** Every image the plan can build: the apps, then the combined images. */
export function imageNames(plan: BuildPlan): AppName[] {
  return [...plan.apps.map((app) => app.name), ...plan.combined.map((image) => image.name)];
}

/** `{sha}`, `{shortSha}`, `{branch}` and `{date}`, read only when a template uses them. */
async function sourceTagValues(
  root: string,
  templates: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<Record<string, string>> {
  const uses = (name: string) => templates.some((template) => template.includes(`{${name}}`));
  const values: Record<string, string> = {};
  if (uses('sha') || uses('shortSha')) {
    const head = await git(root, ['rev-parse', 'HEAD']).catch(() => undefined);
    if (head?.code !== 0) {
      throw new BuildImagesError(
        'USAGE',
        'A tag uses {sha} or {shortSha}, but the workspace is not a git checkout with a commit',
        { hint: 'Use {digest} or {version} instead, or commit first.' },
      );
    }
    values['sha'] = head.stdout.trim();
    values['shortSha'] = values['sha'].slice(0, 7);
  }
  if (uses('branch')) {
    // CI checkouts are often detached: their variables name the branch.
    let branch =
      env['GITHUB_HEAD_REF'] || env['GITHUB_REF_NAME'] || env['CI_COMMIT_REF_NAME'] || '';
    if (!branch) {
      const current = await git(root, ['rev-parse', '--abbrev-ref', 'HEAD']).catch(() => undefined);
      branch =
        current?.code === 0 && current.stdout.trim() !== 'HEAD'
          ? current.stdout.trim()
          : 'detached';
    }
    // A tag is [A-Za-z0-9_.-]{1,128} and starts with neither "." nor "-".
    values['branch'] =
      branch
        .replace(/[^A-Za-z0-9_.-]+/g, '-')
        .replace(/^[.-]+/, '')
        .slice(0, 100) || 'branch';
  }
  if (uses('date')) {
    const epoch = env['SOURCE_DATE_EPOCH'] ? Number(env['SOURCE_DATE_EPOCH']) * 1000 : Date.now();
    values['date'] = new Date(epoch).toISOString().slice(0, 10).replaceAll('-', '');
  }
  return values;
}
