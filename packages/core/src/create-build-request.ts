import type { ImageBuildRequest } from './image-builder.js';
import type { AppPlan, BuildPlan } from './plan-builds.js';
import { lockfileSlicePath } from './render-dockerfile.js';

export interface BuildRequestOptions {
  /** Absolute workspace root. */
  root: string;
  /** Overrides the Dockerfile's default base image (the NODE_IMAGE build argument). */
  nodeImage: string | undefined;
  /** The files below the app's workspace packages that the context holds (after .dockerignore). */
  packageFiles: readonly string[];
  /** The app's slice of pnpm-lock.yaml. */
  lockfileSlice: string;
}

/**
 * The request for one app's build: its target and tags, and a context of exactly the
 * files its target reads (root manifests, the Dockerfile, its workspace closure).
 */
export function createBuildRequest(plan: BuildPlan, app: AppPlan, options: BuildRequestOptions): ImageBuildRequest {
  return {
    app: app.name,
    target: app.name,
    tags: [...app.tags],
    dockerfile: plan.dockerfilePath,
    context: {
      root: options.root,
      files: [...new Set([...plan.rootFiles.filter((file) => file !== 'pnpm-lock.yaml'), plan.dockerfilePath, ...options.packageFiles])].sort(),
      generated: [{ path: lockfileSlicePath(plan, app), content: options.lockfileSlice }],
    },
    buildArgs: options.nodeImage === undefined ? {} : { NODE_IMAGE: options.nodeImage },
    // Labels go on the build call, not into the Dockerfile, so they never break the cache.
    labels: {
      'org.opencontainers.image.title': app.name,
      'build-images.app': app.packageName,
    },
  };
}
