import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import {
  BuildImagesError,
  ImageBuildFailure,
  type BuildProgress,
  type BuildStep,
  type ImageBuilder,
  type ImageBuildRequest,
  type ImageBuildResult,
} from '@build-images/core';
import { packBuildContext } from './build-context.js';
import { decodeBuildkitTrace, type BuildkitStatus } from './buildkit-status.js';

const logTailLines = 30;

/**
 * The build call's options as the engine takes them. @types/dockerode types `t` as one
 * string and lacks `buildid`; the engine accepts several tags and a build id.
 */
type BuildQuery = Omit<Docker.ImageBuildOptions, 't'> & { t: string[]; buildid: string };

/** One line of the build endpoint's JSON stream; only the fields we read. */
interface BuildStreamMessage {
  id?: string;
  aux?: unknown;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Folds the build endpoint's response stream into a progress state and an outcome.
 * The engine reports a failed build inside a 200 response (an `error` line and no image
 * id), so success is decided here, from the stream, never from the HTTP status.
 */
export class BuildStreamState {
  private readonly vertexes = new Map<
    string,
    {
      name: string;
      cached: boolean;
      started: number | undefined;
      completed: number | undefined;
      error: string | undefined;
    }
  >();
  private readonly logs = new Map<string, string[]>();
  private lastLog: string | undefined;
  imageId: string | undefined;
  error: string | undefined;

  apply(message: BuildStreamMessage): void {
    if (message.error !== undefined || message.errorDetail !== undefined) {
      this.error = message.errorDetail?.message ?? message.error ?? 'unknown build error';
      return;
    }
    if (message.id === 'moby.buildkit.trace' && typeof message.aux === 'string') {
      this.applyStatus(decodeBuildkitTrace(message.aux));
      return;
    }
    if (message.id === 'moby.image.id' && typeof message.aux === 'object' && message.aux !== null) {
      const id = (message.aux as { ID?: unknown }).ID;
      if (typeof id === 'string') this.imageId = id;
    }
  }

  private applyStatus(status: BuildkitStatus): void {
    for (const vertex of status.vertexes) {
      const known = this.vertexes.get(vertex.digest);
      this.vertexes.set(vertex.digest, {
        name: vertex.name || known?.name || '',
        cached: vertex.cached || (known?.cached ?? false),
        started: vertex.started?.getTime() ?? known?.started,
        completed: vertex.completed?.getTime() ?? known?.completed,
        error: vertex.error || known?.error,
      });
    }
    for (const log of status.logs) {
      const lines = this.logs.get(log.vertex) ?? [];
      for (const line of Buffer.from(log.data).toString('utf8').split(/\r?\n/)) {
        if (line.trim() === '') continue;
        lines.push(line);
        this.lastLog = line;
      }
      this.logs.set(log.vertex, lines.slice(-logTailLines));
    }
  }

  progress(): BuildProgress {
    let stepsDone = 0;
    let stepsCached = 0;
    let current: string | undefined;
    for (const vertex of this.vertexes.values()) {
      if (vertex.completed !== undefined) stepsDone++;
      if (vertex.cached) stepsCached++;
      if (vertex.started !== undefined && vertex.completed === undefined) current = vertex.name;
    }
    return { steps: this.vertexes.size, stepsDone, stepsCached, current, lastLog: this.lastLog };
  }

  /** Every step seen, in the order the engine first reported them. */
  steps(): BuildStep[] {
    return [...this.vertexes.values()].map((vertex) => ({ ...vertex }));
  }

  /**
   * The log lines of the step that failed, or the last lines of any step. Steps running beside
   * it in other stages end with a cancellation error of their own: the step whose error is not
   * one is the cause.
   */
  failedLogTail(): string[] {
    const failed = [...this.vertexes].filter(([, vertex]) => vertex.error);
    const cause =
      failed.find(([, vertex]) => !/\bcancel(?:l?ed)?\b/i.test(vertex.error!)) ?? failed[0];
    if (cause) return [`${cause[1].name}:`, ...(this.logs.get(cause[0]) ?? [])];
    return [...this.logs.values()].at(-1) ?? [];
  }
}

/** Splits a byte stream of JSON lines into parsed messages. */
/** What a JSON stream of the engine is, for messages: `the build stream of api from <engine>`. */
export interface StreamWatch {
  /** Names the stream and the engine in messages. */
  source: string;
  /** Fail when nothing arrives for this long (ms); undefined: wait for ever. */
  idleMs?: number;
}

/** A stream of the engine that broke its contract: silence past the idle bound, or a line that is not JSON. */
export class EngineStreamError extends Error {
  override readonly name = 'EngineStreamError';
}

/**
 * The engine's JSON-lines stream, one message per line. With an idle bound, a stream that sends
 * nothing for that long is destroyed with an EngineStreamError naming it (an engine or a
 * registry behind it that stopped answering must not hang the run); a line that is not JSON
 * (an HTML error page, a proxy's text) is an EngineStreamError that quotes its start.
 */
export async function* readJsonLines(
  stream: Readable,
  watch: StreamWatch = { source: 'the engine' },
): AsyncGenerator<BuildStreamMessage> {
  let buffered = '';
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (watch.idleMs === undefined) return;
    clearTimeout(timer);
    timer = setTimeout(
      () =>
        stream.destroy(
          new EngineStreamError(
            `${watch.source} sent nothing for ${Math.round(watch.idleMs! / 1000)} s`,
          ),
        ),
      watch.idleMs,
    );
    timer.unref();
  };
  const parse = (line: string): BuildStreamMessage => {
    try {
      return JSON.parse(line) as BuildStreamMessage;
    } catch {
      throw new EngineStreamError(
        `${watch.source} sent a line that is not JSON: ${JSON.stringify(line.slice(0, 120))}`,
      );
    }
  };
  try {
    arm();
    for await (const chunk of stream) {
      arm();
      buffered += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') yield parse(line);
      }
    }
    if (buffered.trim() !== '') yield parse(buffered.trim());
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An idle bound from the environment, in seconds (`BUILD_IMAGES_BUILD_IDLE_TIMEOUT`,
 * `BUILD_IMAGES_PUSH_IDLE_TIMEOUT`), else the default; 0 waits for ever.
 */
export function idleBoundMs(
  env: NodeJS.ProcessEnv,
  name: string,
  defaultSeconds: number,
): number | undefined {
  const raw = env[name];
  const seconds = raw === undefined || raw === '' ? defaultSeconds : Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new BuildImagesError('USAGE', `${name}=${raw} is not a number of seconds`, {
      hint: `Give a whole number of seconds, e.g. ${name}=${defaultSeconds}, or 0 to wait for ever.`,
    });
  return seconds === 0 ? undefined : seconds * 1000;
}

/** Builds images with BuildKit through the Engine API. Receives its dockerode client. */
export class DockerImageBuilder implements ImageBuilder {
  constructor(
    private readonly docker: Docker,
    /**
     * sessionId: a BuildKit session of our own (openBuildkitSession) for the builds: it serves
     * their secrets. idleMs: how long a build's stream may send nothing before it fails.
     */
    private readonly options: { sessionId: string; idleMs?: number | undefined },
  ) {}

  async build(
    request: ImageBuildRequest,
    hooks: { signal?: AbortSignal; onProgress?: (progress: BuildProgress) => void } = {},
  ): Promise<ImageBuildResult> {
    const { signal, onProgress } = hooks;
    signal?.throwIfAborted();
    const context = packBuildContext(request.context);
    context.done.catch(() => undefined);
    const buildId = randomUUID();
    const cancel = () => this.cancelBuild(buildId);
    signal?.addEventListener('abort', cancel, { once: true });
    const state = new BuildStreamState();
    try {
      const query = {
        version: '2',
        dockerfile: request.dockerfile,
        target: request.target,
        t: request.tags,
        buildargs: request.buildArgs,
        labels: request.labels,
        buildid: buildId,
        // The engine takes a JSON array here (@types/dockerode types it as a string).
        ...(request.cacheFrom && request.cacheFrom.length > 0
          ? { cachefrom: JSON.stringify(request.cacheFrom) }
          : {}),
      } satisfies BuildQuery;
      const response = await this.dialBuild(
        context.stream,
        { ...query, session: this.options.sessionId },
        signal,
      );
      for await (const message of readJsonLines(response, {
        source: `the build stream of ${request.app} from ${engineLabel(this.docker)}`,
        idleMs: this.options.idleMs,
      })) {
        state.apply(message);
        onProgress?.(state.progress());
      }
    } catch (error) {
      signal?.throwIfAborted();
      if (error instanceof EngineStreamError) {
        // The engine may still be running it: ask it to stop, and fail this app.
        cancel();
        throw new ImageBuildFailure(
          error.message,
          state.failedLogTail(),
          state.progress(),
          state.steps(),
        );
      }
      throw error;
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
    signal?.throwIfAborted();
    const progress = state.progress();
    if (state.error !== undefined || state.imageId === undefined) {
      throw new ImageBuildFailure(
        state.error ?? 'the engine ended the build without an image id',
        state.failedLogTail(),
        progress,
        state.steps(),
      );
    }
    const { bytes } = await context.done;
    return { imageId: state.imageId, progress, steps: state.steps(), contextBytes: bytes };
  }

  /**
   * POST /build with our session. dockerode's buildImage would open a session of its own for
   * BuildKit builds (one without the health service, which the engine drops) and overwrite
   * the `session` parameter with its id, so the request is dialled here.
   */
  private dialBuild(
    context: Readable,
    query: BuildQuery & { session: string },
    signal: AbortSignal | undefined,
  ): Promise<Readable> {
    return new Promise((resolve, reject) => {
      this.docker.modem.dial(
        {
          path: '/build?',
          method: 'POST',
          file: context,
          // docker-modem's query builder turns arrays (t) into repeated parameters and objects into JSON.
          options: query,
          isStream: true,
          ...(signal ? { abortSignal: signal } : {}),
          statusCodes: { 200: true, 500: 'server error' },
        } as unknown as Parameters<Docker['modem']['dial']>[0],
        (error: unknown, response: unknown) =>
          error
            ? reject(error instanceof Error ? error : new Error(String(error)))
            : resolve(response as Readable),
      );
    });
  }

  /** Asks BuildKit to stop a build at once; the aborted request alone leaves shared steps running. */
  private cancelBuild(buildId: string): void {
    this.docker.modem.dial(
      {
        path: '/build/cancel?',
        method: 'POST',
        options: { id: buildId },
        statusCodes: { 200: true, 204: true, 404: true, 500: 'server error' },
      },
      () => undefined,
    );
  }
}

/** The engine as messages name it: its socket or address. */
export function engineLabel(docker: Docker): string {
  const modem = docker.modem as {
    socketPath?: unknown;
    protocol?: unknown;
    host?: unknown;
    port?: unknown;
  };
  if (typeof modem.socketPath === 'string') return `the engine at unix://${modem.socketPath}`;
  return `the engine at ${String(modem.protocol ?? 'http')}://${String(modem.host)}:${String(modem.port)}`;
}
