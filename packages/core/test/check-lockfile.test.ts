import { describe, expect, it } from 'vitest';
import { findStaleImporters, parseLockfile } from '../src/index.js';

const lockfile = parseLockfile(
  `lockfileVersion: '9.0'

overrides:
  nanoid@>=3.0.0 <3.1.31: ^3.1.31

catalogs:
  default:
    vite:
      specifier: ^7.1.0
      version: 7.1.12

importers:

  .: {}

  apps/api:
    dependencies:
      express:
        specifier: ^4.21.0
        version: 4.21.1
      nanoid:
        specifier: ^3.1.31
        version: 3.3.7
      react:
        specifier: ^18.2.0
        version: 18.3.1
      vite:
        specifier: ^7.1.0
        version: 7.1.12
`,
  'pnpm-lock.yaml',
);

const api = (
  dependencies: Record<string, string>,
  peerDependencies: Record<string, string> = {},
) => ({
  dir: 'apps/api',
  dependencies: { dependencies, peerDependencies },
});

describe('findStaleImporters', () => {
  const fresh = { express: '^4.21.0', nanoid: '^3.1.20', vite: 'catalog:' };

  it('accepts what pnpm wrote: overrides (range selectors too), catalogs and auto-installed peers', () => {
    expect(findStaleImporters(lockfile, [api(fresh, { react: '^18.0.0' })])).toEqual([]);
  });

  it('reads a name in both dependencies and devDependencies as pnpm does: the dependencies entry', () => {
    // pnpm locks only the dependencies entry (met on unkey: typescript 5.7.3 in dependencies,
    // 5.1.3 in devDependencies, and the lockfile's ^5.7.3); optionalDependencies win over both.
    const both = {
      dir: 'apps/api',
      dependencies: {
        dependencies: fresh,
        devDependencies: { express: '^4.0.0', nanoid: '^3.0.0' },
        peerDependencies: { react: '^18.0.0' },
      },
    };
    expect(findStaleImporters(lockfile, [both])).toEqual([]);
    const optional = {
      ...both,
      dependencies: { ...both.dependencies, optionalDependencies: { express: '^4.0.0' } },
    };
    expect(findStaleImporters(lockfile, [optional])[0]?.problems).toEqual([
      'express is ^4.0.0 in package.json but ^4.21.0 in pnpm-lock.yaml',
    ]);
  });

  it('names a dependency added, changed or removed in package.json without pnpm install', () => {
    const [stale] = findStaleImporters(lockfile, [
      api({ ...fresh, express: '^5.0.0', zod: '^4.0.0' }, { react: '^18.0.0' }),
    ]);
    expect(stale?.problems).toEqual([
      'express is ^5.0.0 in package.json but ^4.21.0 in pnpm-lock.yaml',
      'zod ^4.0.0 is not in pnpm-lock.yaml',
    ]);
    const [removed] = findStaleImporters(lockfile, [
      api({ express: '^4.21.0', nanoid: '^3.1.20', vite: 'catalog:' }),
    ]);
    expect(removed?.problems).toEqual(['react is in pnpm-lock.yaml but no longer in package.json']);
  });

  it('names a package the lockfile has no importer for', () => {
    expect(findStaleImporters(lockfile, [{ dir: 'apps/new', dependencies: {} }])).toEqual([
      { dir: 'apps/new', problems: ['pnpm-lock.yaml has no entry for apps/new'] },
    ]);
  });
});
