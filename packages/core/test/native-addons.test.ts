import { describe, expect, it } from 'vitest';
import { createBuildPolicy, findCompiledAddons, parseLockfile } from '../src/index.js';

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

  it('leaves out an addon the lockfile marks optional: pnpm goes on when its build fails', () => {
    const text = lockfile().replace('  bcrypt@5.1.1: {}', '  bcrypt@5.1.1:\n    optional: true');
    const found = findCompiledAddons(parseLockfile(text, 'pnpm-lock.yaml'), apps);
    expect(Object.fromEntries(found)).toEqual({ web: ['@datadog/pprof'] });
  });

  it("gives every app the root importer's addons, which every install installs (postiz keeps bcrypt at the root)", () => {
    const text = lockfile().replace(
      '  .: {}',
      '  .:\n    dependencies:\n      ms:\n        specifier: ^2.1.0\n        version: 2.1.3\n    devDependencies:\n      bcrypt:\n        specifier: ^5.1.1\n        version: 5.1.1',
    );
    const found = findCompiledAddons(parseLockfile(text, 'pnpm-lock.yaml'), apps);
    expect(Object.fromEntries(found)).toEqual({
      api: ['bcrypt'],
      web: ['@datadog/pprof', 'bcrypt'],
      cli: ['bcrypt'],
    });
  });

  it('finds nothing when the lockfile has no native package', () => {
    const text = lockfile()
      .replace(/bcrypt/g, 'bcryptjs')
      .replace(/@datadog\/pprof/g, 'pure-js');
    expect(findCompiledAddons(parseLockfile(text, 'pnpm-lock.yaml'), apps).size).toBe(0);
  });
});

describe('createBuildPolicy', () => {
  const root = (pnpm?: object) => JSON.stringify({ name: 'root', ...(pnpm ? { pnpm } : {}) });
  it('runs every install script on pnpm 9 and none on pnpm 10+ without settings', () => {
    expect(createBuildPolicy({}, root(), 9)('bcrypt')).toBe(true);
    expect(createBuildPolicy({}, root(), 10)('bcrypt')).toBe(false);
    expect(createBuildPolicy({}, root(), 11)('bcrypt')).toBe(false);
  });

  it('follows onlyBuiltDependencies (workspace file or root manifest), allowBuilds and the deny lists', () => {
    const only = createBuildPolicy(
      { onlyBuiltDependencies: ['bcrypt', '@datadog/pprof@5.3.0'] },
      root(),
      10,
    );
    expect([only('bcrypt'), only('@datadog/pprof'), only('cpu-features')]).toEqual([
      true,
      true,
      false,
    ]);
    const fromManifest = createBuildPolicy({}, root({ onlyBuiltDependencies: ['re2'] }), 9);
    expect([fromManifest('re2'), fromManifest('bcrypt')]).toEqual([true, false]);
    const map = createBuildPolicy(
      { allowBuilds: { bcrypt: true, 'cpu-features': false } },
      root(),
      11,
    );
    expect([map('bcrypt'), map('cpu-features')]).toEqual([true, false]);
    const never = createBuildPolicy({ neverBuiltDependencies: ['canvas'] }, root(), 9);
    expect([never('canvas'), never('bcrypt')]).toEqual([false, true]);
    const all = createBuildPolicy({ dangerouslyAllowAllBuilds: true }, root(), 10);
    expect(all('node-pty')).toBe(true);
  });
});
