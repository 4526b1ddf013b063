import type { AppName } from './types.js';

/** Everything one app's image build needs; plain data, computed by the plan. */
export interface ImageBuildRequest {
  app: AppName;
  target: string;
  tags: string[];
  /** Dockerfile path relative to the workspace root. */
  dockerfile: string;
  context: {
    /** Absolute workspace root. */
    root: string;
    /** Every file the build reads, relative to the root. */
    files: string[];
    /** Files made for this build (the app's lockfile slice), added to the context as if on disk. */
    generated: { path: string; content: string }[];
  };
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** Pushed images (with inline cache) whose build cache BuildKit may import. */
  cacheFrom?: string[];
  /**
   * --cache-to: after the image, build each of these intermediate stages of its target (all
   * cached by then) with inline cache and push it under its tag, for a fresh runner's cacheFrom.
   */
  stageCaches?: { target: string; tag: string }[];
}

/** What a build looks like while it runs, as BuildKit reports it. */
export interface BuildProgress {
  /** Steps (BuildKit vertexes) seen so far, finished ones, and the cached ones among them. */
  steps: number;
  stepsDone: number;
  stepsCached: number;
  /** The step running now, e.g. `[api-build 3/5] RUN pnpm --filter … run build`. */
  current: string | undefined;
  /** The last line a running step printed. */
  lastLog: string | undefined;
}

/** One BuildKit step (vertex) of a finished build. */
export interface BuildStep {
  name: string;
  cached: boolean;
  /** Milliseconds since the epoch, as the engine reported them. */
  started: number | undefined;
  completed: number | undefined;
  error: string | undefined;
}

export interface ImageBuildResult {
  imageId: string;
  progress: BuildProgress;
  steps: BuildStep[];
  contextBytes: number;
}

/** A build the engine ran and reported as failed (in the response stream). */
export class ImageBuildFailure extends Error {
  override readonly name = 'ImageBuildFailure';
  constructor(
    /** The engine's own error text. */
    message: string,
    /** The last lines the failing step printed. */
    readonly logTail: readonly string[],
    readonly progress: BuildProgress | undefined,
    /** Every step seen up to the failure, the failing one with its `error`. */
    readonly steps: readonly BuildStep[] = [],
  ) {
    super(message);
  }
}

/** The port the runner builds through; the Docker adapter implements it. */
export interface ImageBuilder {
  build(
    request: ImageBuildRequest,
    hooks: { signal?: AbortSignal; onProgress?: (progress: BuildProgress) => void },
  ): Promise<ImageBuildResult>;
}
