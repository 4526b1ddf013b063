import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  brokenAppWorkspace,
  dockerForTests,
  fixtureRootManifest,
  lockWorkspace,
  removeTestResources,
  runBin,
  testBaseImage,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `fail${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

describe.skipIf(!docker)('a workspace with one broken app, built on a real engine', () => {
  let root: string;
  beforeAll(async () => {
    root = await brokenAppWorkspace(runId);
  });
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it("builds the other apps, names the failure with the engine's error, exits 1 and leaves no container", async () => {
    const containersBefore = (await docker!.listContainers({ all: true })).length;
    const result = await runBin(['--tag', `${prefix}{app}:test`, '--base-image', testBaseImage], {
      cwd: root,
      env: { CI: 'true' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^alpha\s+built\s/m);
    expect(result.stdout).toMatch(/^beta\s+built\s/m);
    expect(result.stdout).toMatch(/^broken\s+failed\s/m);
    // The daemon's own words, and the failing step's output.
    expect(result.stdout).toMatch(/broken failed: .*exit code: 7/);
    expect(result.stdout).toContain('error TS1005: broken <on> purpose');
    expect(result.stdout).toContain('2 built, 1 failed');
    await expect(docker!.getImage(`${prefix}alpha:test`).inspect()).resolves.toBeDefined();
    await expect(docker!.getImage(`${prefix}beta:test`).inspect()).resolves.toBeDefined();
    await expect(docker!.getImage(`${prefix}broken:test`).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
    expect((await docker!.listContainers({ all: true })).length).toBe(containersBefore);
  });

  it('builds only the app named on the command line', async () => {
    const result = await runBin(
      ['alpha', '--json', '--tag', `${prefix}{app}:only`, '--base-image', testBaseImage],
      { cwd: root },
    );
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as {
      results: { app: string; status: string; imageId: string }[];
    };
    // The first test built alpha with other tags: every step is cached now.
    expect(output.results.map((entry) => [entry.app, entry.status])).toEqual([['alpha', 'cached']]);
    expect(output.results[0]?.imageId).toMatch(/^sha256:/);
    await expect(docker!.getImage(`${prefix}beta:only`).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('stops at the first failure with --bail', async () => {
    const result = await runBin(
      [
        'broken',
        'alpha',
        '--bail',
        '--concurrency',
        '1',
        '--tag',
        `${prefix}{app}:bail`,
        '--base-image',
        testBaseImage,
      ],
      { cwd: root, env: { CI: 'true' } },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^broken\s+failed\s/m);
    expect(result.stdout).toMatch(/^alpha\s+skipped\s/m);
  });

  it('fails the build of an image whose command runs a file the build did not write, naming the files it did', async () => {
    // hoppscotch's backend: start:prod runs node dist/main, but its tsconfig takes in a file
    // beside src/ (prisma.config.ts), so Nest writes dist/src/main.js.
    const workspace = await writeTree({
      'package.json': fixtureRootManifest(runId),
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
      'apps/backend/package.json': {
        name: '@fx/backend',
        version: '1.0.0',
        private: true,
        scripts: {
          build: 'mkdir -p dist/src && cp src/main.js dist/src/main.js',
          'start:prod': 'node dist/main',
        },
      },
      'apps/backend/src/main.js': "console.log('up');\n",
    });
    lockWorkspace(workspace, { offline: true });
    const result = await runBin(['--tag', `${prefix}{app}:misrun`, '--base-image', testBaseImage], {
      cwd: workspace,
      env: { CI: 'true' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'apps/backend: the image would run node dist/main, but the build wrote no dist/main (files named main.*js: ./dist/src/main.js )',
    );
    expect(result.stdout).toContain('set buildImages.command in apps/backend/package.json');
    await expect(docker!.getImage(`${prefix}backend:misrun`).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
