import type { ImageBuildRequest } from './image-builder.js';
import { imageMembers, type BuildPlan } from './plan-builds.js';
import { lockfileSlicePath, sliceRootManifestPath, supervisorPath } from './render-dockerfile.js';
import { supervisorSource } from './supervisor-source.js';
import type { AppName } from './types.js';

export interface BuildRequestOptions {
  /** Absolute workspace root. */
  root: string;
  /** Overrides the Dockerfile's default base image (the NODE_IMAGE build argument). */
  nodeImage: string | undefined;
  /** The files below the image's workspace packages that the context holds (after .dockerignore). */
  packageFiles: readonly string[];
  /** Each member app's slice of pnpm-lock.yaml, with the root manifest to install it with. */
  lockfileSlices: ReadonlyMap<string, { lockfile: string; rootManifest: string }>;
  /** Extra build arguments (e.g. BUNDLE_IMAGE). */
  buildArgs: Readonly<Record<string, string>>;
  /** OCI labels describing the source (revision, source URL). */
  labels: Readonly<Record<string, string>>;
}

/**
 * The request for one app's build: its target and tags, and a context of exactly the
 * files its target reads (root manifests, the Dockerfile, its workspace closure).
 */
export function createBuildRequest(plan: BuildPlan, name: string, options: BuildRequestOptions): ImageBuildRequest {
  const members = imageMembers(plan, name);
  const combined = plan.combined.find((image) => image.name === name);
  const generated = members.flatMap((app) => [
    { path: lockfileSlicePath(plan, app), content: options.lockfileSlices.get(app.name)?.lockfile ?? '' },
    { path: sliceRootManifestPath(plan, app), content: options.lockfileSlices.get(app.name)?.rootManifest ?? '' },
  ]);
  if (combined) generated.push({ path: supervisorPath, content: supervisorSource });
  const single = members.length === 1 ? members[0] : undefined;
  return {
    app: name as AppName,
    target: name,
    tags: [...(combined?.tags ?? single?.tags ?? [])],
    dockerfile: plan.dockerfilePath,
    context: {
      root: options.root,
      files: [...new Set([...plan.rootFiles.filter((file) => file !== 'pnpm-lock.yaml' && file !== 'package.json'), plan.dockerfilePath, ...options.packageFiles])].sort(),
      generated,
    },
    buildArgs: { ...(options.nodeImage === undefined ? {} : { NODE_IMAGE: options.nodeImage }), ...options.buildArgs },
    // Labels go on the build call, not into the Dockerfile, so they never break the cache.
    labels: {
      'org.opencontainers.image.title': name,
      ...(single?.version ? { 'org.opencontainers.image.version': single.version } : {}),
      ...options.labels,
      'build-images.app': single?.packageName ?? members.map((app) => app.packageName).join(','),
    },
  };
}
