import pLimit from 'p-limit';
import {
  ImageBuildFailure,
  type AppName,
  type BuildProgress,
  type BuildStep,
  type ImageBuilder,
  type ImageBuildRequest,
} from '@build-images/core';

/** BuildKit's scheduler failing a build it should not have (see buildRetryingEngineRaces). */
const schedulerRace = /buildkit scheduler error: [^.\n]*/i;

/**
 * The containerd image store losing a snapshot to a concurrent export of images sharing layers
 * (Engine 28: "failed to prepare extraction snapshot …: parent snapshot sha256:… does not
 * exist: not found"), seen once in CI with three apps sharing a compiled package.
 */
const imageStoreRace =
  /failed to prepare extraction snapshot|parent snapshot \S+ does not exist|snapshot \S+ already exists/i;

/** What of an engine's error says it lost a race of parallel builds, with the issue to read; else undefined. */
export function engineRaceOf(message: string): string | undefined {
  const scheduler = schedulerRace.exec(message)?.[0];
  if (scheduler !== undefined)
    return `BuildKit's scheduler failed the build ("${scheduler.replace(/^buildkit scheduler error: /i, '')}", a race of parallel builds, moby/buildkit#4278)`;
  if (imageStoreRace.test(message))
    return "the image store lost a snapshot to a parallel build's export (containerd image store)";
  return undefined;
}

/** The steps of a build tried more than once: the last attempt's, run where any attempt ran them. */
export function mergeAttemptSteps(attempts: readonly (readonly BuildStep[])[]): BuildStep[] {
  const ran = new Set(
    attempts.flatMap((steps) => steps.filter((step) => !step.cached).map((step) => step.name)),
  );
  return (attempts.at(-1) ?? []).map((step) =>
    step.cached && ran.has(step.name) ? { ...step, cached: false } : step,
  );
}

/**
 * `cached`: built, but every step of the Dockerfile came from the build cache.
 * `up-to-date`: the registry already had the image of these inputs; nothing was built.
 */
export type AppStatus =
  'built' | 'cached' | 'pushed' | 'up-to-date' | 'failed' | 'cancelled' | 'skipped';

/** The statuses of an app whose image is there as asked. */
export const successfulStatuses: readonly AppStatus[] = ['built', 'cached', 'pushed', 'up-to-date'];

/**
 * Whether every Dockerfile step came from the cache. BuildKit's own `[internal] …` steps and
 * the `FROM` of each stage (resolved, never reported cached) do not count.
 */
function fullyCached(steps: readonly BuildStep[]): boolean {
  const own = steps.filter((step) => /^\[(?!internal\])[^\]]+\] (?!FROM )/.test(step.name));
  return own.length > 0 && own.every((step) => step.cached);
}

/** A tag as it is in the registry after the run. */
export interface PublishedTag {
  tag: string;
  /** The manifest digest in the registry. */
  digest: string;
}

export interface AppResult {
  app: AppName;
  status: AppStatus;
  tags: string[];
  imageId: string | undefined;
  durationMs: number;
  /** For failed, cancelled and skipped apps: why, in the engine's words where it gave some. */
  error: string | undefined;
  logTail: readonly string[];
  progress: BuildProgress | undefined;
  steps: BuildStep[];
  contextBytes: number | undefined;
  published: PublishedTag[];
}

/** Registry work around each build, run under a limiter of its own. */
export interface Publisher {
  /** Before building: the tags, when the registry already has this image (then nothing is built). */
  findExisting?(
    request: ImageBuildRequest,
    signal: AbortSignal,
  ): Promise<PublishedTag[] | undefined>;
  /** After a successful build: push every tag. */
  publish(request: ImageBuildRequest, signal: AbortSignal): Promise<PublishedTag[]>;
}

export interface RunEvents {
  onStart?(app: AppName): void;
  /** A build that failed for a reason of the engine's own is started again. */
  onRetry?(app: AppName, reason: string): void;
  onProgress?(app: AppName, progress: BuildProgress): void;
  onFinish?(result: AppResult): void;
}

export interface RunOptions {
  concurrency: number;
  /** Stop at the first failure: cancel running builds, skip queued ones. */
  bail: boolean;
  signal?: AbortSignal;
  events?: RunEvents;
  now?: () => number;
  publisher?: Publisher;
  /** Pushes at once (default 2). */
  publishConcurrency?: number;
}

/**
 * Builds every request through `builder`, at most `concurrency` at once. One app's
 * failure does not stop the others unless `bail` is set; every app gets a result.
 */
export async function runBuilds(
  requests: readonly ImageBuildRequest[],
  builder: ImageBuilder,
  options: RunOptions,
): Promise<AppResult[]> {
  const now = options.now ?? Date.now;
  const limit = pLimit(Math.max(1, options.concurrency));
  // Pushes have their own limit: the network, not the builder, is their resource.
  const publishLimit = pLimit(Math.max(1, options.publishConcurrency ?? 2));
  const publisher = options.publisher;
  const stop = new AbortController();
  const external = options.signal;
  const onExternalAbort = () => stop.abort(external?.reason);
  if (external?.aborted) stop.abort(external.reason);
  external?.addEventListener('abort', onExternalAbort, { once: true });
  let bailedBecause: AppName | undefined;

  const buildOne = async (request: ImageBuildRequest): Promise<AppResult> => {
    const base = {
      app: request.app,
      tags: request.tags,
      imageId: undefined,
      logTail: [],
      progress: undefined,
      steps: [],
      contextBytes: undefined,
      published: [],
    };
    if (stop.signal.aborted) {
      const result: AppResult = bailedBecause
        ? {
            ...base,
            status: 'skipped',
            durationMs: 0,
            error: `not started: --bail after ${bailedBecause} failed`,
          }
        : {
            ...base,
            status: 'cancelled',
            durationMs: 0,
            error: 'not started: the run was interrupted',
          };
      options.events?.onFinish?.(result);
      return result;
    }
    const started = now();
    options.events?.onStart?.(request.app);
    let result: AppResult;
    try {
      const existing = await publisher?.findExisting?.(request, stop.signal);
      if (existing) {
        result = {
          ...base,
          status: 'up-to-date',
          durationMs: now() - started,
          error: undefined,
          published: existing,
        };
        options.events?.onFinish?.(result);
        return result;
      }
      const built = await buildRetryingEngineRaces(request);
      const published = publisher
        ? await publishLimit(() => publisher.publish(request, stop.signal))
        : [];
      // --cache-to: each intermediate stage, cached by now, as an image of its own with inline
      // cache, pushed where a fresh runner's --cache-from finds it.
      for (const stage of publisher ? (request.stageCaches ?? []) : []) {
        const stageRequest: ImageBuildRequest = {
          ...request,
          target: stage.target,
          tags: [stage.tag],
          stageCaches: [],
        };
        await buildRetryingEngineRaces(stageRequest);
        await publishLimit(() => publisher!.publish(stageRequest, stop.signal));
      }
      result = {
        ...base,
        status: publisher ? 'pushed' : fullyCached(built.steps) ? 'cached' : 'built',
        imageId: built.imageId,
        durationMs: now() - started,
        error: undefined,
        progress: built.progress,
        steps: built.steps,
        contextBytes: built.contextBytes,
        published,
      };
    } catch (error) {
      const durationMs = now() - started;
      if (stop.signal.aborted && !(error instanceof ImageBuildFailure)) {
        result = {
          ...base,
          status: 'cancelled',
          durationMs,
          error: bailedBecause
            ? `cancelled: --bail after ${bailedBecause} failed`
            : 'cancelled: the run was interrupted',
        };
      } else {
        const failure = error instanceof ImageBuildFailure ? error : undefined;
        result = {
          ...base,
          status: 'failed',
          durationMs,
          error: error instanceof Error ? error.message : String(error),
          logTail: failure?.logTail ?? [],
          progress: failure?.progress,
          steps: failure ? [...failure.steps] : [],
        };
        if (options.bail && !stop.signal.aborted) {
          bailedBecause = request.app;
          stop.abort(new Error(`--bail: ${request.app} failed`));
        }
      }
    }
    options.events?.onFinish?.(result);
    return result;
  };

  /**
   * The build, started again (at most twice more) when BuildKit fails it with an error of its
   * scheduler: a race of parallel builds sharing steps in the BuildKit of older engines
   * (moby/buildkit#4278, Engine 20.10), not a fault of the build. The rerun finds what the
   * failed one finished in the cache.
   */
  const buildRetryingEngineRaces = async (request: ImageBuildRequest) => {
    const earlier: BuildStep[][] = [];
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await builder.build(request, {
          signal: stop.signal,
          onProgress: (progress) => options.events?.onProgress?.(request.app, progress),
        });
        // A step an earlier attempt ran counts as run, though the rerun found it cached.
        return earlier.length === 0
          ? result
          : { ...result, steps: mergeAttemptSteps([...earlier, result.steps]) };
      } catch (error) {
        const race = error instanceof ImageBuildFailure && engineRaceOf(error.message);
        if (!race || attempt >= 3 || stop.signal.aborted) throw error;
        earlier.push([...error.steps]);
        // Worded without "error:": the run recovers, and CI logs grep for that word.
        options.events?.onRetry?.(request.app, `${race}; building ${request.target} again`);
      }
    }
  };

  try {
    return await Promise.all(requests.map((request) => limit(() => buildOne(request))));
  } finally {
    external?.removeEventListener('abort', onExternalAbort);
  }
}

/** `2 built, 1 failed` — the counts of each status, in a fixed order, zeros left out. */
export function summarizeResults(results: readonly AppResult[]): string {
  const order: AppStatus[] = [
    'built',
    'cached',
    'pushed',
    'up-to-date',
    'failed',
    'cancelled',
    'skipped',
  ];
  const parts = order
    .map((status) => [status, results.filter((result) => result.status === status).length] as const)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status.replaceAll('-', ' ')}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing to build';
}
