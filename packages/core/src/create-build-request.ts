import type { ImageBuildRequest } from './image-builder.js';
import type { AppPlan, BuildPlan } from './plan-builds.js';

export interface BuildRequestOptions {
  /** Absolute workspace root. */
  root: string;
  /** Overrides the Dockerfile's default base image (the NODE_IMAGE build argument). */
  nodeImage: string | undefined;
  /** The files below the app's workspace packages that the context holds (after .dockerignore). */
  packageFiles: readonly string[];
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
      files: [...new Set([...plan.rootFiles, plan.dockerfilePath, ...options.packageFiles])].sort(),
    },
    buildArgs: options.nodeImage === undefined ? {} : { NODE_IMAGE: options.nodeImage },
    // Labels go on the build call, not into the Dockerfile, so they never break the cache.
    labels: {
      'org.opencontainers.image.title': app.name,
      'build-images.app': app.packageName,
    },
  };
}
