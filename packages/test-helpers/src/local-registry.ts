import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { dockerForTests } from './docker-engine.js';

export const registryBinary =
  process.env['BUILD_IMAGES_REGISTRY_BINARY'] || '/usr/bin/docker-registry';

/**
 * Decides whether the registry tests run: they need a Docker Engine with the base image and
 * Debian's `docker-registry`. With CI=true a missing one fails the run; locally they skip, loudly.
 */
export async function registryTestEngine(): Promise<Docker | undefined> {
  const docker = await dockerForTests();
  if (docker === undefined) return undefined;
  const missing = [registryBinary, '/usr/bin/htpasswd'].filter((file) => !existsSync(file));
  if (missing.length === 0) return docker;
  const problem = `${missing.join(' and ')} missing: apt-get install -y docker-registry apache2-utils`;
  if (process.env['CI'] === 'true')
    throw new Error(`CI=true and the registry tests cannot run: ${problem}`);
  console.warn(`\n!!! SKIPPING registry tests: ${problem} !!!\n`);
  return undefined;
}

export interface LocalRegistry {
  /** `127.0.0.1:<port>`, the registry part of image references. */
  host: string;
  url: string;
  /** The registry's log so far (for failure messages). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts Debian's `docker-registry` on a free loopback port with filesystem storage in a temp
 * dir, optionally behind htpasswd auth, and waits until `/v2/` answers. `stop` kills it and
 * removes the dir.
 */
export async function startLocalRegistry(
  options: { auth?: { username: string; password: string } } = {},
): Promise<LocalRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'build-images-registry-'));
  const logFile = path.join(dir, 'registry.log');
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    let authSection = '';
    if (options.auth) {
      // htpasswd -B: bcrypt, the only hash the registry accepts.
      const made = spawnSync('htpasswd', ['-Bbn', options.auth.username, options.auth.password], {
        encoding: 'utf8',
      });
      if (made.status !== 0) throw new Error(`htpasswd failed: ${made.stderr}`);
      await writeFile(path.join(dir, 'htpasswd'), made.stdout);
      authSection = `auth:\n  htpasswd:\n    realm: build-images-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
    }
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const config = path.join(dir, 'config.yml');
    await writeFile(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: info',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${path.join(dir, 'data')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: ${host}`,
        '  secret: build-images-test',
        authSection,
      ].join('\n'),
    );
    const fd = openSync(logFile, 'a');
    child = spawn(registryBinary, ['serve', config], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const registry: LocalRegistry = {
      host,
      url: `http://${host}`,
      log: () => readFile(logFile, 'utf8').catch(() => ''),
      stop,
    };
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`docker-registry exited with ${child.exitCode}: ${await registry.log()}`);
      const status = await fetch(`${registry.url}/v2/`).then(
        (response) => response.status,
        () => undefined,
      );
      if (status === 200 || status === 401) return registry;
      if (Date.now() > deadline)
        throw new Error(
          `docker-registry did not answer on ${host} within 15 s: ${await registry.log()}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface FaultProxy {
  /** `127.0.0.1:<port>`: push to this host to go through the proxy. */
  host: string;
  /** How many requests were answered with the fault so far. */
  failed(): number;
  /** Every request seen, as `METHOD path`. */
  requests: string[];
  stop(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of a registry that answers `503 Service Unavailable` to the
 * first `failures` requests `matches` selects (`Infinity`: every one), or with `fault: 'hang'`
 * never answers them, and passes everything
 * else through unchanged, the Host header included, so the registry's upload URLs keep
 * pointing at the proxy.
 */
export async function startFaultProxy(
  target: string,
  options: {
    failures: number;
    matches: (request: IncomingMessage) => boolean;
    /** hang: the selected requests are read and never answered (a registry that stopped). */
    fault?: '503' | 'hang';
  },
): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  let failed = 0;
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    if (failed < options.failures && options.matches(request)) {
      failed++;
      request.resume();
      if (options.fault === 'hang') return;
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          errors: [
            { code: 'UNAVAILABLE', message: 'service unavailable (injected by the test proxy)' },
          ],
        }),
      );
      return;
    }
    const upstream = httpRequest(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      (upstreamResponse) => {
        response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      response.destroy(error);
    });
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    failed: () => failed,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Requests that write to the registry: blob uploads (POST, PATCH, PUT) and manifest PUTs. */
export const isRegistryWrite = (request: IncomingMessage): boolean =>
  request.method !== 'GET' && request.method !== 'HEAD';
export const isManifestPut = (request: IncomingMessage): boolean =>
  request.method === 'PUT' && /\/manifests\//.test(request.url ?? '');
export const isBlobUpload = (request: IncomingMessage): boolean =>
  request.method !== 'GET' &&
  request.method !== 'HEAD' &&
  /\/blobs\/uploads\//.test(request.url ?? '');
