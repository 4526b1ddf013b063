import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@acme/logger';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, createWebServer } from '../src/server.js';

const indexHtml = '<!doctype html><title>test page</title><main id="app"></main>';
let publicDir: string;
let server: Server | undefined;
let logged: Record<string, unknown>[];

function silentLogger() {
  logged = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') logged.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return createLogger('web', { level: 'info', destination });
}

async function start(): Promise<string> {
  server = createWebServer({ publicDir, logger: silentLogger() });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  publicDir = await mkdtemp(join(tmpdir(), 'acme-web-'));
  await mkdir(join(publicDir, 'assets'));
  await writeFile(join(publicDir, 'index.html'), indexHtml);
  await writeFile(join(publicDir, 'assets', 'app-1234.js'), 'export const answer = 42;');
});

afterAll(async () => {
  await rm(publicDir, { recursive: true, force: true });
});

afterEach(async () => {
  if (server?.listening) await closeServer(server);
  server = undefined;
});

describe('createWebServer', () => {
  it('answers GET /health with 200 JSON', async () => {
    const base = await start();
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('serves index.html at / and logs the request', async () => {
    const base = await start();
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(indexHtml);
    await expect
      .poll(() => logged)
      .toContainEqual(
        expect.objectContaining({ msg: 'request', method: 'GET', url: '/', status: 200 }),
      );
  });

  it('serves hashed assets with a long cache lifetime', async () => {
    const base = await start();
    const response = await fetch(`${base}/assets/app-1234.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toContain('immutable');
  });

  it('answers 404 JSON for unknown paths', async () => {
    const base = await start();
    const response = await fetch(`${base}/missing.png`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not found' });
  });

  it('answers 405 to methods other than GET and HEAD', async () => {
    const base = await start();
    const response = await fetch(`${base}/`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses a public directory without index.html', () => {
    expect(() =>
      createWebServer({ publicDir: join(publicDir, 'assets'), logger: silentLogger() }),
    ).toThrow(/has no index.html/);
  });
});

describe('closeServer', () => {
  it('closes promptly even with an idle keep-alive connection', async () => {
    const base = await start();
    await (await fetch(`${base}/health`)).text();

    const started = performance.now();
    await closeServer(server as Server);

    expect(performance.now() - started).toBeLessThan(500);
    expect(server?.listening).toBe(false);
  });

  it('closes promptly when a streamed response is still in flight', async () => {
    const base = await start();
    // fetch resolves on the headers; the file body is streamed after them.
    const response = await fetch(`${base}/assets/app-1234.js`);

    const started = performance.now();
    await closeServer(server as Server);

    expect(performance.now() - started).toBeLessThan(500);
    expect(await response.text()).toBe('export const answer = 42;');
  });
});
