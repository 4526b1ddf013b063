import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startBuiltApp, type BuiltApp } from '@acme/testing';

const appDir = join(import.meta.dirname, '..');
let app: BuiltApp | undefined;

afterEach(() => {
  app?.kill();
});

it('built worker processes jobs, then exits 0 within 2 s of SIGTERM', async () => {
  app = startBuiltApp(appDir, { INTERVAL_MS: '50' });
  await app.waitForLog((line) => line.msg === 'job done' && line.job === 'job-2');

  const exit = await app.terminate();
  expect(exit).toMatchObject({ code: 0, signal: null });
  expect(exit.elapsedMs).toBeLessThan(2_000);
  await app.waitForLog((line) => line.msg === 'worker stopped');
  await app.waitForLog((line) => line.msg === 'shutdown complete');
});

it('built worker exits 1 on an invalid INTERVAL_MS', async () => {
  app = startBuiltApp(appDir, { INTERVAL_MS: 'often' });
  const exit = await app.waitForExit();
  expect(exit).toMatchObject({ code: 1, signal: null });
  await app.waitForLog((line) => line.msg === 'worker failed to start');
});
