import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
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

  it("leaves out a root named like one of its packages (dokploy), naming that package as the root's namesake", async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
      'package.json': { name: 'dokploy', private: true, scripts: { build: 'pnpm -r build' } },
      'apps/dokploy/package.json': { name: 'dokploy', version: '0.30.2' },
      'apps/api/package.json': { name: '@dokploy/api' },
    });
    const workspace = await readWorkspace(root);
    expect(workspace.packages.map((p) => [p.name, p.dir])).toEqual([
      ['@dokploy/api', 'apps/api'],
      ['dokploy', 'apps/dokploy'],
    ]);
    expect(workspace.rootNamesake).toBe('dokploy');
    expect(workspace.problems).toEqual([]);
    // A root of its own name keeps its place, with no namesake.
    const other = await readWorkspace(
      await writeTree({
        'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
        'package.json': { name: 'platform', private: true },
        'apps/dokploy/package.json': { name: 'dokploy' },
      }),
    );
    expect(other.packages.map((p) => p.dir)).toEqual(['.', 'apps/dokploy']);
    expect(other.rootNamesake).toBeUndefined();
  });

  it('warns, naming the file, when pnpm hoists every dependency for all packages to import', async () => {
    const warningsOf = async (files: Record<string, unknown>) =>
      (
        await readWorkspace(
          await writeTree({
            'package.json': { name: 'root', private: true },
            'apps/web/package.json': { name: 'web' },
            'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
            ...files,
          }),
        )
      ).warnings.filter((warning) => warning.kind === 'hoisted-dependencies');
    const [fromWorkspace] = await warningsOf({
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\nnodeLinker: hoisted\n',
    });
    expect(fromWorkspace?.message).toMatch(
      /^pnpm-workspace\.yaml: nodeLinker: hoisted lets a package import what only another package declares .*declare it in the package that imports it$/,
    );
    const [fromNpmrc] = await warningsOf({ '.npmrc': 'shamefully-hoist=true\n' });
    expect(fromNpmrc?.file).toBe('.npmrc');
    expect(fromNpmrc?.message).toContain('.npmrc: shamefully-hoist=true lets');
    expect(await warningsOf({ '.npmrc': 'auto-install-peers=true\n' })).toEqual([]);
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

  it('reports manifest problems as errors, and what pnpm accepts as warnings naming the file', async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: [apps/*, libs/*, .]\n',
      'package.json': { private: true },
      'apps/api/package.json': { version: '1.0.0' },
      'apps/web/package.json': { name: 'web', dependencies: ['react'] },
    });
    const workspace = await readWorkspace(root);
    expect(workspace.problems).toEqual([
      'apps/web/package.json: "dependencies" must map package names to version strings',
    ]);
    // The nameless root and the glob "." naming it are no news; "libs/*" matches nothing.
    expect(workspace.warnings).toEqual([
      {
        kind: 'nameless-package',
        file: 'apps/api/package.json',
        package: undefined,
        message:
          'apps/api/package.json has no "name": pnpm installs it, but no package can depend on it and it is not an app',
      },
      {
        kind: 'glob-matches-nothing',
        file: 'pnpm-workspace.yaml',
        package: undefined,
        message:
          'pnpm-workspace.yaml: the glob "libs/*" matches no package (pnpm accepts that; remove it if it is stale)',
      },
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

  it('names the one workspace below the directory and how to run there, without guessing', async () => {
    const dir = await writeTree({
      'README.md': 'a python repo',
      'js/pnpm-workspace.yaml': 'packages: [packages/*]\n',
      'js/packages/ui/pnpm-workspace.yaml': 'packages: []\n',
      'node_modules/x/pnpm-workspace.yaml': 'packages: []\n',
    });
    await expect(findWorkspaceRoot(dir)).rejects.toMatchObject({
      code: 'WORKSPACE_NOT_FOUND',
      message: `No pnpm-workspace.yaml in ${dir} or any directory above it; there is one in js/`,
      hint: expect.stringContaining('--cwd js'),
    });
  });

  it('lists every workspace below when there are several', async () => {
    const dir = await writeTree({
      'js/pnpm-workspace.yaml': 'packages: [packages/*]\n',
      'tools/pnpm-workspace.yaml': 'packages: [plugins/*]\n',
    });
    await expect(findWorkspaceRoot(dir)).rejects.toMatchObject({
      message: expect.stringContaining('there are 2 below it: js/, tools/'),
    });
  });

  it('says where it looked when there is no workspace', async () => {
    const dir = await writeTree({ 'README.md': 'no workspace here' });
    await expect(findWorkspaceRoot(dir)).rejects.toMatchObject({
      code: 'WORKSPACE_NOT_FOUND',
      message: expect.stringContaining(dir),
    });
  });
});

/** The package directories pnpm itself sees in a workspace, from `pnpm ls -r --json`. */
function pnpmProjectDirs(root: string): string[] {
  const result = spawnSync('pnpm', ['ls', '-r', '--depth', '-1', '--json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`pnpm ls failed: ${result.stderr}`);
  const projects = JSON.parse(result.stdout) as { path: string }[];
  return projects
    .map(
      (project) => path.relative(realpathSync(root), project.path).split(path.sep).join('/') || '.',
    )
    .sort();
}

describe('readWorkspace finds the packages pnpm finds', () => {
  const manifests = {
    'package.json': { name: 'root', private: true },
    'apps/api/package.json': { name: 'api' },
    'apps/web/package.json': { name: 'web' },
    'packages/lib/package.json': { name: 'lib' },
    'packages/lib/test/fixture/package.json': { name: 'lib-fixture' },
    'packages/lib/node_modules/dep/package.json': { name: 'dep' },
    'tests/e2e/package.json': { name: 'e2e' },
  };

  it('keeps packages under test/ and tests/ that the globs name, as pnpm does', async () => {
    const root = await writeTree({
      ...manifests,
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/**\n  - tests/*\n',
    });
    const dirs = (await readWorkspace(root)).packages.map((pkg) => pkg.dir).sort();
    expect(dirs).toContain('packages/lib/test/fixture');
    expect(dirs).toContain('tests/e2e');
    expect(dirs).toEqual(pnpmProjectDirs(root));
  });

  it('applies negated globs as pnpm does, and a glob matching only test packages is no error', async () => {
    const root = await writeTree({
      ...manifests,
      'pnpm-workspace.yaml':
        'packages:\n  - apps/*\n  - "!apps/web"\n  - packages/**\n  - "!**/test/**"\n  - tests/*\n',
    });
    const workspace = await readWorkspace(root);
    const dirs = workspace.packages.map((pkg) => pkg.dir).sort();
    expect(dirs).toEqual(['.', 'apps/api', 'packages/lib', 'tests/e2e']);
    expect(dirs).toEqual(pnpmProjectDirs(root));
    expect(workspace.problems).toEqual([]);
    expect(workspace.warnings).toEqual([]);
  });
});

describe('readWorkspace: root build inputs', () => {
  it("follows each package's tsconfig extends chain to the root files no package owns", async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: [apps/*, packages/*]\n',
      'package.json': { private: true },
      'tsconfig.json': '{ "compilerOptions": { "strict": true, }, }\n',
      '.configs/tsconfig.base.json':
        '// shared settings\n{\n  /* the root one */ "extends": "../tsconfig.json",\n  "compilerOptions": { "target": "es2022", },\n}\n',
      '.configs/tsconfig.extra.json': '{}\n',
      'packages/core/package.json': { name: '@acme/core' },
      'packages/core/tsconfig.json':
        '{\n  // comments and trailing commas, as tsc accepts\n  "extends": "../../.configs/tsconfig.base.json",\n}\n',
      'packages/tsconfig/package.json': { name: '@acme/tsconfig' },
      'packages/tsconfig/base.json': { extends: '../../tsconfig.json' },
      'packages/local/package.json': { name: '@acme/local' },
      'packages/local/tsconfig.json': { extends: './tsconfig.base.json' },
      'packages/local/tsconfig.base.json': { extends: '../../.configs/tsconfig.extra' },
      'apps/api/package.json': {
        name: '@acme/api',
        scripts: { build: 'tsc -p tsconfig.build.json' },
      },
      'apps/api/tsconfig.json': { extends: ['@acme/tsconfig/base.json', '@tsconfig/node22'] },
      'apps/api/tsconfig.build.json': {
        extends: ['./tsconfig.json', '../../.configs/tsconfig.base.json'],
      },
      'apps/web/package.json': { name: '@acme/web' },
      'apps/web/tsconfig.json': { extends: '../../../outside/tsconfig.json' },
    });
    const workspace = await readWorkspace(root);
    const inputs = Object.fromEntries(
      workspace.packages.map((pkg) => [pkg.name ?? pkg.dir, pkg.buildInputs]),
    );
    expect(inputs).toEqual({
      '@acme/api': ['.configs/tsconfig.base.json', 'tsconfig.json'],
      '@acme/web': [],
      '@acme/core': ['.configs/tsconfig.base.json', 'tsconfig.json'],
      '@acme/local': ['.configs/tsconfig.extra.json'],
      '@acme/tsconfig': [],
    });
    expect(workspace.warnings).toEqual([
      expect.objectContaining({
        kind: 'build-input-outside-workspace',
        file: 'apps/web/tsconfig.json',
        package: '@acme/web',
      }),
    ]);
  });

  it("follows the project references of a tsconfig a script names to the root files they extend (atproto's ws-client)", async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: [packages/*]\n',
      'package.json': { private: true },
      'tsconfig/isomorphic.tsconfig.json': '{}\n',
      'tsconfig/node.tsconfig.json': '{}\n',
      'tsconfig/browser.tsconfig.json': '{}\n',
      'tsconfig/test.tsconfig.json': '{}\n',
      'packages/ws-client/package.json': {
        name: '@acme/ws-client',
        scripts: { build: 'tsc --build tsconfig.build.json' },
      },
      'packages/ws-client/tsconfig.json': '{ "files": [] }\n',
      'packages/ws-client/tsconfig.build.json':
        '{\n  "extends": ["../../tsconfig/isomorphic.tsconfig.json"],\n  "references": [\n    { "path": "./tsconfig.build-node.json" },\n    { "path": "./browser" },\n  ],\n}\n',
      'packages/ws-client/tsconfig.build-node.json': {
        extends: '../../tsconfig/node.tsconfig.json',
        references: [{ path: './tsconfig.build.json' }],
      },
      'packages/ws-client/browser/tsconfig.json': {
        extends: '../../../tsconfig/browser.tsconfig.json',
      },
      // Named by no script and referenced by none: not read.
      'packages/ws-client/tsconfig.test.json': { extends: '../../tsconfig/test.tsconfig.json' },
    });
    const workspace = await readWorkspace(root);
    expect(workspace.packages[0]?.buildInputs).toEqual([
      'tsconfig/browser.tsconfig.json',
      'tsconfig/isomorphic.tsconfig.json',
      'tsconfig/node.tsconfig.json',
    ]);
  });

  it("takes the folders a tsconfig's paths map to outside every package, from the inherited baseUrl (postiz's libraries)", async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: [apps/*, libraries/*]\n',
      'package.json': { private: true },
      'tsconfig.base.json': {
        compilerOptions: {
          baseUrl: '.',
          paths: {
            '@acme/helpers/*': ['libraries/helpers/src/*'],
            '@acme/nest/*': ['libraries/nest/src/*'],
            // Another app (a package: it comes with the closure when declared), installed
            // dependencies, a folder that does not exist and the secrets: never inputs.
            '@acme/web/*': ['apps/web/src/*'],
            'deep/prebuilt': ['node_modules/deep/dist/prebuilt/index.d.ts'],
            '@acme/plugins/*': ['libraries/plugins/src/*'],
            '@acme/env': ['.env'],
          },
        },
      },
      'libraries/helpers/src/index.ts': 'export const x = 1;\n',
      'libraries/nest/src/app.ts': 'export const y = 1;\n',
      '.env': 'SECRET=1\n',
      'apps/api/package.json': { name: 'api', scripts: { build: 'tsc -p tsconfig.build.json' } },
      // Extends a config that extends the base: the base's baseUrl is the root.
      'apps/api/tsconfig.json': { extends: '../../tsconfig.base.json' },
      'apps/api/tsconfig.build.json': { extends: './tsconfig.json' },
      'apps/web/package.json': { name: 'web' },
      'apps/web/src/index.ts': '',
      // paths without a baseUrl are relative to the config that holds them.
      'apps/worker/package.json': { name: 'worker' },
      'apps/worker/tsconfig.json': {
        compilerOptions: { paths: { '~shared/*': ['../../shared/*'], '~/*': ['./src/*'] } },
      },
      'shared/log.ts': '',
    });
    const workspace = await readWorkspace(root);
    const inputsOf = (name: string) =>
      workspace.packages.find((pkg) => pkg.name === name)?.buildInputs;
    expect(inputsOf('api')).toEqual([
      'libraries/helpers/src/',
      'libraries/nest/src/',
      'tsconfig.base.json',
    ]);
    expect(inputsOf('worker')).toEqual(['shared/']);
    expect(inputsOf('web')).toEqual([]);
  });

  it("takes the port, health probe and build environment of a shared Dockerfile's stage named for a package (jitsu's all.Dockerfile)", async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: [webapps/*, services/*]\n',
      'package.json': { private: true },
      'all.Dockerfile': [
        'FROM node:22-bookworm AS base',
        'WORKDIR /app',
        'ENV PORT=3401',
        'FROM base AS builder',
        'ENV NEXTJS_STANDALONE_BUILD=1',
        'RUN pnpm build',
        'FROM base AS console',
        'EXPOSE 3000',
        'HEALTHCHECK CMD curl --fail http://localhost:3000/api/healthcheck || exit 1',
        'ENTRYPOINT ["sh", "-c", "/app/docker-start-console.sh"]',
        'FROM base AS rotor',
        'EXPOSE ${PORT}',
        'CMD ["--no-node-snapshot", "main.js"]',
        // A stage named like a package that is no image's: not taken.
        'FROM base AS builder-tools',
        'RUN true',
        '',
      ].join('\n'),
      'docker/worker/Dockerfile': 'FROM node:22\nEXPOSE 5566\nCMD ["node", "worker.js"]\n',
      // What build-images generated is no team's Dockerfile.
      'docker/Dockerfile':
        '# Generated by build-images from the pnpm workspace. Do not edit by hand:\nFROM node:22 AS other\nEXPOSE 9999\n',
      'webapps/console/package.json': { name: '@jitsu-internal/console' },
      'services/rotor/package.json': { name: '@jitsu-internal/rotor' },
      'services/worker/package.json': { name: 'worker' },
      'services/other/package.json': { name: 'other' },
      // Its own Dockerfile wins.
      'services/builder-tools/package.json': { name: 'builder-tools' },
      'services/builder-tools/Dockerfile': 'FROM node:22\nEXPOSE 7000\n',
    });
    const workspace = await readWorkspace(root);
    const factsOf = (name: string) => {
      const facts = workspace.packages.find((pkg) => pkg.name === name)?.facts;
      return [facts?.dockerfilePort, facts?.dockerfileHealthPath, facts?.dockerfileBuildEnv];
    };
    const env = {
      file: 'all.Dockerfile (stage console)',
      env: { PORT: '3401', NEXTJS_STANDALONE_BUILD: '1' },
      shared: true,
    };
    expect(factsOf('@jitsu-internal/console')).toEqual([
      { file: 'all.Dockerfile (stage console)', port: 3000 },
      '/api/healthcheck',
      env,
    ]);
    expect(factsOf('@jitsu-internal/rotor')).toEqual([
      { file: 'all.Dockerfile (stage rotor)', port: 3401 },
      undefined,
      { ...env, file: 'all.Dockerfile (stage rotor)' },
    ]);
    expect(factsOf('worker')).toEqual([
      { file: 'docker/worker/Dockerfile', port: 5566 },
      undefined,
      undefined,
    ]);
    expect(factsOf('other')).toEqual([undefined, undefined, undefined]);
    expect(factsOf('builder-tools')[0]).toEqual({ file: 'Dockerfile', port: 7000 });
  });

  it('takes the build environment of a shared Dockerfile that picks a package out by its build filter (useSend, homarr)', async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: [apps/*, packages/*]\n',
      'package.json': { private: true },
      'docker/Dockerfile': [
        'FROM node:22-alpine AS base',
        'ENV SKIP_ENV_VALIDATION="true"',
        'FROM base AS builder',
        'RUN pnpm turbo prune web --docker',
        'FROM base AS installer',
        'ENV DOCKER_OUTPUT=1',
        'RUN pnpm turbo run build --filter=web...',
        'FROM base AS runner',
        'EXPOSE 8080',
        'CMD ["sh", "start.sh"]',
        '',
      ].join('\n'),
      Dockerfile:
        'FROM node:22 AS builder\nARG SKIP_ENV_VALIDATION=true\nRUN pnpm --filter ./apps/admin build\n',
      'apps/web/package.json': { name: 'web' },
      'apps/admin/package.json': { name: '@acme/admin' },
      'apps/api/package.json': { name: 'api' },
    });
    const workspace = await readWorkspace(root);
    const factsOf = (name: string) => workspace.packages.find((pkg) => pkg.name === name)?.facts;
    expect(factsOf('web')?.dockerfileBuildEnv).toEqual({
      file: 'docker/Dockerfile',
      env: { SKIP_ENV_VALIDATION: 'true', DOCKER_OUTPUT: '1' },
      shared: true,
    });
    // Its port is not taken: such a file may serve the app behind a proxy of its own.
    expect(factsOf('web')?.dockerfilePort).toBeUndefined();
    expect(factsOf('@acme/admin')?.dockerfileBuildEnv).toEqual({
      file: 'Dockerfile',
      env: { SKIP_ENV_VALIDATION: 'true' },
      shared: true,
    });
    expect(factsOf('api')?.dockerfileBuildEnv).toBeUndefined();
  });

  it("takes what an app's own Dockerfile, built from the root, copies outside the packages (atproto's pds)", async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: [packages/*, services/*]\n',
      'package.json': { private: true },
      'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
      '.npmrc': 'x=1\n',
      '.env': 'SECRET=1\n',
      '.npmrc-cloud': '//npm.example.test/:_authToken=${TOKEN}\n',
      'lexicons/com/atproto/repo.json': '{}\n',
      'tsconfig/node.tsconfig.json': '{}\n',
      'packages/bsync/package.json': { name: '@acme/bsync' },
      'packages/bsync/proto/bsync.proto': '',
      'packages/api/package.json': { name: '@acme/api' },
      'services/pds/package.json': { name: 'pds-service' },
      'services/pds/Dockerfile': [
        'FROM node:24 AS build',
        'COPY ./.npmrc ./package.json ./pnpm-lock.yaml ./pnpm-workspace.yaml ./',
        'COPY ./tsconfig ./tsconfig',
        'COPY ./lexicons ./lexicons',
        'COPY ./packages/bsync/proto ./packages/bsync/proto',
        'COPY ./packages/api ./packages/api',
        'COPY ./services/pds ./services/pds',
        'COPY --chown=node:node ./.env ./.npmrc-cloud ./missing ./',
        'COPY ["./packages", "/app/packages"]',
        'FROM node:24-alpine',
        'COPY --from=build /app /app',
        'CMD ["node", "index.ts"]',
      ].join('\n'),
      // Built from its own folder (it copies src, not the package by its path): not read.
      'services/other/package.json': { name: 'other-service' },
      'services/other/Dockerfile': 'FROM node:24\nCOPY package.json ./\nCOPY lexicons ./lexicons\n',
    });
    const workspace = await readWorkspace(root);
    const byName = Object.fromEntries(workspace.packages.map((pkg) => [pkg.name, pkg]));
    // Not the install's root files, the package folders (and those holding them), the app
    // itself, a file that may hold secrets or one that is not there.
    expect(byName['pds-service']?.dockerfileInputs).toEqual([
      'lexicons/',
      'packages/bsync/proto/',
      'tsconfig/',
    ]);
    expect(byName['other-service']?.dockerfileInputs).toBeUndefined();
  });

  it('takes the root files that build-tool configs import by relative path', async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: [packages/*]\n',
      'package.json': { private: true },
      'tsup.common.ts': 'export const defaultOptions = {};\n',
      'scripts/vite-preset/index.mjs': "export { default } from './preset.ts';\n",
      'scripts/vite-preset/preset.ts': 'export default {};\n',
      'packages/core/package.json': { name: '@acme/core' },
      'packages/core/tsup.config.ts':
        "import { defineConfig } from 'tsup';\nimport { defaultOptions } from '../../tsup.common';\nimport local from './local';\nexport default defineConfig(defaultOptions);\n",
      'packages/core/local.ts': 'export default 1;\n',
      'packages/core/vite.config.mjs':
        "const preset = await import('../../scripts/vite-preset');\n",
      'packages/other/package.json': { name: '@acme/other' },
      'packages/other/rollup.config.js': "import shared from '../core/local';\n",
    });
    const workspace = await readWorkspace(root);
    const inputs = Object.fromEntries(workspace.packages.map((pkg) => [pkg.name, pkg.buildInputs]));
    // Followed from file to file: the preset's own import is an input too.
    expect(inputs['@acme/core']).toEqual([
      'scripts/vite-preset/index.mjs',
      'scripts/vite-preset/preset.ts',
      'tsup.common.ts',
    ]);
    // A file of another workspace package is an input too: the plan drops it when that
    // package is in the app's closure (then it is copied anyway).
    expect(inputs['@acme/other']).toEqual(['packages/core/local.ts']);
  });

  it("takes the files and folders outside the package that its build scripts name (atproto's lexicons, trigger.dev's scripts), never secrets or what the install writes", async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: [packages/*]\n',
      'package.json': { private: true },
      '.env': 'SECRET=1\n',
      'lexicons/com/atproto/repo.json': '{}\n',
      'scripts/update-version.ts': 'export {};\n',
      'dev-infra/with-test-db.sh': 'exit 0\n',
      'packages/bsync/package.json': { name: '@acme/bsync' },
      'packages/bsync/proto/bsync.proto': 'syntax = "proto3";\n',
      'packages/bsky/package.json': {
        name: '@acme/bsky',
        scripts: {
          prebuild: "pnpm run '/^(codegen:.+)$/'",
          'codegen:buf': 'buf generate ../bsync/proto && buf generate ./proto',
          'codegen:lex': 'lex gen-server ./src ../../lexicons/com/atproto/*/* ../../missing/folder',
          build: 'dotenv -e ../../.env -- tsc && pnpm run update-version',
          'update-version':
            'tsx ../../scripts/update-version.ts --root ../.. --out ../../package.json',
          test: '../../dev-infra/with-test-db.sh vitest run',
          postinstall: 'node ../../node_modules/.bin/x',
        },
      },
    });
    const workspace = await readWorkspace(root);
    // Up to the first glob character; a folder with a trailing slash. Not the test script's
    // file, the root itself, a path that does not exist, the .env, the root manifest or the
    // installed dependencies.
    expect(workspace.packages.find((pkg) => pkg.name === '@acme/bsky')?.buildInputs).toEqual([
      'lexicons/com/atproto/',
      'packages/bsync/proto/',
      'scripts/update-version.ts',
    ]);
  });

  it("follows an import that names a .ts file by its .js name, as TypeScript resolves it (logto's tsup.shared.config.js)", async () => {
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages: [packages/*]\n',
      'package.json': { private: true },
      'tsup.shared.config.ts': 'export const shared = {};\n',
      'packages/core/package.json': { name: '@acme/core' },
      'packages/core/tsup.config.ts':
        "import { shared } from '../../tsup.shared.config.js';\nexport default shared;\n",
    });
    const workspace = await readWorkspace(root);
    expect(workspace.packages.find((pkg) => pkg.name === '@acme/core')?.buildInputs).toEqual([
      'tsup.shared.config.ts',
    ]);
  });
});
