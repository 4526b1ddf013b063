import { describe, expect, it } from 'vitest';
import { BuildImagesError, defaultPnpmVersions, resolvePnpm } from '../src/index.js';

const manifest = (fields: object) => JSON.stringify({ name: 'root', ...fields });
const lockfile = (version: string) => `lockfileVersion: '${version}'\n\nimporters:\n`;

function resolveError(rootManifest: string, lock?: string): BuildImagesError {
  try {
    resolvePnpm(rootManifest, lock);
  } catch (error) {
    if (error instanceof BuildImagesError) return error;
    throw error;
  }
  throw new Error('expected resolvePnpm to throw');
}

describe('resolvePnpm', () => {
  it('takes the exact version packageManager pins, with or without a hash', () => {
    expect(resolvePnpm(manifest({ packageManager: 'pnpm@9.11.0' }), lockfile('9.0'))).toEqual({
      version: '9.11.0',
      major: 9,
      source: 'packageManager',
    });
    expect(
      resolvePnpm(manifest({ packageManager: 'pnpm@10.32.1+sha512.a706938f' }), undefined).version,
    ).toBe('10.32.1');
  });

  it.each([
    ['bower@8.19.4', 'names bower, not pnpm'],
    ['yarn@4.5.0', 'names yarn, not pnpm'],
    ['npm@10.9.0', 'names npm, not pnpm'],
    ['pnpm', 'is not an exact pnpm version'],
    ['pnpm@x.y', 'is not an exact pnpm version'],
    [`pnpm@${'9'.repeat(250)}.0.0`, 'is not an exact pnpm version'],
    [42, 'is not "pnpm@<version>"'],
  ])('refuses packageManager %s, naming the file and the fix', (value, says) => {
    const error = resolveError(manifest({ packageManager: value }));
    expect(error.code).toBe('PNPM_UNSUPPORTED');
    expect(error.message).toMatch(/^package\.json: packageManager /);
    expect(error.message).toContain(says);
    expect(error.message.length).toBeLessThan(250);
    expect(error.hint).toContain('"packageManager": "pnpm@10.34.9"');
  });

  it('falls back to engines.pnpm, then to the lockfile format', () => {
    expect(resolvePnpm(manifest({ engines: { pnpm: '9.11.0' } }), undefined)).toMatchObject({
      version: '9.11.0',
      source: 'engines.pnpm',
    });
    expect(resolvePnpm(manifest({ engines: { pnpm: '^9.11.0' } }), undefined).version).toBe(
      defaultPnpmVersions[9],
    );
    // A range of majors builds with the default one when it allows it (logto), else the newest.
    const either = '^9.0.0 || ^10.0.0';
    expect(resolvePnpm(manifest({ engines: { pnpm: either } }), undefined).version).toBe(
      defaultPnpmVersions[10],
    );
    expect(resolvePnpm(manifest({ engines: { pnpm: '>=9 <10 || ^11' } }), undefined).version).toBe(
      defaultPnpmVersions[11],
    );
    expect(resolvePnpm(manifest({}), lockfile('9.0'))).toEqual({
      version: defaultPnpmVersions[10],
      major: 10,
      source: 'lockfileVersion 9.0',
    });
  });

  it('reports pnpm 8 and its lockfile format as unsupported, with the way to upgrade', () => {
    const pinned = resolveError(manifest({ packageManager: 'pnpm@8.15.9' }));
    expect(pinned.code).toBe('PNPM_UNSUPPORTED');
    expect(pinned.message).toBe(
      'package.json: packageManager asks for pnpm 8.15.9; build-images supports pnpm 9, 10, 11',
    );
    expect(pinned.hint).toContain('run `pnpm install` once');
    expect(resolveError(manifest({}), lockfile('6.0')).message).toBe(
      'pnpm-lock.yaml has lockfileVersion 6.0, written by pnpm 8; build-images supports pnpm 9, 10, 11',
    );
    expect(resolveError(manifest({ packageManager: 'pnpm@12.0.0-rc.8' })).hint).toContain(
      defaultPnpmVersions[11],
    );
  });
});
