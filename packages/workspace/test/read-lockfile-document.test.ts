import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLockfileYaml } from '@build-images/core';
import { lockfileCacheDir, readLockfileDocument } from '../src/index.js';

const lockfile = (version: string) =>
  `lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      express:\n        specifier: ^${version}\n        version: ${version}\n`;

const cacheDir = () => mkdtemp(path.join(tmpdir(), 'build-images-cache-'));

describe('readLockfileDocument', () => {
  it('parses a lockfile once and answers later runs from the cache', async () => {
    const dir = await cacheDir();
    const text = lockfile('4.21.2');
    expect(readLockfileDocument(text, dir)).toEqual(parseLockfileYaml(text, 'pnpm-lock.yaml'));
    const [entry] = await readdir(dir);
    // A hit reads the entry: one that says something else is what comes back.
    const stored = JSON.parse(await readFile(path.join(dir, entry!), 'utf8'));
    stored.document.lockfileVersion = 'from the cache';
    await writeFile(path.join(dir, entry!), JSON.stringify(stored));
    expect(readLockfileDocument(text, dir)).toMatchObject({ lockfileVersion: 'from the cache' });
  });

  it('misses on a changed lockfile', async () => {
    const dir = await cacheDir();
    readLockfileDocument(lockfile('4.21.2'), dir);
    expect(readLockfileDocument(lockfile('5.1.0'), dir)).toEqual(
      parseLockfileYaml(lockfile('5.1.0'), 'pnpm-lock.yaml'),
    );
    expect(await readdir(dir)).toHaveLength(2);
  });

  it('ignores a corrupted or foreign entry and writes a good one in its place', async () => {
    const dir = await cacheDir();
    const text = lockfile('4.21.2');
    readLockfileDocument(text, dir);
    const [entry] = await readdir(dir);
    const expected = parseLockfileYaml(text, 'pnpm-lock.yaml');
    for (const corrupted of [
      '{"format": "lockfile-doc',
      'null',
      '{"format": "other", "document": 1}',
    ]) {
      await writeFile(path.join(dir, entry!), corrupted);
      expect(readLockfileDocument(text, dir)).toEqual(expected);
      expect(JSON.parse(await readFile(path.join(dir, entry!), 'utf8')).document).toEqual(expected);
    }
  });

  it('works without a writable cache, and leaves invalid YAML to the planner', async () => {
    const file = path.join(await cacheDir(), 'a-file');
    await writeFile(file, '');
    const text = lockfile('4.21.2');
    expect(readLockfileDocument(text, path.join(file, 'lockfiles'))).toEqual(
      parseLockfileYaml(text, 'pnpm-lock.yaml'),
    );
    const dir = await cacheDir();
    expect(readLockfileDocument('importers: [\n', dir)).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not cache what JSON cannot carry back', async () => {
    const dir = await cacheDir();
    const text = `${lockfile('4.21.2')}\ntime:\n  /express@4.21.2: 2024-10-08T00:00:00.000Z\n`;
    expect(readLockfileDocument(text, dir)).toEqual(parseLockfileYaml(text, 'pnpm-lock.yaml'));
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps the cache under the user cache directory', () => {
    expect(lockfileCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe(
      '/x/cache/build-images/lockfiles',
    );
    expect(lockfileCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/build-images/lockfiles');
  });
});
