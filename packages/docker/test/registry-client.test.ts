import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { addTagRemotely } from '../src/add-tag-remotely.js';
import { manifestExists } from '../src/manifest-exists.js';
import {
  isLoopbackRegistry,
  parseAuthenticateHeader,
  registryBaseUrl,
} from '../src/registry-client.js';
import { isTransientRegistryFailure } from '../src/retry-transient.js';

// A fake token-auth registry on loopback (node:http): these cases need a token service, which
// the htpasswd-only docker-registry does not have. The real-registry cases are in registry.docker.test.ts.

const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  layers: [],
});
const manifestDigest = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function serve(
  handler: (request: IncomingMessage, response: ServerResponse, host: string) => void,
): Promise<string> {
  let host = '';
  server = createServer((request, response) => handler(request, response, host));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return host;
}

/** A registry that wants a bearer token from its own /token endpoint, which wants Basic user:pw. */
function tokenRegistry(log: string[], tags: Map<string, { body: string; type: string }>) {
  return (request: IncomingMessage, response: ServerResponse, host: string) => {
    const url = new URL(request.url ?? '/', `http://${host}`);
    log.push(`${request.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/token') {
      const ok =
        request.headers.authorization === `Basic ${Buffer.from('user:pw').toString('base64')}`;
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          ok ? { token: `tok:${url.searchParams.get('scope')}` } : { details: 'bad credentials' },
        ),
      );
      return;
    }
    const match = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname);
    const action = request.method === 'PUT' ? 'pull,push' : 'pull';
    const scope = `repository:${match?.[1]}:${action}`;
    if (request.headers.authorization !== `Bearer tok:${scope}`) {
      response.writeHead(401, {
        'www-authenticate': `Bearer realm="http://${host}/token",service="fake",scope="${scope}"`,
      });
      response.end(
        JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
      );
      return;
    }
    const tag = match?.[2] ?? '';
    if (request.method === 'PUT') {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        tags.set(tag, { body, type: request.headers['content-type'] ?? '' });
        response.writeHead(201, { 'docker-content-digest': manifestDigest });
        response.end();
      });
      return;
    }
    const found = tags.get(tag);
    if (!found) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }),
      );
      return;
    }
    response.writeHead(200, {
      'content-type': found.type,
      'docker-content-digest': manifestDigest,
      'content-length': Buffer.byteLength(found.body),
    });
    response.end(request.method === 'HEAD' ? undefined : found.body);
  };
}

describe('manifestExists and addTagRemotely with token auth', () => {
  it('gets a bearer token for the scope the challenge names, with Basic credentials at the token service', async () => {
    const log: string[] = [];
    const tags = new Map([
      ['1.0', { body: manifest, type: 'application/vnd.oci.image.manifest.v1+json' }],
    ]);
    const host = await serve(tokenRegistry(log, tags));
    const credentials = { username: 'user', password: 'pw', source: 'test' };

    expect(await manifestExists(`${host}/acme/api:1.0`, credentials)).toEqual({
      exists: true,
      digest: manifestDigest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      // Content-Length: what a push that got no digest from the engine reports as its size.
      size: Buffer.byteLength(manifest),
    });
    expect(await manifestExists(`${host}/acme/api:2.0`, credentials)).toEqual({ exists: false });
    expect(log).toContain('GET /token?service=fake&scope=repository%3Aacme%2Fapi%3Apull');

    const tagged = await addTagRemotely(`${host}/acme/api:1.0`, 'latest', credentials);
    expect(tagged).toEqual({
      reference: `${host}/acme/api:latest`,
      digest: manifestDigest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(tags.get('latest')).toEqual({
      body: manifest,
      type: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(log).toContain('GET /token?service=fake&scope=repository%3Aacme%2Fapi%3Apull%2Cpush');
  });

  it('fails with the registry named when the token service refuses the credentials, without retrying', async () => {
    const log: string[] = [];
    const host = await serve(tokenRegistry(log, new Map()));
    await expect(
      manifestExists(
        `${host}/acme/api:1.0`,
        { username: 'user', password: 'wrong', source: 'test' },
        { backoffMs: 1 },
      ),
    ).rejects.toMatchObject({
      code: 'REGISTRY_AUTH_FAILED',
      message: expect.stringMatching(
        new RegExp(
          `^Registry ${host} refused the token request: .*401.* \\(user "user" \\(from test\\)\\)$`,
        ),
      ),
    });
    expect(log.filter((line) => line.startsWith('GET /token'))).toHaveLength(1);
  });
});

describe('retries', () => {
  it('retries 5xx a bounded number of times, then says how often it tried', async () => {
    let calls = 0;
    const host = await serve((_request, response) => {
      calls++;
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'try later' }] }));
    });
    await expect(
      manifestExists(`${host}/acme/api:1`, undefined, { retries: 2, backoffMs: 1 }),
    ).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
      message: `Registry ${host} failed 3 times: HEAD http://${host}/v2/acme/api/manifests/1 answered 503 Service Unavailable`,
    });
    expect(calls).toBe(3);
  });

  it('passes once the registry recovers, and treats 404 as absent', async () => {
    let calls = 0;
    const host = await serve((_request, response) => {
      response.writeHead(++calls <= 2 ? 502 : 404);
      response.end();
    });
    expect(
      await manifestExists(`${host}/acme/api:1`, undefined, { retries: 3, backoffMs: 1 }),
    ).toEqual({ exists: false });
    expect(calls).toBe(3);
  });

  it('uses an injected fetch, HTTPS for non-loopback registries and registry-1.docker.io for Docker Hub', async () => {
    const urls: string[] = [];
    const fakeFetch = (async (input: string | URL | Request) => {
      urls.push(String(input));
      return new Response(null, {
        status: 200,
        headers: { 'docker-content-digest': manifestDigest },
      });
    }) as typeof fetch;
    expect(await manifestExists('node:24', undefined, { fetch: fakeFetch })).toMatchObject({
      exists: true,
      digest: manifestDigest,
    });
    expect(
      await manifestExists('ghcr.io/acme/api:1', undefined, { fetch: fakeFetch }),
    ).toMatchObject({ exists: true });
    expect(urls).toEqual([
      'https://registry-1.docker.io/v2/library/node/manifests/24',
      'https://ghcr.io/v2/acme/api/manifests/1',
    ]);
  });

  it('classifies registry errors: transient ones are retried, refusals never', () => {
    for (const text of [
      'received unexpected HTTP status: 503 Service Unavailable',
      'received unexpected HTTP status: 500 Internal Server Error',
      '502 Bad Gateway',
      'Put "https://r/v2/x/blobs/uploads/1": read tcp 1.2.3.4:1->5.6.7.8:443: read: connection reset by peer',
      'dial tcp 127.0.0.1:1: connect: connection refused',
      'net/http: TLS handshake timeout',
      'unexpected EOF',
      'toomanyrequests: 429 Too Many Requests',
      // The containerd image store: a 5xx's JSON body message, without the status.
      'error from registry: service unavailable (injected by the test proxy)',
      'error from registry: the storage backend had a hiccup',
    ]) {
      expect(isTransientRegistryFailure(text), text).toBe(true);
    }
    for (const text of [
      'unauthorized: authentication required',
      'denied: requested access to the resource is denied',
      'no basic auth credentials',
      'received unexpected HTTP status: 401 Unauthorized',
      'received unexpected HTTP status: 403 Forbidden',
      'manifest invalid: manifest invalid',
      'name unknown: repository name not known to registry',
      'error from registry: manifest invalid',
      'error from registry: blob unknown to registry',
      'error from registry: requested access to the resource is denied',
      'error from registry: invalid repository name',
    ]) {
      expect(isTransientRegistryFailure(text), text).toBe(false);
    }
  });
});

describe('registry addresses', () => {
  it('treats loopback registries as plain HTTP, like the engine', () => {
    expect(
      ['127.0.0.1:5000', '127.3.2.1', 'localhost:5000', '[::1]:5000'].every(isLoopbackRegistry),
    ).toBe(true);
    expect(['10.0.0.1:5000', 'ghcr.io', 'localhost.example.com'].some(isLoopbackRegistry)).toBe(
      false,
    );
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('registry.internal:5000', true)).toBe('http://registry.internal:5000');
    expect(registryBaseUrl('index.docker.io')).toBe('https://registry-1.docker.io');
  });

  it('parses WWW-Authenticate challenges', () => {
    expect(
      parseAuthenticateHeader(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/node:pull',
      },
    });
    expect(parseAuthenticateHeader('Basic realm="test"')).toEqual({
      scheme: 'basic',
      params: { realm: 'test' },
    });
  });
});
