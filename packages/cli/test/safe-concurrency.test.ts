import { describe, expect, it } from 'vitest';
import type { ImageBuildRequest } from '@build-images/core';
import type { CliOptions } from '../src/cli-options.js';
import { safeConcurrency } from '../src/commands/build-command.js';
import type { CliIo } from '../src/run-cli.js';

const engine = (ApiVersion: string, Version: string) => ({
  version: () => Promise.resolve({ ApiVersion, Version }),
});
const request = (fields: Partial<ImageBuildRequest> = {}) =>
  ({ buildArgs: {}, ...fields }) as unknown as ImageBuildRequest;
const withCache = request({ buildArgs: { BUILDKIT_INLINE_CACHE: '1' } });
const fromCache = request({ cacheFrom: ['registry.test/api:main'] });
const options = (concurrency: number, concurrencyChosen = false) =>
  ({ concurrency, concurrencyChosen }) as CliOptions;

function io(): CliIo & { text: () => string } {
  let text = '';
  return {
    stderr: { write: (chunk: string) => ((text += chunk), true) },
    text: () => text,
  } as unknown as CliIo & { text: () => string };
}

describe('builds at once on engines whose BuildKit crashes with parallel registry cache', () => {
  it.each([
    [
      'Engine 20.10 with inline cache export',
      engine('1.41', '20.10.24'),
      [withCache, withCache],
      options(2),
      1,
    ],
    [
      'Engine 20.10 with a cache import',
      engine('1.41', '20.10.24'),
      [fromCache, request()],
      options(4),
      1,
    ],
    [
      'Engine 20.10 without registry cache',
      engine('1.41', '20.10.24'),
      [request(), request()],
      options(2),
      2,
    ],
    [
      'Engine 20.10, --concurrency given',
      engine('1.41', '20.10.24'),
      [withCache, withCache],
      options(3, true),
      3,
    ],
    ['Engine 20.10, one app', engine('1.41', '20.10.24'), [withCache], options(2), 2],
    [
      'Engine 28 with inline cache export',
      engine('1.51', '28.5.2'),
      [withCache, withCache],
      options(2),
      2,
    ],
    ['Engine 23 (API 1.42)', engine('1.42', '23.0.0'), [withCache, withCache], options(2), 2],
  ])('%s', async (_, docker, requests, chosen, expected) => {
    const out = io();
    expect(await safeConcurrency(docker, chosen, requests, out)).toBe(expected);
    if (expected === 1)
      expect(out.text()).toMatch(
        /^note: building one app at a time: Engine 20\.10\.24 \(API 1\.41\)/,
      );
    else expect(out.text()).toBe('');
  });

  it('keeps the chosen number when the engine does not say its version', async () => {
    const docker = { version: () => Promise.reject(new Error('no')) };
    expect(await safeConcurrency(docker, options(2), [withCache, withCache], io())).toBe(2);
  });
});
