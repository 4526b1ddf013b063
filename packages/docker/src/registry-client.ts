import { BuildImagesError, defaultRegistry } from '@build-images/core';
import { credentialsHint, describeCredentials } from './check-registry-auth.js';
import { normalizeRegistryHost, type RegistryCredentials } from './registry-credentials.js';
import {
  isTransientRegistryFailure,
  retryTransient,
  RetriesExhausted,
  type RetryOptions,
} from './retry-transient.js';

/** Every manifest type a tag can point at, so the registry never has to convert (or refuse). */
export const manifestMediaTypes = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

export interface RegistryClientOptions extends RetryOptions {
  /** The fetch to use (tests inject one); default the global fetch. */
  fetch?: typeof fetch;
  /**
   * Plain HTTP instead of HTTPS. Default: plain HTTP for loopback registries (127.0.0.0/8,
   * localhost, [::1]), which the engine treats as insecure too, HTTPS for every other one.
   */
  insecure?: boolean;
}

/** Whether a registry host[:port] is on the loopback interface. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[')
    ? registry.slice(0, registry.indexOf(']') + 1)
    : (registry.split(':')[0] ?? '');
  return host === 'localhost' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** The Registry API's base URL: Docker Hub's API lives at registry-1.docker.io, as docker uses it. */
export function registryBaseUrl(registry: string, insecure?: boolean): string {
  const host = normalizeRegistryHost(registry);
  if (host === defaultRegistry) return 'https://registry-1.docker.io';
  return `${(insecure ?? isLoopbackRegistry(host)) ? 'http' : 'https'}://${host}`;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (one challenge; the first when several). */
export function parseAuthenticateHeader(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const param of (match[2] ?? '').matchAll(
    /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g,
  )) {
    params[(param[1] ?? '').toLowerCase()] = (param[2] ?? param[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme: (match[1] ?? '').toLowerCase(), params };
}

/** A response whose status the caller expected (2xx, or 404 for manifestExists). */
export interface RegistryResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

class TransientRegistryFailure extends Error {
  override readonly name = 'TransientRegistryFailure';
}

/**
 * A small Registry HTTP API v2 client for one registry: Basic and Bearer-token auth from the
 * `WWW-Authenticate` challenge (anonymous tokens too), plain HTTP for loopback registries, and
 * bounded retries with backoff on 5xx, 429 and network errors. 401/403 are refusals, never retried.
 */
export class RegistryClient {
  readonly registry: string;
  readonly baseUrl: string;
  private readonly fetch: typeof fetch;
  private authorization: string | undefined;

  constructor(
    registry: string,
    private readonly credentials: RegistryCredentials | undefined,
    private readonly options: RegistryClientOptions = {},
  ) {
    this.registry = normalizeRegistryHost(registry);
    this.baseUrl = registryBaseUrl(this.registry, options.insecure);
    this.fetch = options.fetch ?? fetch;
  }

  /**
   * Sends one request (`path` below `/v2/`), authenticating when challenged; resolves with
   * any status in `okStatuses`, throws a BuildImagesError otherwise. `scope` is the token scope
   * to ask for when the challenge names none (`repository:acme/api:pull`).
   */
  async request(
    method: 'GET' | 'HEAD' | 'PUT',
    path: string,
    request: {
      accept?: readonly string[];
      contentType?: string;
      body?: Uint8Array;
      scope: string;
      okStatuses: readonly number[];
    },
  ): Promise<RegistryResponse> {
    const url = `${this.baseUrl}/v2/${path}`;
    const what = `${method} ${url}`;
    try {
      const { value } = await retryTransient(
        async () => {
          let response = await this.send(method, url, request);
          if (response.status === 401) {
            const header = response.headers.get('www-authenticate');
            if (header !== null) {
              await response.body?.cancel();
              this.authorization = await this.authenticate(header, request.scope);
              response = await this.send(method, url, request);
            }
          }
          const body =
            method === 'HEAD' ? new Uint8Array(0) : new Uint8Array(await response.arrayBuffer());
          if (request.okStatuses.includes(response.status))
            return { status: response.status, headers: response.headers, body };
          throw this.statusError(what, response, body);
        },
        (error) => (error instanceof TransientRegistryFailure ? error.message : undefined),
        this.options,
      );
      return value;
    } catch (error) {
      this.options.signal?.throwIfAborted();
      if (error instanceof RetriesExhausted) {
        throw new BuildImagesError(
          'REGISTRY_UNAVAILABLE',
          `Registry ${this.registry} failed ${error.attempts} times: ${error.reason}`,
          {
            hint: `Check that ${this.baseUrl} is up and reachable; try again later.`,
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  private async send(
    method: string,
    url: string,
    request: { accept?: readonly string[]; contentType?: string; body?: Uint8Array },
    authorization = this.authorization,
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (request.accept) headers['accept'] = request.accept.join(', ');
    if (request.contentType) headers['content-type'] = request.contentType;
    if (authorization) headers['authorization'] = authorization;
    try {
      return await this.fetch(url, {
        method,
        headers,
        ...(request.body ? { body: request.body } : {}),
        ...(this.options.signal ? { signal: this.options.signal } : {}),
      });
    } catch (error) {
      this.options.signal?.throwIfAborted();
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = `${method} ${url}: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message ?? ''})` : ''}`;
      if (isTransientRegistryFailure(reason))
        throw new TransientRegistryFailure(reason, { cause: error });
      throw new BuildImagesError(
        'REGISTRY_UNAVAILABLE',
        `Cannot reach registry ${this.registry}: ${reason}`,
        {
          hint:
            isLoopbackRegistry(this.registry) || this.options.insecure
              ? undefined
              : `Is ${this.registry} an HTTPS registry? Pass insecure for a plain-HTTP one.`,
          cause: error,
        },
      );
    }
  }

  /** The Authorization header that answers a challenge: Basic credentials, or a token from the realm. */
  private async authenticate(header: string, scope: string): Promise<string> {
    const challenge = parseAuthenticateHeader(header);
    const { username, password, identityToken, registryToken } = this.credentials ?? {};
    if (challenge?.scheme === 'basic') {
      if (username === undefined || password === undefined)
        throw this.refused('requires a user name and password (Basic auth)');
      return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params['realm'])
      throw this.refused(`sent an unsupported challenge "${header}"`);
    if (registryToken !== undefined) return `Bearer ${registryToken}`;

    const realm = new URL(challenge.params['realm']);
    const service = challenge.params['service'];
    const tokenScope = challenge.params['scope'] || scope;
    let response: Response;
    try {
      if (identityToken !== undefined) {
        // An identity token is an OAuth2 refresh token (distribution's token spec, "oauth").
        const form = new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: identityToken,
          client_id: 'build-images',
          scope: tokenScope,
        });
        if (service) form.set('service', service);
        response = await this.fetch(realm, {
          method: 'POST',
          body: form,
          ...(this.options.signal ? { signal: this.options.signal } : {}),
        });
      } else {
        if (service) realm.searchParams.set('service', service);
        realm.searchParams.set('scope', tokenScope);
        const headers: Record<string, string> = {};
        if (username !== undefined && password !== undefined)
          headers['authorization'] =
            `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
        response = await this.fetch(realm, {
          headers,
          ...(this.options.signal ? { signal: this.options.signal } : {}),
        });
      }
    } catch (error) {
      this.options.signal?.throwIfAborted();
      throw new TransientRegistryFailure(
        `token request to ${realm.origin}${realm.pathname}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      throw this.refused(
        `refused the token request: ${realm.origin}${realm.pathname} answered ${response.status} ${text.trim().slice(0, 200)}`,
      );
    }
    if (!response.ok) {
      const reason = `token service ${realm.origin}${realm.pathname} answered ${response.status}`;
      if (response.status >= 500 || response.status === 429)
        throw new TransientRegistryFailure(`${reason} ${response.statusText}`);
      throw new BuildImagesError(
        'REGISTRY_ERROR',
        `Registry ${this.registry}: ${reason}: ${text.trim().slice(0, 200)}`,
      );
    }
    let token: { token?: string; access_token?: string } = {};
    try {
      token = JSON.parse(text) as typeof token;
    } catch {
      // reported below as "without a token"
    }
    const value = token.token ?? token.access_token;
    if (!value)
      throw new BuildImagesError(
        'REGISTRY_ERROR',
        `Registry ${this.registry}: the token service ${realm.origin}${realm.pathname} answered without a token`,
      );
    return `Bearer ${value}`;
  }

  private refused(reason: string): BuildImagesError {
    return new BuildImagesError(
      'REGISTRY_AUTH_FAILED',
      `Registry ${this.registry} ${reason} (${describeCredentials(this.credentials)})`,
      {
        hint: credentialsHint(this.registry, this.credentials),
      },
    );
  }

  private statusError(what: string, response: Response, body: Uint8Array): Error {
    const { status } = response;
    const detail = registryErrorText(body);
    const reason = `${what} answered ${status}${response.statusText ? ` ${response.statusText}` : ''}${detail ? `: ${detail}` : ''}`;
    if (status >= 500 || status === 429) return new TransientRegistryFailure(reason);
    if (status === 401 || status === 403) {
      return new BuildImagesError(
        'REGISTRY_AUTH_FAILED',
        `Registry ${this.registry} refused ${describeCredentials(this.credentials)}: ${reason}`,
        {
          hint: credentialsHint(this.registry, this.credentials),
        },
      );
    }
    return new BuildImagesError('REGISTRY_ERROR', `Registry ${this.registry}: ${reason}`);
  }
}

/** The `errors[].code: message` of a Registry API error body, or its first characters. */
function registryErrorText(body: Uint8Array): string {
  const text = Buffer.from(body).toString('utf8').trim();
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    if (Array.isArray(parsed.errors))
      return parsed.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    // not JSON: fall through
  }
  return text.slice(0, 200);
}
