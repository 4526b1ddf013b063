import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { BuildImagesError, formatImageReference, parseImageReference } from '@build-images/core';
import { credentialsHint, describeCredentials, engineErrorMessage } from './check-registry-auth.js';
import { EngineStreamError, engineLabel, readJsonLines } from './docker-image-builder.js';
import { manifestExists } from './manifest-exists.js';
import { toEngineAuthConfig, type RegistryCredentials } from './registry-credentials.js';
import {
  isRegistryAuthFailure,
  isTransientRegistryFailure,
  retryTransient,
  RetriesExhausted,
  type RetryOptions,
} from './retry-transient.js';

export interface PushImageOptions extends RetryOptions {
  /** Each status line of the push, e.g. `Pushed 92b40b42799e`, for a progress view. */
  onProgress?: (status: string) => void;
  /**
   * How long the push may send nothing before the attempt fails (and is retried, as a registry
   * that stopped answering usually answers again); default 120 s, undefined waits for ever.
   */
  idleMs?: number | undefined;
}

export interface PushImageResult {
  /** The reference pushed, as docker shows it: `127.0.0.1:5000/t/api:1.2`. */
  reference: string;
  /** The manifest digest the registry stored, `sha256:…`. */
  digest: string;
  /** The manifest's size in bytes. */
  size: number;
  /** How many pushes it took (1 unless a transient failure was retried). */
  attempts: number;
}

/** One line of the push endpoint's JSON stream; only the fields we read. */
interface PushStreamMessage {
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Tag?: string; Digest?: string; Size?: number };
}

/** A failure of one push attempt: the engine's text, and whether another attempt may help. */
class PushAttemptFailure extends Error {
  override readonly name = 'PushAttemptFailure';
  /** Silence or garbage from the stream: worth another attempt whatever its text says. */
  transient = false;
}

/** The push stream's own failures (silence, a line that is not JSON) as failed attempts. */
async function* guardStream<T>(messages: AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    yield* messages;
  } catch (error) {
    if (!(error instanceof EngineStreamError)) throw error;
    const failure = new PushAttemptFailure(error.message, { cause: error });
    failure.transient = true;
    throw failure;
  }
}

/**
 * Pushes one local tag (`registry/repository:tag`) through the engine and returns the digest the
 * registry stored. The engine reports a failed push inside a 200 response (an `error` line), so
 * the outcome is read from the stream. Transient failures (5xx, timeouts, dropped connections)
 * are retried with exponential backoff, which is safe and cheap (layers already pushed are
 * skipped); refused credentials fail at once. Call `checkRegistryAuth` first: with wrong
 * credentials the engine itself takes about 50 s to give up.
 */
export async function pushImage(
  docker: Docker,
  tag: string,
  credentials: RegistryCredentials | undefined,
  options: PushImageOptions = {},
): Promise<PushImageResult> {
  const reference = parseImageReference(tag);
  if (reference.tag === undefined) {
    throw new BuildImagesError(
      'IMAGE_REFERENCE_INVALID',
      `Cannot push "${tag}": a push needs a tag, not a digest`,
    );
  }
  const localTag = reference.tag;
  const shown = formatImageReference({ name: reference.name, tag: localTag });
  const { signal } = options;
  const noLocalImage = (cause: unknown) =>
    new BuildImagesError(
      'PUSH_FAILED',
      `Cannot push ${shown}: there is no local image with that tag`,
      {
        hint: 'Build or tag the image before pushing it.',
        cause,
      },
    );

  const attemptPush = async (): Promise<{ digest: string; size: number }> => {
    let response: Readable;
    try {
      // Always an authconfig, even {}: without one (and without a tag) engine 20.10 answers 400,
      // and leaving out `tag` would push every local tag of the repository (ENGINE-NOTES).
      response = (await docker.getImage(reference.name).push({
        tag: localTag,
        authconfig: toEngineAuthConfig(reference.registry, credentials),
        ...(signal ? { abortSignal: signal } : {}),
      } as Docker.ImagePushOptions)) as unknown as Readable;
    } catch (error) {
      signal?.throwIfAborted();
      const statusCode = (error as { statusCode?: number }).statusCode;
      if (statusCode === 404) throw noLocalImage(error);
      if (statusCode === undefined) throw error; // the engine did not answer; connectDocker reports that
      throw new PushAttemptFailure(engineErrorMessage(error), { cause: error });
    }
    let pushed: { digest: string; size: number } | undefined;
    let statusDigest: { digest: string; size: number } | undefined;
    const watch = {
      source: `the push of ${shown} to ${reference.registry} (through ${engineLabel(docker)})`,
      idleMs: 'idleMs' in options ? options.idleMs : 120_000,
    };
    const messages = readJsonLines(response, watch) as AsyncGenerator<PushStreamMessage>;
    for await (const message of guardStream(messages)) {
      if (message.error !== undefined || message.errorDetail !== undefined) {
        response.destroy();
        throw new PushAttemptFailure(
          message.errorDetail?.message ?? message.error ?? 'unknown push error',
        );
      }
      if (message.aux?.Digest !== undefined)
        pushed = { digest: message.aux.Digest, size: message.aux.Size ?? 0 };
      if (message.status !== undefined) {
        options.onProgress?.(message.id ? `${message.status} ${message.id}` : message.status);
        // "1.2: digest: sha256:… size: 1234", the line docker push prints.
        const match = /\bdigest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(message.status);
        if (match) statusDigest = { digest: match[1]!, size: Number(match[2]) };
      }
    }
    signal?.throwIfAborted();
    if (pushed !== undefined) return pushed;
    if (statusDigest !== undefined) return statusDigest;
    // The containerd image store (Engine 29's default) sends neither (moby/moby#48331): ask the
    // registry for the manifest just pushed.
    const { digest: _pinned, ...byTag } = reference;
    const stored = await manifestExists(
      { ...byTag, tag: localTag },
      credentials,
      signal ? { signal } : {},
    );
    if (stored.exists && stored.digest !== undefined)
      return { digest: stored.digest, size: stored.size ?? 0 };
    throw new PushAttemptFailure(
      `the engine ended the push without a digest, and ${reference.registry} has no manifest for ${shown}`,
    );
  };

  try {
    const { value, attempts } = await retryTransient(
      attemptPush,
      (error) =>
        error instanceof PushAttemptFailure &&
        (error.transient || isTransientRegistryFailure(error.message))
          ? error.message
          : undefined,
      // An attempt the engine spent half a minute retrying itself (20.10 retries each layer
      // upload; an outage took 50 s an attempt, 204 s for four) gets no further round.
      { budgetMs: 30_000, ...options },
    );
    return { reference: shown, digest: value.digest, size: value.size, attempts };
  } catch (error) {
    signal?.throwIfAborted();
    if (error instanceof RetriesExhausted) {
      throw new BuildImagesError(
        'PUSH_FAILED',
        `Push of ${shown} to ${reference.registry} failed after ${error.attempts} attempt${error.attempts === 1 ? '' : 's'}${error.spentMs === undefined ? '' : ` and ${Math.round(error.spentMs / 1000)} s (the engine retried each itself)`}: ${error.reason}`,
        {
          hint: `${reference.registry} kept failing with a transient error; try again later, or check the registry's health.`,
          cause: error,
        },
      );
    }
    if (!(error instanceof PushAttemptFailure)) throw error;
    // The engine says so in-band, with HTTP 200: "An image does not exist locally with the tag: …"
    // (20.10 and the classic store), "tag does not exist: …" (the containerd image store).
    if (/does not exist locally|no such image|tag does not exist/i.test(error.message))
      throw noLocalImage(error);
    if (isRegistryAuthFailure(error.message)) {
      throw new BuildImagesError(
        'REGISTRY_AUTH_FAILED',
        `Push of ${shown} was refused by ${reference.registry} for ${describeCredentials(credentials)}: ${error.message}`,
        {
          hint: credentialsHint(reference.registry, credentials),
          cause: error,
        },
      );
    }
    throw new BuildImagesError(
      'PUSH_FAILED',
      `Push of ${shown} to ${reference.registry} failed: ${error.message}`,
      { cause: error },
    );
  }
}
