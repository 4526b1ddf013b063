import type Docker from 'dockerode';
import { BuildImagesError } from '@build-images/core';
import {
  normalizeRegistryHost,
  registryServerAddress,
  toEngineAuthConfig,
  type RegistryCredentials,
} from './registry-credentials.js';
import {
  isRegistryAuthFailure,
  isTransientRegistryFailure,
  retryTransient,
  RetriesExhausted,
  type RetryOptions,
} from './retry-transient.js';

/** The engine's message in a dockerode error: the JSON body's `message`, else the error's text. */
export function engineErrorMessage(error: unknown): string {
  const json = (error as { json?: unknown }).json;
  if (
    typeof json === 'object' &&
    json !== null &&
    typeof (json as { message?: unknown }).message === 'string'
  ) {
    return (json as { message: string }).message;
  }
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  return error instanceof Error ? error.message : String(error);
}

/** `user "ci" (from ~/.docker/config.json (auths))`, or `no credentials`, for messages. */
export function describeCredentials(credentials: RegistryCredentials | undefined): string {
  if (credentials === undefined) return 'no credentials';
  const who =
    credentials.username && credentials.username !== '<token>'
      ? `user "${credentials.username}"`
      : 'a token';
  return `${who} (from ${credentials.source})`;
}

/** The hint for a refusal: how to give the registry other credentials. */
export function credentialsHint(
  registry: string,
  credentials: RegistryCredentials | undefined,
): string {
  const login = `docker login${normalizeRegistryHost(registry) === 'docker.io' ? '' : ` ${registry}`}`;
  return credentials === undefined
    ? `${registry} needs credentials: pass --registry-user with --password-stdin, or run "${login}".`
    : `Check the user and password (or token) and their push permission: pass --registry-user with --password-stdin, or run "${login}" again.`;
}

export interface CheckRegistryAuthResult {
  /** The engine's status, `Login Succeeded`. */
  status: string;
  /** An identity token the registry issued in exchange for the password, when it did. */
  identityToken?: string;
}

/**
 * Asks the engine to log in to `registry` (`POST /auth`) with these credentials: a wrong password
 * fails within milliseconds here, where a push would take about 50 s to give up. A registry that
 * needs no credentials passes, with or without them. Transient failures are retried (default twice).
 */
export async function checkRegistryAuth(
  docker: Docker,
  registry: string,
  credentials: RegistryCredentials | undefined,
  options: RetryOptions = {},
): Promise<CheckRegistryAuthResult> {
  const host = normalizeRegistryHost(registry);
  const body = {
    ...toEngineAuthConfig(host, credentials),
    serveraddress: registryServerAddress(host),
  };
  try {
    const { value } = await retryTransient(
      async () =>
        (await docker.checkAuth({
          ...body,
          ...(options.signal ? { abortSignal: options.signal } : {}),
        })) as { Status?: string; IdentityToken?: string },
      (error) => {
        const message = engineErrorMessage(error);
        return (error as { statusCode?: number }).statusCode !== undefined &&
          isTransientRegistryFailure(message)
          ? message
          : undefined;
      },
      { retries: 2, ...options },
    );
    const result: CheckRegistryAuthResult = { status: value.Status ?? 'Login Succeeded' };
    if (value.IdentityToken) result.identityToken = value.IdentityToken;
    return result;
  } catch (error) {
    options.signal?.throwIfAborted();
    if (error instanceof RetriesExhausted) {
      throw new BuildImagesError(
        'REGISTRY_UNAVAILABLE',
        `Registry ${host} did not answer the login check: ${error.message}`,
        {
          hint: `Check that ${host} is up and reachable from the Docker Engine (for a plain-HTTP registry elsewhere than loopback, add it to the engine's insecure-registries).`,
          cause: error,
        },
      );
    }
    if ((error as { statusCode?: number }).statusCode === undefined) throw error; // the engine itself (connectDocker reports that)
    const message = engineErrorMessage(error);
    if (isRegistryAuthFailure(message)) {
      throw new BuildImagesError(
        'REGISTRY_AUTH_FAILED',
        `Registry ${host} refused ${describeCredentials(credentials)}: ${message}`,
        {
          hint: credentialsHint(host, credentials),
          cause: error,
        },
      );
    }
    throw new BuildImagesError(
      'REGISTRY_ERROR',
      `The login check against registry ${host} failed: ${message}`,
      {
        hint: `Check the registry address "${host}" and that the Docker Engine can reach it.`,
        cause: error,
      },
    );
  }
}
