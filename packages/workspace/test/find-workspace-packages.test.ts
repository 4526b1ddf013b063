import { findPackages } from '@pnpm/fs.find-packages';
import { describe, expect, it } from 'vitest';
import { writeTree } from '@build-images/test-helpers';
import { findWorkspacePackages } from '../src/find-workspace-packages.js';

const ignore = ['**/node_modules/**', '**/bower_components/**'];

/** What pnpm's own findPackages returns, in the same shape. */
async function pnpmFinds(root: string, patterns: string[]) {
  const projects = await findPackages(root, { patterns, includeRoot: true, ignore });
  return projects.map((project) => ({ rootDir: project.rootDir, manifest: project.manifest }));
}

describe('findWorkspacePackages', () => {
  it("finds the packages and manifests pnpm's findPackages finds, in its order", async () => {
    const root = await writeTree({
      'package.json': '\uFEFF{ "name": "root", "private": true }',
      'apps/web/package.json': { name: '@acme/web', dependencies: { '@acme/ui': 'workspace:*' } },
      'apps/api/package.json': { name: '@acme/api', engines: { node: '>=22' } },
      'apps/api/node_modules/dep/package.json': { name: 'dep' },
      'apps/B-upper/package.json': { name: 'b-upper' },
      'apps/docs/README.md': 'no manifest',
      'packages/ui/package.json': { name: '@acme/ui' },
      'packages/ui/test/fixture/package.json': { name: 'fixture' },
      'packages/nested/deep/package.json': { name: 'deep' },
      'tests/e2e/package.json': { name: 'e2e' },
    });
    const patterns = ['apps/*', 'packages/**', '!packages/nested/**', 'tests/*'];
    const found = await findWorkspacePackages(root, { patterns, ignore });
    expect(found).toEqual(await pnpmFinds(root, patterns));
    expect(found.map((pkg) => pkg.manifest['name'])).toEqual([
      'root',
      'b-upper',
      '@acme/api',
      '@acme/web',
      '@acme/ui',
      'fixture',
      'e2e',
    ]);
  });

  it('leaves package.yaml, package.json5 and declared runtimes to pnpm, with its values', async () => {
    const root = await writeTree({
      'package.json': { name: 'root', private: true },
      'apps/api/package.json': {
        name: '@acme/api',
        devEngines: { runtime: { name: 'node', version: '24.0.0', onFail: 'download' } },
      },
      'apps/web/package.yaml': 'name: "@acme/web"\ndependencies:\n  react: ^19.0.0\n',
      'packages/ui/package.json5': "{ name: '@acme/ui', // comment\n}\n",
    });
    const patterns = ['apps/*', 'packages/*'];
    const found = await findWorkspacePackages(root, { patterns, ignore });
    expect(found).toEqual(await pnpmFinds(root, patterns));
    expect(found.find((pkg) => pkg.manifest['name'] === '@acme/api')?.manifest).toMatchObject({
      devDependencies: { node: 'runtime:24.0.0' },
    });
  });

  it("fails on an invalid package.json with pnpm's error", async () => {
    const root = await writeTree({
      'package.json': { name: 'root' },
      'apps/api/package.json': '{ "name": "@acme/api", }',
    });
    const patterns = ['apps/*'];
    const ours = await findWorkspacePackages(root, { patterns, ignore }).catch((error) => error);
    const pnpms = await pnpmFinds(root, patterns).catch((error) => error);
    expect(ours).toBeInstanceOf(Error);
    expect((ours as Error).message).toBe((pnpms as Error).message);
  });
});
