import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerForTests,
  lockWorkspace,
  removeTestResources,
  runBin,
  testBaseImage,
  testEngineAddress,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `remote${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

interface TcpProxy {
  port: number;
  /** Connections accepted and bytes passed towards the engine so far. */
  connections: number;
  bytesToEngine: number;
  stop(): Promise<void>;
}

/**
 * A loopback TCP listener that pipes every connection to the tests' engine (DOCKER_HOST, else
 * the local socket): that engine becomes a "remote" tcp engine without restarting dockerd.
 */
async function startTcpProxy(): Promise<TcpProxy> {
  const engineAddress = testEngineAddress();
  const sockets = new Set<Socket>();
  const proxy: TcpProxy = {
    port: 0,
    connections: 0,
    bytesToEngine: 0,
    stop: async () => undefined,
  };
  const server: Server = createServer((client) => {
    proxy.connections++;
    const engine =
      'socketPath' in engineAddress
        ? connect(engineAddress.socketPath)
        : connect(engineAddress.port, engineAddress.host);
    sockets.add(client).add(engine);
    client.on('data', (chunk: Buffer) => (proxy.bytesToEngine += chunk.length));
    client.pipe(engine).pipe(client);
    const close = () => {
      client.destroy();
      engine.destroy();
      sockets.delete(client);
      sockets.delete(engine);
    };
    client.on('error', close).on('close', close);
    engine.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.stop = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return proxy;
}

/** A docker config dir holding one context, as `docker context create <name> --docker host=<host>` writes it. */
async function dockerConfigWithContext(name: string, host: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'build-images-docker-config-'));
  const metaDir = path.join(
    dir,
    'contexts',
    'meta',
    createHash('sha256').update(name).digest('hex'),
  );
  await mkdir(metaDir, { recursive: true });
  await writeFile(
    path.join(metaDir, 'meta.json'),
    JSON.stringify({
      Name: name,
      Metadata: {},
      Endpoints: { docker: { Host: host, SkipTLSVerify: false } },
    }),
  );
  await writeFile(path.join(dir, 'config.json'), JSON.stringify({ auths: {} }));
  return dir;
}

describe.skipIf(!docker)(
  'builds on an engine reached over tcp, through DOCKER_HOST and through a docker context',
  () => {
    let root: string;
    let proxy: TcpProxy;

    beforeAll(async () => {
      proxy = await startTcpProxy();
      root = await writeTree({
        'package.json': {
          name: 'fixture',
          private: true,
          // Kept in the install stages' root manifest: this run's layers are its own.
          version: `0.0.0-${runId}`,
          packageManager: 'pnpm@10.34.9',
        },
        'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
        'apps/tiny/package.json': {
          name: '@fx/tiny',
          version: '1.0.0',
          type: 'module',
          main: 'dist/main.js',
          files: ['dist'],
          scripts: { build: 'mkdir -p dist && cp src/main.js dist/' },
        },
        'apps/tiny/src/main.js': `console.log('tiny ${runId}');\n`,
      });
      lockWorkspace(root, { offline: true });
    });
    afterAll(async () => {
      await proxy?.stop();
      if (docker) await removeTestResources(docker, runId, prefix);
    });

    it('builds with DOCKER_HOST=tcp://127.0.0.1:<port>, every request going through the tcp listener', async () => {
      const before = { ...proxy };
      const result = await runBin(
        ['--json', '--tag', `${prefix}{app}:tcp`, '--base-image', testBaseImage],
        {
          cwd: root,
          env: {
            CI: 'true',
            DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}`,
            DOCKER_CONTEXT: '',
            DOCKER_TLS_VERIFY: '',
          },
        },
      );
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const output = JSON.parse(result.stdout) as {
        results: { app: string; status: string; imageId: string }[];
      };
      expect(output.results.map((entry) => [entry.app, entry.status])).toEqual([['tiny', 'built']]);
      const image = await docker!.getImage(`${prefix}tiny:tcp`).inspect();
      expect(image.Id).toBe(output.results[0]!.imageId);
      // The ping, the build (with its context) and BuildKit's session went through the proxy.
      expect(proxy.connections - before.connections).toBeGreaterThanOrEqual(2);
      expect(proxy.bytesToEngine - before.bytesToEngine).toBeGreaterThan(1000);
    });

    it('builds through the docker context named by DOCKER_CONTEXT, without DOCKER_HOST', async () => {
      const before = { ...proxy };
      const config = await dockerConfigWithContext(`tcp-${runId}`, `tcp://127.0.0.1:${proxy.port}`);
      const result = await runBin(
        ['--json', '--tag', `${prefix}{app}:context`, '--base-image', testBaseImage],
        {
          cwd: root,
          env: {
            CI: 'true',
            DOCKER_HOST: '',
            DOCKER_CONFIG: config,
            DOCKER_CONTEXT: `tcp-${runId}`,
          },
        },
      );
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const output = JSON.parse(result.stdout) as { results: { app: string; status: string }[] };
      // The tcp test built it already: every step is cached now.
      expect(output.results.map((entry) => [entry.app, entry.status])).toEqual([
        ['tiny', 'cached'],
      ]);
      await expect(docker!.getImage(`${prefix}tiny:context`).inspect()).resolves.toBeDefined();
      expect(proxy.connections - before.connections).toBeGreaterThanOrEqual(2);
    });

    it('fails before any build, exit 3 naming the context, when its engine does not answer', async () => {
      const config = await dockerConfigWithContext('dead-engine', 'tcp://127.0.0.1:1');
      const result = await runBin(['--tag', `${prefix}{app}:dead`, '--base-image', testBaseImage], {
        cwd: root,
        env: { CI: 'true', DOCKER_HOST: '', DOCKER_CONFIG: config, DOCKER_CONTEXT: 'dead-engine' },
      });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        'No Docker Engine answers at docker context "dead-engine" (tcp://127.0.0.1:1): the connection was refused (ECONNREFUSED)',
      );
      expect(result.stderr).toContain('hint: ');
    });

    it('fails before any build, exit 2, on a malformed DOCKER_HOST or an unknown context', async () => {
      const malformed = await runBin(
        ['--tag', `${prefix}{app}:bad`, '--base-image', testBaseImage],
        { cwd: root, env: { CI: 'true', DOCKER_HOST: 'http://x' } },
      );
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toContain(
        'error: DOCKER_HOST=http://x is not an engine address: the scheme "http://" is not one of unix://, tcp://, ssh://',
      );
      const config = await dockerConfigWithContext('known', `tcp://127.0.0.1:${proxy.port}`);
      const unknown = await runBin(['--tag', `${prefix}{app}:bad`, '--base-image', testBaseImage], {
        cwd: root,
        env: { CI: 'true', DOCKER_HOST: '', DOCKER_CONFIG: config, DOCKER_CONTEXT: 'unknown' },
      });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain(
        'error: Docker context "unknown" (from DOCKER_CONTEXT=unknown) does not exist',
      );
      expect(unknown.stderr).not.toContain('building');
    });
  },
);
