import { describe, expect, it } from 'vitest';
import { findCompiledAddons, parseLockfile } from '../src/index.js';

const lockfile = (extra = '') => `lockfileVersion: '9.0'

importers:

  .: {}

  apps/api:
    dependencies:
      '@acme/auth':
        specifier: workspace:*
        version: link:../../packages/auth

  apps/web:
    devDependencies:
      wrapper:
        specifier: ^1.0.0
        version: 1.0.0

  apps/cli:
    dependencies:
      ms:
        specifier: ^2.1.0
        version: 2.1.3

  packages/auth:
    dependencies:
      bcrypt:
        specifier: ^5.1.1
        version: 5.1.1

packages:

  bcrypt@5.1.1:
    resolution: {integrity: sha512-a}

  '@datadog/pprof@5.3.0':
    resolution: {integrity: sha512-b}

  wrapper@1.0.0:
    resolution: {integrity: sha512-c}

  ms@2.1.3:
    resolution: {integrity: sha512-d}
${extra}
snapshots:

  bcrypt@5.1.1: {}

  '@datadog/pprof@5.3.0': {}

  wrapper@1.0.0:
    dependencies:
      '@datadog/pprof': 5.3.0

  ms@2.1.3: {}
`;

const apps = [
  { name: 'api', importers: ['apps/api', 'packages/auth'] },
  { name: 'web', importers: ['apps/web'] },
  { name: 'cli', importers: ['apps/cli'] },
];

describe('findCompiledAddons', () => {
  it('finds the native packages each app reaches, through workspace and registry dependencies, dev ones too', () => {
    const found = findCompiledAddons(parseLockfile(lockfile(), 'pnpm-lock.yaml'), apps);
    expect(Object.fromEntries(found)).toEqual({ api: ['bcrypt'], web: ['@datadog/pprof'] });
  });

  it('finds nothing when the lockfile has no native package', () => {
    const text = lockfile()
      .replace(/bcrypt/g, 'bcryptjs')
      .replace(/@datadog\/pprof/g, 'pure-js');
    expect(findCompiledAddons(parseLockfile(text, 'pnpm-lock.yaml'), apps).size).toBe(0);
  });
});
