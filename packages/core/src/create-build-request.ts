import { BuildImagesError } from './build-images-error.js';
import type { ImageBuildRequest } from './image-builder.js';
import { parseImageReference } from './image-name.js';
import { imageMembers, type AppPlan, type BuildPlan } from './plan-builds.js';
import {
  lockfileSlicePath,
  npmrcSettingsPath,
  sliceRootManifestPath,
  supervisorPath,
} from './render-dockerfile.js';
import { appSlices, appStageNames } from './select-affected-apps.js';
import { supervisorSource } from './supervisor-source.js';
import type { AppName } from './types.js';

export interface BuildRequestOptions {
  /** Absolute workspace root. */
  root: string;
  /** Overrides the Dockerfile's default base image (the NODE_IMAGE build argument). */
  nodeImage: string | undefined;
  /** The files below the image's workspace packages that the context holds (after .dockerignore). */
  packageFiles: readonly string[];
  /** The workspace `.npmrc` without credentials (see splitNpmrc); undefined without one. */
  npmrcSettings?: string;
  /** Each member app's slice of pnpm-lock.yaml, with the root manifest to install it with. */
  lockfileSlices: ReadonlyMap<string, { lockfile: string; rootManifest: string }>;
  /** Extra build arguments (e.g. BUNDLE_IMAGE). */
  buildArgs: Readonly<Record<string, string>>;
  /** OCI labels describing the source (revision, source URL). */
  labels: Readonly<Record<string, string>>;
  /** Pushed images whose inline cache the build may reuse, already rendered for this image. */
  cacheFrom?: readonly string[];
  /** Store the build cache in the image (BUILDKIT_INLINE_CACHE=1), so it can serve a later cacheFrom. */
  inlineCache?: boolean;
}

/**
 * Renders `--cache-from` references for one image: `{app}` becomes its name (`<app>-dev` for
 * dev targets); any other placeholder, or a reference that is not one, is an error.
 */
export function renderCacheFrom(templates: readonly string[], imageName: string): string[] {
  return templates.map((template) => {
    const ref = template.replace(/\{([^{}]*)\}/g, (placeholder, name: string) => {
      if (name !== 'app')
        throw new BuildImagesError(
          'USAGE',
          `${placeholder} is not known in a --cache-from reference: only {app} is`,
        );
      return imageName;
    });
    parseImageReference(ref);
    return ref;
  });
}

/**
 * The stages of an app's target whose layers its image does not hold, so that its inline cache
 * cannot give them back on a runner without build cache: the package stages it builds, its
 * install, build and production stages (`pnpm` is in each of their chains, `base` in the image).
 */
export function stageCacheTargets(plan: BuildPlan, app: AppPlan): string[] {
  return appStageNames(plan, app).filter(
    (stage) => stage !== '' && stage !== 'base' && stage !== 'pnpm' && stage !== app.name,
  );
}

/** Where --cache-to puts a stage's cache and --cache-from looks for it: `<name>:<tag>-<stage>`. */
export function stageCacheReference(reference: string, stage: string): string {
  const parsed = parseImageReference(reference);
  const tag = `${parsed.tag ?? 'latest'}-${stage}`;
  if (tag.length > 128)
    throw new BuildImagesError(
      'USAGE',
      `The stage cache tag "${tag}" of ${reference} is ${tag.length} characters long; at most 128 are allowed`,
      { hint: 'Use a shorter tag in --cache-to and --cache-from.' },
    );
  const stageReference = `${parsed.name}:${tag}`;
  parseImageReference(stageReference);
  return stageReference;
}

/**
 * The request for one app's build: its target and tags, and a context of exactly the
 * files its target reads (root manifests, the Dockerfile, its workspace closure).
 */
export function createBuildRequest(
  plan: BuildPlan,
  name: string,
  options: BuildRequestOptions,
): ImageBuildRequest {
  const members = imageMembers(plan, name);
  const combined = plan.combined.find((image) => image.name === name);
  // Each member's slice, and those of the package stages its target builds.
  const slices = [
    ...new Set(members.flatMap((app) => appSlices(plan, app).map((slice) => slice.name))),
  ];
  const generated = slices.flatMap((slice) => [
    {
      path: lockfileSlicePath(plan, slice),
      content: options.lockfileSlices.get(slice)?.lockfile ?? '',
    },
    {
      path: sliceRootManifestPath(plan, slice),
      content: options.lockfileSlices.get(slice)?.rootManifest ?? '',
    },
  ]);
  if (combined) generated.push({ path: supervisorPath, content: supervisorSource });
  if (options.npmrcSettings !== undefined)
    generated.push({ path: npmrcSettingsPath(plan), content: options.npmrcSettings });
  const single = members.length === 1 ? members[0] : undefined;
  return {
    app: name as AppName,
    target: name,
    tags: [...(combined?.tags ?? single?.tags ?? [])],
    dockerfile: plan.dockerfilePath,
    context: {
      root: options.root,
      files: [
        ...new Set([
          // The .npmrc itself never: it may hold credentials (its settings are generated above).
          ...plan.rootFiles.filter(
            (file) => file !== 'pnpm-lock.yaml' && file !== 'package.json' && file !== '.npmrc',
          ),
          plan.dockerfilePath,
          // Folder inputs (`lexicons/`) come as their files, with the packages' files.
          ...members.flatMap((app) => app.buildInputs).filter((input) => !input.endsWith('/')),
          ...options.packageFiles,
        ]),
      ].sort(),
      generated,
    },
    buildArgs: {
      ...(options.nodeImage === undefined ? {} : { NODE_IMAGE: options.nodeImage }),
      ...options.buildArgs,
      // BuildKit reads this argument itself; no Dockerfile ARG uses it, so it changes no step's cache key.
      ...(options.inlineCache ? { BUILDKIT_INLINE_CACHE: '1' } : {}),
    },
    ...(options.cacheFrom && options.cacheFrom.length > 0
      ? { cacheFrom: [...options.cacheFrom] }
      : {}),
    // Labels go on the build call, not into the Dockerfile, so they never break the cache.
    labels: {
      'org.opencontainers.image.title': name,
      ...(single?.version ? { 'org.opencontainers.image.version': single.version } : {}),
      ...options.labels,
      'build-images.app': single?.packageName ?? members.map((app) => app.packageName).join(','),
    },
  };
}
