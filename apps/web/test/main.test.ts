import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startBuiltApp, type BuiltApp } from '@acme/testing';

const appDir = join(import.meta.dirname, '..');
let app: BuiltApp | undefined;

afterEach(() => {
  app?.kill();
});

it('built app serves /health and the built page, then exits 0 within 2 s of SIGTERM', async () => {
  // Another working directory: the server must find dist/public next to dist/main.js.
  app = startBuiltApp(appDir, {}, tmpdir());
  const { port } = await app.waitForLog((line) => line.msg === 'listening');
  expect(port).toBeGreaterThan(0);

  const health = await fetch(`http://127.0.0.1:${port}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok' });

  const page = await fetch(`http://127.0.0.1:${port}/`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('<main id="app">');
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  expect(script).toBeDefined();
  expect((await fetch(`http://127.0.0.1:${port}${script}`)).status).toBe(200);

  const exit = await app.terminate();
  expect(exit).toMatchObject({ code: 0, signal: null });
  expect(exit.elapsedMs).toBeLessThan(2_000);
  await app.waitForLog((line) => line.msg === 'shutdown complete');
});
