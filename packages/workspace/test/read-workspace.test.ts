import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildImagesError } from '@build-images/core';
import { findWorkspaceRoot, readWorkspace } from '../src/index.js';
import { writeTree } from '@build-images/test-helpers';

async function readError(root: string): Promise<BuildImagesError> {
  try {
    await readWorkspace(root);
  } catch (error) {
    if (error instanceof BuildImagesError) return error;
    throw error;
  }
  throw new Error('expected readWorkspace to fail');
}

describe('readWorkspace', () => {
  it('reads every package the workspace globs match, with its dependencies and root files', async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
      'package.json': { name: 'root', private: true },
      'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
      'apps/api/package.json': {
        name: '@acme/api',
        main: 'dist/main.js',
        dependencies: { '@acme/logger': 'workspace:*' },
        buildImages: { port: 3000 },
      },
      'packages/logger/package.json': { name: '@acme/logger', version: '1.2.3' },
      'other/ignored/package.json': { name: 'not-in-workspace' },
    });
    const workspace = await readWorkspace(root);
    expect(workspace.rootFiles).toEqual(['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml']);
    expect(workspace.packages.map((p) => [p.name, p.dir, p.manifestPath])).toEqual([
      ['root', '.', 'package.json'],
      ['@acme/api', 'apps/api', 'apps/api/package.json'],
      ['@acme/logger', 'packages/logger', 'packages/logger/package.json'],
    ]);
    expect(workspace.packages[1]).toMatchObject({
      main: 'dist/main.js',
      dependencies: { dependencies: { '@acme/logger': 'workspace:*' } },
      buildImages: { port: 3000 },
    });
  });

  it('takes a directory that a glob matches but holds no package.json for no package, as packages/sample', async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages:\n  - packages/*\n  - packages/sample/*\n',
      'package.json': { name: 'root', private: true },
      'packages/core/package.json': { name: '@tool/core' },
      'packages/sample/logger/package.json': { name: '@acme/logger' },
    });
    const workspace = await readWorkspace(root);
    expect(workspace.packages.map((p) => p.dir)).toEqual([
      '.',
      'packages/core',
      'packages/sample/logger',
    ]);
    expect(workspace.problems).toEqual([]);
  });

  it('reports every manifest problem and unmatched glob together, each naming its file', async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: [apps/*, libs/*]\n',
      'package.json': { private: true },
      'apps/api/package.json': { version: '1.0.0' },
      'apps/web/package.json': { name: 'web', dependencies: ['react'] },
    });
    const workspace = await readWorkspace(root);
    expect(workspace.problems).toEqual([
      'apps/api/package.json has no "name"; every workspace package needs one',
      'apps/web/package.json: "dependencies" must map package names to version strings',
      'pnpm-workspace.yaml: the glob "libs/*" matches no package (remove it, or add a package.json there)',
    ]);
  });

  it('reads linkWorkspacePackages from pnpm-workspace.yaml', async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: [apps/*]\nlinkWorkspacePackages: true\n',
      'package.json': {},
      'apps/a/package.json': { name: 'a' },
    });
    expect((await readWorkspace(root)).linkWorkspacePackages).toBe(true);
  });

  it('names pnpm-workspace.yaml when it is malformed', async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: apps/*\n',
      'package.json': {},
    });
    const error = await readError(root);
    expect(error.code).toBe('WORKSPACE_INVALID');
    expect(error.message).toContain(path.join(root, 'pnpm-workspace.yaml'));
    expect(error.message).toContain('packages field is not an array');
  });

  it('names the package.json that is not valid JSON', async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: [apps/*]\n',
      'package.json': {},
      'apps/api/package.json': '{ "name": "api", }',
    });
    const error = await readError(root);
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toContain(path.join('apps', 'api', 'package.json'));
  });
});

describe('findWorkspaceRoot', () => {
  it('walks up from a subdirectory to pnpm-workspace.yaml', async () => {
    const root = await writeTree({ 'pnpm-workspace.yaml': 'packages: [apps/*]\n' });
    await mkdir(path.join(root, 'apps/api/src'), { recursive: true });
    expect(await findWorkspaceRoot(path.join(root, 'apps/api/src'))).toBe(root);
  });

  it('says where it looked when there is no workspace', async () => {
    const dir = await writeTree({ 'README.md': 'no workspace here' });
    await expect(findWorkspaceRoot(dir)).rejects.toMatchObject({
      code: 'WORKSPACE_NOT_FOUND',
      message: expect.stringContaining(dir),
    });
  });
});
