import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runBin, writeTree } from '@build-images/test-helpers';

/**
 * Engines that misbehave, faked on loopback: each answers the way a broken, foreign or stalled
 * engine would, and the run must end promptly with a message naming the address.
 */
type Handler = (request: IncomingMessage, response: ServerResponse, socket: Socket) => void;

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((server) => new Promise((r) => server.close(r))));
});

async function fakeEngine(handle: Handler): Promise<string> {
  const server = createServer((request, response) => handle(request, response, request.socket));
  server.on('connection', (socket) => sockets.add(socket));
  // The session upgrade: answered, then left open (no BuildKit behind it).
  server.on('upgrade', (_request, socket: Socket) => {
    sockets.add(socket);
    socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An engine's /_ping: "OK" with BuildKit; everything else per the case. */
const engineLike =
  (build: Handler): Handler =>
  (request, response, socket) => {
    if (request.url?.startsWith('/_ping')) {
      response.writeHead(200, { 'Api-Version': '1.41', 'Builder-Version': '2' });
      response.end('OK');
    } else if (request.url?.includes('/build/cancel')) {
      response.writeHead(200).end();
    } else if (request.url?.includes('/build')) {
      // As an engine does: the whole context is read, then the stream answers.
      request.on('end', () => build(request, response, socket)).resume();
    } else {
      response.writeHead(404).end('{"message":"page not found"}');
    }
  };

const workspace = {
  'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
  'package.json': { name: 'root', private: true },
  'apps/api/package.json': { name: '@acme/api', main: 'dist/main.js' },
  'pnpm-lock.yaml': "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n\n  apps/api: {}\n",
};

async function buildAgainst(host: string, env: Record<string, string> = {}) {
  const dir = await writeTree(workspace);
  const started = Date.now();
  const result = await runBin(['--base-image', 'node:24.21.0-bookworm-slim'], {
    cwd: dir,
    env: { CI: 'true', DOCKER_HOST: host, DOCKER_CONTEXT: '', ...env },
  });
  return { ...result, seconds: (Date.now() - started) / 1000 };
}

describe('engine faults end, loudly, naming the engine', () => {
  it('refuses what answers HTML with status 200 as no Docker Engine: exit 3, before any build', async () => {
    const host = await fakeEngine((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<html><body>Welcome to nginx!</body></html>');
    });
    const result = await buildAgainst(host);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `error: What answers at DOCKER_HOST=${host} is not a Docker Engine: its /_ping said "<html><body>Welcome to nginx!</body></html>"`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an engine without BuildKit (Builder-Version: 1) before any build: exit 3', async () => {
    const host = await fakeEngine((_request, response) => {
      response.writeHead(200, { 'Api-Version': '1.41', 'Builder-Version': '1' });
      response.end('OK');
    });
    const result = await buildAgainst(host);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `error: The Docker Engine at DOCKER_HOST=${host} does not build with BuildKit (its /_ping says Builder-Version: 1)`,
    );
    expect(result.stderr).toContain('"features": { "buildkit": true }');
  });

  it('fails a build whose stream sends its headers and then nothing, after the idle bound, naming the engine', async () => {
    const host = await fakeEngine(
      engineLike((_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.flushHeaders();
      }),
    );
    const result = await buildAgainst(host, { BUILD_IMAGES_BUILD_IDLE_TIMEOUT: '2' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `the build stream of api from the engine at http://127.0.0.1:${new URL(host).port} sent nothing for 2 s`,
    );
    expect(result.seconds).toBeLessThan(30);
  });

  it('fails a build whose stream sends a line that is not JSON, quoting it', async () => {
    const host = await fakeEngine(
      engineLike((_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.write('{"stream":"Step 1/2"}\n');
        response.end('502 Bad Gateway from a proxy\n');
      }),
    );
    const result = await buildAgainst(host);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `the build stream of api from the engine at http://127.0.0.1:${new URL(host).port} sent a line that is not JSON: "502 Bad Gateway from a proxy"`,
    );
  });

  it('says which engine did not open a BuildKit session when POST /session is not served', async () => {
    const host = await fakeEngine((request, response) => {
      if (request.url?.startsWith('/_ping')) {
        response.writeHead(200, { 'Api-Version': '1.60', 'Builder-Version': '2' });
        response.end('OK');
      } else response.writeHead(404).end('{"message":"page not found"}');
    });
    // An engine without /session answers the upgrade with 404 instead of 101.
    servers.at(-1)!.removeAllListeners('upgrade');
    servers.at(-1)!.on('upgrade', (_request, socket: Socket) => {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    });
    const result = await buildAgainst(host);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `error: The engine at http://127.0.0.1:${new URL(host).port} did not open a BuildKit session (POST /session)`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits at once when the credential helper the docker config names is missing', async () => {
    const host = await fakeEngine(engineLike(() => undefined));
    const config = await writeTree({ 'config.json': { credsStore: 'nosuchhelper' } });
    const dir = await writeTree(workspace);
    const started = Date.now();
    const result = await runBin(
      [
        '--push',
        '--registry',
        'registry.example.com/acme',
        '--base-image',
        'node:24.21.0-bookworm-slim',
      ],
      {
        cwd: dir,
        env: { CI: 'true', DOCKER_HOST: host, DOCKER_CONTEXT: '', DOCKER_CONFIG: config },
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: The credential helper docker-credential-nosuchhelper failed for registry.example.com: docker-credential-nosuchhelper was not found on PATH',
    );
    // The helper's 30 s bound no longer keeps the process alive once the error is out.
    expect((Date.now() - started) / 1000).toBeLessThan(15);
  });

  it('refuses an idle bound that is not a number of seconds, naming the variable: exit 2', async () => {
    const result = await buildAgainst('tcp://127.0.0.1:1', {
      BUILD_IMAGES_PUSH_IDLE_TIMEOUT: 'soon',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: BUILD_IMAGES_PUSH_IDLE_TIMEOUT=soon is not a number of seconds',
    );
  });
});
