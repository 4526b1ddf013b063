import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startBuiltApp, type BuiltApp } from '@acme/testing';

const appDir = join(import.meta.dirname, '..');
let app: BuiltApp | undefined;

afterEach(() => {
  app?.kill();
});

it('built app answers /health, then exits 0 within 2 s of SIGTERM', async () => {
  app = startBuiltApp(appDir);
  const { port } = await app.waitForLog((line) => line.msg === 'listening');
  expect(port).toBeGreaterThan(0);

  const response = await fetch(`http://127.0.0.1:${port}/health`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'ok' });

  const exit = await app.terminate();
  expect(exit).toMatchObject({ code: 0, signal: null });
  expect(exit.elapsedMs).toBeLessThan(2_000);
  await app.waitForLog((line) => line.msg === 'shutdown complete');
});
