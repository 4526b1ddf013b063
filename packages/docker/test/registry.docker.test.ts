import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FaultProxy,
  isManifestPut,
  type LocalRegistry,
  registryTestEngine,
  startFaultProxy,
  startLocalRegistry,
  testBaseImage,
} from '@build-images/test-helpers';
import { addTagRemotely } from '../src/add-tag-remotely.js';
import { checkRegistryAuth } from '../src/check-registry-auth.js';
import { manifestExists } from '../src/manifest-exists.js';
import { pushImage } from '../src/push-image.js';
import { resolveRegistryCredentials } from '../src/registry-credentials.js';

/** How the engine label of messages names the tests' engine. */
function engineAddressOf(engine: Docker): string {
  const modem = engine.modem as { socketPath?: string; host?: string; port?: number };
  return modem.socketPath ? `unix://${modem.socketPath}` : `http://${modem.host}:${modem.port}`;
}

/** What each image store says when the registry answers a manifest upload with 503. */
const engineWording: Record<
  'classic' | 'containerd',
  { manifest503: string; attempts: number; uploadsPerAttempt: number }
> = {
  classic: {
    manifest503: 'received unexpected HTTP status: 503 Service Unavailable',
    attempts: 3,
    uploadsPerAttempt: 1,
  },
  containerd: {
    manifest503: 'error from registry: service unavailable (injected by the test proxy)',
    attempts: 2,
    // It retries a failed manifest upload once itself before it reports the failure.
    uploadsPerAttempt: 2,
  },
};

/** The engine's image store: "containerd" when its DriverStatus names containerd's snapshotter. */
async function storeOf(engine: Docker): Promise<'classic' | 'containerd'> {
  const info = (await engine.info()) as { DriverStatus?: [string, string][] };
  return JSON.stringify(info.DriverStatus ?? []).includes('io.containerd.snapshotter')
    ? 'containerd'
    : 'classic';
}

/** An image manifest as either store pushes it: Docker v2 (classic store) or OCI (containerd store). */
const singleManifest =
  /^application\/vnd\.(?:docker\.distribution\.manifest\.v2|oci\.image\.manifest\.v1)\+json$/;

// Real registries (Debian's docker-registry on loopback ports), pushed to by the real engine.
// Loopback registries are plain HTTP for the engine by default, so no daemon configuration is needed.

const docker = await registryTestEngine();
const user = { username: 'ci-user', password: 'right-password' };

/** Every local tag a test made, removed in afterAll (the base image itself stays). */
const localTags = new Set<string>();
const stops: (() => Promise<void>)[] = [];

async function tagBase(engine: Docker, repo: string, tag: string): Promise<string> {
  await engine.getImage(testBaseImage).tag({ repo, tag });
  localTags.add(`${repo}:${tag}`);
  return `${repo}:${tag}`;
}

async function timed<T>(
  run: () => Promise<T>,
): Promise<{ ms: number; result: T | undefined; error: unknown }> {
  const start = performance.now();
  try {
    const result = await run();
    return { ms: performance.now() - start, result, error: undefined };
  } catch (error) {
    return { ms: performance.now() - start, result: undefined, error };
  }
}

describe.skipIf(docker === undefined)('registry layer against real registries', () => {
  const engine = docker as Docker;
  let open: LocalRegistry;
  let locked: LocalRegistry;
  let openDigest: string;

  beforeAll(async () => {
    open = await startLocalRegistry();
    stops.push(open.stop);
    locked = await startLocalRegistry({ auth: user });
    stops.push(locked.stop);
  });

  afterAll(async () => {
    if (docker === undefined) return;
    for (const tag of localTags)
      await engine
        .getImage(tag)
        .remove({ noprune: true })
        .catch(() => undefined);
    for (const stop of stops.reverse()) await stop();
    // Nothing this file tagged is left behind.
    const left = (await engine.listImages())
      .flatMap((image) => image.RepoTags ?? [])
      .filter((tag) => [...localTags].includes(tag));
    expect(left).toEqual([]);
  });

  describe('a registry without auth', () => {
    it('passes the login check with no credentials', async () => {
      expect(await checkRegistryAuth(engine, open.host, undefined)).toMatchObject({
        status: 'Login Succeeded',
      });
    });

    it('pushes a tag and returns the digest that manifestExists then sees', async () => {
      const tag = await tagBase(engine, `${open.host}/t/base`, 'one');
      expect(await manifestExists(tag, undefined)).toEqual({ exists: false });
      const pushed = await pushImage(engine, tag, undefined);
      expect(pushed).toMatchObject({ reference: tag, attempts: 1 });
      expect(pushed.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      openDigest = pushed.digest;
      // The classic image store pushes a Docker v2 manifest; the containerd store keeps an
      // imported image's OCI manifest.
      expect(await manifestExists(tag, undefined)).toMatchObject({
        exists: true,
        digest: pushed.digest,
        mediaType: expect.stringMatching(singleManifest),
      });
    });

    it('says a missing tag does not exist, and adds a tag remotely without pushing', async () => {
      expect(await manifestExists(`${open.host}/t/base:two`, undefined)).toEqual({ exists: false });
      expect(await manifestExists(`${open.host}/t/nothing-here:one`, undefined)).toEqual({
        exists: false,
      });
      const tagged = await addTagRemotely(`${open.host}/t/base:one`, 'two', undefined);
      expect(tagged).toEqual({
        reference: `${open.host}/t/base:two`,
        digest: openDigest,
        mediaType: expect.stringMatching(singleManifest),
      });
      expect(await manifestExists(`${open.host}/t/base:two`, undefined)).toMatchObject({
        exists: true,
        digest: openDigest,
      });
    });

    it('fails with the registry named when a reference does not exist to tag from', async () => {
      await expect(
        addTagRemotely(`${open.host}/t/base:missing`, 'three', undefined),
      ).rejects.toMatchObject({
        code: 'REGISTRY_ERROR',
        message: `Cannot add the tag "three": ${open.host}/t/base:missing does not exist in ${open.host}`,
      });
    });

    it('fails clearly when there is no local image with that tag', async () => {
      await expect(
        pushImage(engine, `${open.host}/t/never-built:1`, undefined),
      ).rejects.toMatchObject({
        code: 'PUSH_FAILED',
        message: `Cannot push ${open.host}/t/never-built:1: there is no local image with that tag`,
      });
    });
  });

  describe('a registry with htpasswd auth', () => {
    it('fails the login check fast for a wrong password, naming the registry', async () => {
      const { ms, error } = await timed(() =>
        checkRegistryAuth(engine, locked.host, {
          username: user.username,
          password: 'wrong',
          source: 'the command line',
        }),
      );
      console.log(`checkRegistryAuth with a wrong password failed in ${ms.toFixed(0)} ms`);
      expect(ms).toBeLessThan(5000);
      expect(error).toMatchObject({
        code: 'REGISTRY_AUTH_FAILED',
        message: `Registry ${locked.host} refused user "ci-user" (from the command line): login attempt to http://${locked.host}/v2/ failed with status: 401 Unauthorized`,
        hint: expect.stringContaining('--registry-user'),
      });
    });

    it('fails the login check without credentials, saying the registry needs some', async () => {
      await expect(checkRegistryAuth(engine, locked.host, undefined)).rejects.toMatchObject({
        code: 'REGISTRY_AUTH_FAILED',
        message: expect.stringContaining(`Registry ${locked.host} refused no credentials: `),
        hint: `${locked.host} needs credentials: pass --registry-user with --password-stdin, or run "docker login ${locked.host}".`,
      });
    });

    it('pushes with credentials from a config.json auths entry, and checks and tags with Basic auth', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'build-images-docker-config-'));
      stops.push(() => rm(dir, { recursive: true, force: true }));
      const configPath = path.join(dir, 'config.json');
      await writeFile(
        configPath,
        JSON.stringify({
          auths: {
            [`http://${locked.host}`]: {
              auth: Buffer.from(`${user.username}:${user.password}`).toString('base64'),
            },
          },
        }),
      );
      const credentials = await resolveRegistryCredentials(locked.host, { configPath });
      expect(credentials).toMatchObject(user);

      expect(await checkRegistryAuth(engine, locked.host, credentials)).toMatchObject({
        status: 'Login Succeeded',
      });
      const tag = await tagBase(engine, `${locked.host}/team/app`, '1.0');
      const pushed = await pushImage(engine, tag, credentials);
      expect(pushed.attempts).toBe(1);
      expect(await manifestExists(tag, credentials)).toMatchObject({
        exists: true,
        digest: pushed.digest,
      });
      expect(await manifestExists(`${locked.host}/team/app:2.0`, credentials)).toEqual({
        exists: false,
      });
      await addTagRemotely(tag, 'latest', credentials);
      expect(await manifestExists(`${locked.host}/team/app:latest`, credentials)).toMatchObject({
        exists: true,
        digest: pushed.digest,
      });
    });

    it('refuses manifestExists without credentials or with a wrong password, naming the registry', async () => {
      await expect(manifestExists(`${locked.host}/team/app:1.0`, undefined)).rejects.toMatchObject({
        code: 'REGISTRY_AUTH_FAILED',
        message: `Registry ${locked.host} requires a user name and password (Basic auth) (no credentials)`,
      });
      await expect(
        manifestExists(`${locked.host}/team/app:1.0`, {
          username: user.username,
          password: 'wrong',
          source: 'test',
        }),
      ).rejects.toMatchObject({
        code: 'REGISTRY_AUTH_FAILED',
        message: expect.stringContaining(
          `Registry ${locked.host} refused user "ci-user" (from test): HEAD http://${locked.host}/v2/team/app/manifests/1.0 answered 401`,
        ),
      });
    });
  });

  describe('transient registry failures', () => {
    let proxy: FaultProxy | undefined;
    const stopProxy = async () => {
      await proxy?.stop();
      proxy = undefined;
    };

    // Manifest PUTs: the engine retries a failed blob upload itself (five tries, about 50 s
    // before it gives up) but not a failed manifest PUT, so these reach pushImage's own retries.
    it('retries a push whose manifest upload fails twice with 503, and succeeds', async () => {
      proxy = await startFaultProxy(open.url, { failures: 2, matches: isManifestPut });
      const tag = await tagBase(engine, `${proxy.host}/t/base`, 'retried');
      const retries: string[] = [];
      const { ms, result, error } = await timed(() =>
        pushImage(engine, tag, undefined, {
          retries: 3,
          backoffMs: 100,
          onRetry: ({ attempt, reason }) => retries.push(`${attempt}: ${reason}`),
        }),
      );
      console.log(`push with two injected 503s: ${ms.toFixed(0)} ms, ${result?.attempts} attempts`);
      expect(error).toBeUndefined();
      expect(result?.digest).toBe(openDigest); // the same image: the same manifest
      expect(proxy.failed()).toBe(2);
      // Engine 20.10 and the classic store give each 503 to the tool, which retries (3 attempts);
      // the containerd store retries once itself first. Each engine's wording, captured here.
      const wording = engineWording[await storeOf(engine)];
      expect(result?.attempts).toBe(wording.attempts);
      expect(retries).toEqual(
        Array.from(
          { length: wording.attempts - 1 },
          (_, index) => `${index + 2}: ${wording.manifest503}`,
        ),
      );
      await stopProxy();
    });

    it('ends a push whose manifest upload is never answered after the idle bound, and retries it', async () => {
      proxy = await startFaultProxy(open.url, {
        failures: 1,
        matches: isManifestPut,
        fault: 'hang',
      });
      const tag = await tagBase(engine, `${proxy.host}/t/base`, 'stalled');
      const retries: string[] = [];
      const { ms, result, error } = await timed(() =>
        pushImage(engine, tag, undefined, {
          retries: 2,
          backoffMs: 100,
          idleMs: 3000,
          onRetry: ({ reason }) => retries.push(reason),
        }),
      );
      console.log(`push whose manifest upload hangs once: ${ms.toFixed(0)} ms`);
      expect(error).toBeUndefined();
      expect(result?.attempts).toBe(2);
      expect(retries).toEqual([
        `the push of ${tag} to ${proxy.host} (through the engine at ${engineAddressOf(engine)}) sent nothing for 3 s`,
      ]);
      expect(ms).toBeLessThan(60_000);
      await stopProxy();
    });

    it('ends a push to a registry answering 503 to every request within the retry budget', async () => {
      proxy = await startFaultProxy(open.url, { failures: Infinity, matches: () => true });
      const tag = await tagBase(engine, `${proxy.host}/t/base`, 'outage');
      const { ms, error } = await timed(() => pushImage(engine, tag, undefined));
      console.log(`push during a whole-registry outage: failed in ${ms.toFixed(0)} ms`);
      expect(error).toMatchObject({ code: 'PUSH_FAILED' });
      expect((error as Error).message).toContain(`Push of ${tag} to ${proxy.host} failed after `);
      // Engine 20.10 retries each layer upload itself (about 50 s an attempt): four rounds of
      // that took 204 s before the budget; now a new round starts only within 30 s of the first.
      expect(ms).toBeLessThan(90_000);
      await stopProxy();
    }, 120_000);

    it('gives up after the bounded retries when the registry keeps answering 503', async () => {
      proxy = await startFaultProxy(open.url, { failures: Infinity, matches: isManifestPut });
      const tag = await tagBase(engine, `${proxy.host}/t/base`, 'doomed');
      const { ms, error } = await timed(() =>
        pushImage(engine, tag, undefined, { retries: 2, backoffMs: 100 }),
      );
      console.log(`push against a registry always answering 503: failed in ${ms.toFixed(0)} ms`);
      const wording = engineWording[await storeOf(engine)];
      expect(error).toMatchObject({
        code: 'PUSH_FAILED',
        hint: expect.stringContaining('transient'),
      });
      expect((error as Error).message).toBe(
        `Push of ${tag} to ${proxy.host} failed after 3 attempts: ${wording.manifest503}`,
      );
      expect(proxy.failed()).toBe(3 * wording.uploadsPerAttempt);
      await stopProxy();
    });

    it('retries manifestExists on 503 and then answers', async () => {
      proxy = await startFaultProxy(open.url, {
        failures: 2,
        matches: (request) => request.method === 'HEAD',
      });
      expect(
        await manifestExists(`${proxy.host}/t/base:one`, undefined, { backoffMs: 10 }),
      ).toMatchObject({ exists: true, digest: openDigest });
      expect(proxy.failed()).toBe(2);
      await stopProxy();
    });

    afterAll(stopProxy);
  });
});
