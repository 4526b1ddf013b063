import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPnpmVersions } from '@build-images/core';
import {
  demuxLogs,
  dockerForTests,
  removeTestResources,
  runBin,
  testBaseImage,
  writeTree,
  type BinResult,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `majors${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;
const majors = [9, 10, 11] as const;

/** That pnpm's binary, installed once per machine with npm (as a user's would be). */
function pnpmBinary(version: string): string {
  const home = path.join(os.homedir(), '.cache', 'build-images', `pnpm-${version}`);
  const bin = path.join(home, 'bin', 'pnpm');
  if (!existsSync(bin)) {
    const result = spawnSync(
      'npm',
      ['install', '--global', '--silent', '--prefix', home, `pnpm@${version}`],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`npm install pnpm@${version}: ${result.stderr}`);
  }
  return bin;
}

const build = (name: string) =>
  `mkdir -p dist && cp src/*.js dist/ && node -e "require('fs').writeFileSync('dist/${name}-built-by.txt', process.env.npm_config_user_agent.split(' ')[0])"`;

/**
 * An app and a shared package that both gitignore their `dist` and list no `files`, a
 * test helper the app has only as a devDependency (whose build fails, so building it
 * fails the image), and an app with no build script in its closure; locked by that pnpm.
 */
async function majorWorkspace(major: number): Promise<string> {
  const version = defaultPnpmVersions[major]!;
  const root = await writeTree({
    'package.json': {
      name: `fixture-pnpm${major}`,
      private: true,
      // Kept in the install stages' root manifest: this run's layers are its own.
      version: `0.0.0-${runId}`,
      packageManager: `pnpm@${version}`,
      // The base image's own pnpm 10 fails these with ERR_PNPM_UNSUPPORTED_ENGINE.
      engines: { pnpm: `${major}.x` },
    },
    'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
    'packages/shared/package.json': {
      name: '@fx/shared',
      version: '1.0.0',
      type: 'module',
      main: 'dist/index.js',
      scripts: { build: build('shared') },
    },
    'packages/shared/.gitignore': 'dist\n',
    'packages/shared/.npmignore': 'dist\n',
    'packages/shared/src/index.js':
      "import fs from 'node:fs';\nexport const builtBy = fs.readFileSync(new URL('./shared-built-by.txt', import.meta.url), 'utf8');\n",
    'packages/test-helpers/package.json': {
      name: '@fx/test-helpers',
      version: '1.0.0',
      main: 'index.js',
      scripts: { build: "echo 'test helpers are not part of the build' >&2 && exit 9" },
    },
    'packages/test-helpers/index.js': 'module.exports = {};\n',
    'apps/app/package.json': {
      name: '@fx/app',
      version: '1.0.0',
      type: 'module',
      main: 'dist/main.js',
      scripts: { build: build('app') },
      dependencies: { '@fx/shared': 'workspace:*', ms: '2.1.3' },
      devDependencies: { '@fx/test-helpers': 'workspace:*' },
    },
    'apps/app/.gitignore': 'dist\n',
    'apps/app/src/main.js':
      "import fs from 'node:fs';\nimport ms from 'ms';\nimport { builtBy } from '@fx/shared';\nconst app = fs.readFileSync(new URL('./app-built-by.txt', import.meta.url), 'utf8');\nconsole.log(JSON.stringify({ app, shared: builtBy, ms: ms(1500), src: fs.existsSync('src'), test: fs.existsSync('test') }));\n",
    'apps/app/test/main.test.js': 'throw new Error("tests are not shipped");\n',
    'apps/plain/package.json': {
      name: '@fx/plain',
      version: '1.0.0',
      main: 'index.js',
      dependencies: { ms: '2.1.3' },
    },
    'apps/plain/index.js': "console.log('plain', require('ms')(60000));\n",
  });
  const lock = spawnSync(pnpmBinary(version), ['install', '--lockfile-only'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  if (lock.status !== 0)
    throw new Error(`pnpm ${version} install --lockfile-only: ${lock.stderr}${lock.stdout}`);
  return root;
}

async function runToEnd(image: string): Promise<{ code: number; logs: string }> {
  const container = await docker!.createContainer({
    Image: image,
    Labels: { 'build-images.test': runId },
  });
  await container.start();
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  return {
    code: StatusCode,
    logs: demuxLogs(await container.logs({ stdout: true, stderr: true })),
  };
}

describe.skipIf(!docker)('pnpm 9, 10 and 11 workspaces built and run on a real engine', () => {
  const builds = new Map<number, BinResult>();
  beforeAll(async () => {
    // One after another: two cores, and the three builds share nothing but the store cache.
    for (const major of majors) {
      const root = await majorWorkspace(major);
      builds.set(
        major,
        await runBin(['--tag', `${prefix}{app}-pnpm${major}:t`, '--base-image', testBaseImage], {
          cwd: root,
          env: { CI: 'true' },
        }),
      );
    }
  });
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it.each(majors)('pnpm %i: builds both apps with the pinned pnpm', (major) => {
    const result = builds.get(major)!;
    expect(result.stderr + result.stdout).not.toContain('error:');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('2 built');
  });

  it.each(majors)(
    'pnpm %i: the runtime holds the build output of the app and its workspace dependency, without sources or tests',
    async (major) => {
      const { code, logs } = await runToEnd(`${prefix}app-pnpm${major}:t`);
      expect(code).toBe(0);
      expect(JSON.parse(logs.trim())).toEqual({
        app: `pnpm/${defaultPnpmVersions[major]}`,
        shared: `pnpm/${defaultPnpmVersions[major]}`,
        ms: '2s',
        src: false,
        test: false,
      });
    },
  );

  it.each(majors)(
    'pnpm %i: an app with no build script anywhere builds and runs',
    async (major) => {
      const { code, logs } = await runToEnd(`${prefix}plain-pnpm${major}:t`);
      expect(code).toBe(0);
      expect(logs.trim()).toBe('plain 1m');
    },
  );
});
