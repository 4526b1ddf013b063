import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunPlan } from '@build-images/core';
import {
  commitChange,
  gitRepo,
  lockWorkspace,
  runBin,
  writeFiles,
  writeTree,
} from '@build-images/test-helpers';
import { formatExplain } from '../src/format/plan-output.js';

interface PlanJson {
  warnings: { kind: string; file: string; package?: string; message: string }[];
  apps: {
    name: string;
    selected: boolean;
    reasons: string[];
    digest: string | null;
    packages: { name: string }[];
    buildInputs: string[];
  }[];
}

const app = (name: string, fields: object = {}) => ({
  name: `@acme/${name}`,
  version: '1.0.0',
  main: 'dist/main.js',
  ...fields,
});

describe('what pnpm accepts, build-images accepts with a warning', () => {
  it('plans despite an unmatched glob, a nameless package, an unreached cycle and a self-dependency', async () => {
    const dir = await writeTree({
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n  - generated/*\n  - .\n',
      'package.json': { private: true },
      'apps/api/package.json': app('api', {
        dependencies: { '@acme/logger': 'workspace:*' },
        devDependencies: { '@acme/api': 'workspace:*' },
      }),
      'packages/logger/package.json': app('logger', {
        devDependencies: { '@acme/logger': 'workspace:*' },
      }),
      'packages/nameless/package.json': { private: true },
      'packages/x/package.json': { name: '@acme/x', dependencies: { '@acme/y': 'workspace:*' } },
      'packages/y/package.json': { name: '@acme/y', devDependencies: { '@acme/x': 'workspace:*' } },
    });
    const result = await runBin(['plan', '--json'], { cwd: dir });
    expect(result.stderr).toContain(
      'warning: pnpm-workspace.yaml: the glob "generated/*" matches no package',
    );
    expect(result.stderr).toContain('warning: packages/nameless/package.json has no "name"');
    expect(result.stderr).toContain(
      'warning: dependency cycle: @acme/x → @acme/y → @acme/x (packages/x/package.json): no app depends on it',
    );
    expect(result.stderr).not.toMatch(/@acme\/api → @acme\/api|@acme\/logger → @acme\/logger/);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as PlanJson;
    expect(plan.apps.map((entry) => [entry.name, entry.packages.map((pkg) => pkg.name)])).toEqual([
      ['api', ['@acme/logger']],
    ]);
    expect(plan.warnings.map((warning) => [warning.kind, warning.file])).toEqual([
      ['lockfile-missing', 'pnpm-lock.yaml'],
      ['nameless-package', 'packages/nameless/package.json'],
      ['glob-matches-nothing', 'pnpm-workspace.yaml'],
      ['cycle-outside-apps', 'packages/x/package.json'],
    ]);
  });

  it('prints the warnings even when planning then fails', async () => {
    const dir = await writeTree({
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - generated/*\n',
      'package.json': { name: 'root', private: true },
      'apps/api/package.json': { name: '@acme/api' },
    });
    const result = await runBin(['plan'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^warning: pnpm-workspace.yaml: the glob "generated\/\*"/);
  });

  it('exits 2 on a cycle in an app closure, naming the app', async () => {
    const dir = await writeTree({
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
      'package.json': { name: 'root', private: true },
      'apps/api/package.json': app('api', { dependencies: { '@acme/x': 'workspace:*' } }),
      'apps/web/package.json': app('web'),
      'packages/x/package.json': {
        name: '@acme/x',
        scripts: { build: 'tsc' },
        dependencies: { '@acme/y': 'workspace:*' },
      },
      'packages/y/package.json': {
        name: '@acme/y',
        scripts: { build: 'tsc' },
        dependencies: { '@acme/x': 'workspace:*' },
      },
    });
    const result = await runBin(['plan'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'dependency cycle: @acme/x → @acme/y → @acme/x, in the closure of app api',
    );
    expect(result.stderr).not.toContain('app web');
    // Through a devDependency (webstudio's css-engine ⇄ design-system): built in the order
    // the production edge gives, with a warning.
    await writeFiles(dir, {
      'packages/y/package.json': {
        name: '@acme/y',
        scripts: { build: 'tsc' },
        devDependencies: { '@acme/x': 'workspace:*' },
      },
    });
    const dev = await runBin(['plan', '--json'], { cwd: dir });
    expect(dev.code, dev.stderr).toBe(0);
    expect(dev.stderr).toContain(
      "warning: dependency cycle: @acme/x → @acme/y → @acme/x, in the closure of app api: @acme/y only has @acme/x as a devDependency, so @acme/y builds first, without @acme/x's output",
    );
    lockWorkspace(dir, { offline: true });
    const generated = await runBin(['generate'], { cwd: dir });
    expect(generated.code, generated.stderr).toBe(0);
    const dockerfile = await readFile(path.join(dir, 'docker/Dockerfile'), 'utf8');
    const stage = (name: string) => {
      const text = dockerfile.slice(dockerfile.indexOf(`AS ${name}\n`));
      return text.slice(0, text.indexOf('\n\n'));
    };
    expect(stage('pkg-x')).toContain('COPY --from=pkg-y ');
    expect(stage('pkg-y')).not.toContain('COPY --from=pkg-x ');
    // One package with a step needs no build order (openpanel's db ⇄ queue): a warning.
    await writeFiles(dir, {
      'packages/y/package.json': {
        name: '@acme/y',
        scripts: { codegen: 'node gen.js' },
        dependencies: { '@acme/x': 'workspace:*' },
      },
    });
    expect((await runBin(['plan'], { cwd: dir })).code).toBe(2);
    await writeFiles(dir, {
      'packages/x/package.json': { name: '@acme/x', dependencies: { '@acme/y': 'workspace:*' } },
    });
    const sources = await runBin(['plan'], { cwd: dir });
    expect(sources.code, sources.stderr).toBe(0);
    expect(sources.stderr).toContain(
      'warning: dependency cycle: @acme/x → @acme/y → @acme/x, in the closure of app api: no two of its packages have build steps',
    );
  });

  it("notes the programs an app's builds call that a slim base lacks, naming the package", async () => {
    const dir = await writeTree({
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
      'package.json': { name: 'root', private: true },
      'apps/docs/package.json': app('docs', {
        scripts: {
          build: 'pnpm run examples && tsc',
          examples: 'python3 gen.py',
          start: 'node dist/main.js',
        },
        dependencies: { '@acme/ui': 'workspace:*' },
      }),
      'apps/api/package.json': app('api'),
      'packages/ui/package.json': {
        name: '@acme/ui',
        scripts: { build: 'tsup && rsync -a assets/ dist/assets/' },
      },
    });
    const result = await runBin(['plan'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'note: docs: apps/docs: its build calls programs that node\'s slim images lack (packages/ui runs rsync; apps/docs runs python3); there the build stops with "not found"',
    );
    expect(result.stderr).not.toContain('note: api:');
  });

  it("notes a package the app runs with whose built entry nothing of its own makes (keystone's preconstruct)", async () => {
    const dir = await writeTree({
      'pnpm-workspace.yaml': 'packages:\n  - examples/*\n  - packages/*\n',
      'package.json': { name: 'root', private: true, scripts: { build: 'preconstruct build' } },
      'examples/blog/package.json': app('blog', {
        scripts: { start: 'keystone start', build: 'keystone build' },
        dependencies: { '@keystone-6/core': 'workspace:*', '@acme/tsconfig': 'workspace:*' },
      }),
      'packages/core/package.json': {
        name: '@keystone-6/core',
        exports: { '.': './dist/keystone-6-core.js' },
        bin: { keystone: './bin/cli.js' },
      },
      'packages/core/bin/cli.js': '',
      // Built by its own script, or a config package with a stale "main": no note.
      'packages/fields/package.json': {
        name: '@acme/fields',
        main: 'dist/index.js',
        scripts: { build: 'tsc' },
      },
      'packages/tsconfig/package.json': { name: '@acme/tsconfig', main: 'index.js' },
    });
    const result = await runBin(['plan'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'note: blog: examples/blog: a package it uses has its entry in no file of the checkout and no script of its own that makes it (packages/core/dist/keystone-6-core.js); the root\'s build ("preconstruct build") may be what does: the image\'s build and run fail where they are imported',
    );
    expect(result.stderr).not.toContain('packages/tsconfig/index.js');
  });

  it('links a registry dependency named like a workspace package only with link-workspace-packages', async () => {
    const files = {
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
      'package.json': { name: 'root', private: true },
      'apps/api/package.json': app('api', { dependencies: { '@acme/storybook': '^1.0.0' } }),
      'apps/storybook/package.json': app('storybook'),
    };
    const unlinked = await writeTree(files);
    const plain = JSON.parse((await runBin(['plan', '--json'], { cwd: unlinked })).stdout);
    expect((plain as PlanJson).apps[0]?.packages).toEqual([]);
    // pnpm 9 keeps the setting in .npmrc.
    const linked = await writeTree({ ...files, '.npmrc': 'link-workspace-packages=true\n' });
    const withLinks = JSON.parse((await runBin(['plan', '--json'], { cwd: linked })).stdout);
    expect((withLinks as PlanJson).apps[0]?.packages.map((pkg) => pkg.name)).toEqual([
      '@acme/storybook',
    ]);
  });
});

describe('--apps globs', () => {
  const workspace = {
    'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
    'package.json': { name: 'root', private: true },
    'apps/api/package.json': app('api'),
    'apps/storybook/package.json': app('storybook'),
    'apps/web/package.json': app('web'),
  };
  const appsOf = async (dir: string, args: string[]) => {
    const result = await runBin(['plan', '--json', ...args], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as PlanJson).apps.map((entry) => entry.name);
  };

  it('leaves out what a negated glob names, alone or after positive globs', async () => {
    const dir = await writeTree(workspace);
    expect(await appsOf(dir, ['--apps', '!apps/storybook'])).toEqual(['api', 'web']);
    expect(await appsOf(dir, ['--apps', '!apps/storybook', '--apps', 'apps/*'])).toEqual([
      'api',
      'web',
    ]);
    expect(await appsOf(dir, ['--apps', 'apps/{api,web}'])).toEqual(['api', 'web']);
  });

  it('exits 2 naming a glob that selects nothing', async () => {
    const dir = await writeTree(workspace);
    const result = await runBin(['plan', '--apps', 'apps/*', '--apps', 'services/*'], {
      cwd: dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the app glob "services/*"');
  });
});

describe('a workspace in a subdirectory', () => {
  it('exits 2 saying where the workspace is and how to run there', async () => {
    const dir = await writeTree({
      'pyproject.toml': '',
      'js/pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
      'js/package.json': { name: 'root' },
    });
    const result = await runBin(['plan'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('there is one in js/');
    expect(result.stderr).toContain('--cwd js');
  });
});

describe('root build inputs', () => {
  const files = {
    'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
    'package.json': { name: 'root', private: true },
    '.configs/tsconfig.base.json': '{ "compilerOptions": { "strict": true } }\n',
    'tsconfig.json': '{}\n',
    'apps/api/package.json': app('api', { dependencies: { '@acme/core': 'workspace:*' } }),
    'apps/api/tsconfig.json': '{ "extends": "../../tsconfig.json" }\n',
    'packages/core/package.json': { name: '@acme/core', version: '1.0.0' },
    'packages/core/tsconfig.json': '{ "extends": "../../.configs/tsconfig.base.json", }\n',
    'apps/web/package.json': app('web', { buildImages: { buildInputs: ['scripts/gen.mjs'] } }),
    'scripts/gen.mjs': 'export {};\n',
    'pnpm-lock.yaml': [
      "lockfileVersion: '9.0'",
      '',
      'importers:',
      '',
      '  .: {}',
      '',
      '  apps/api:',
      '    dependencies:',
      "      '@acme/core':",
      '        specifier: workspace:*',
      '        version: link:../../packages/core',
      '',
      '  apps/web: {}',
      '',
      '  packages/core: {}',
      '',
    ].join('\n'),
  };

  it('are copied into the build, and their change selects exactly the apps that read them', async () => {
    const dir = await gitRepo(files);
    const plan = async (args: string[]) => {
      const result = await runBin(['plan', '--json', ...args], { cwd: dir });
      expect(result.code, result.stderr).toBe(0);
      return { ...(JSON.parse(result.stdout) as PlanJson), stderr: result.stderr };
    };
    const before = await plan([]);
    expect(before.apps.map((entry) => [entry.name, entry.buildInputs])).toEqual([
      ['api', ['.configs/tsconfig.base.json', 'tsconfig.json']],
      ['web', ['scripts/gen.mjs']],
    ]);
    const copy = await writeTree(files);
    expect((await runBin(['generate'], { cwd: copy })).code).toBe(0);
    const dockerfile = await readFile(path.join(copy, 'docker/Dockerfile'), 'utf8');
    expect(dockerfile).toContain('COPY .configs/tsconfig.base.json .configs/tsconfig.base.json');
    expect(dockerfile).toContain('COPY scripts/gen.mjs scripts/gen.mjs');

    await writeFiles(dir, {
      '.configs/tsconfig.base.json': '{ "compilerOptions": { "strict": false } }\n',
    });
    commitChange(dir);
    const after = await plan(['--changed=main', '--explain']);
    const byName = Object.fromEntries(after.apps.map((entry) => [entry.name, entry]));
    expect(byName['api']?.selected).toBe(true);
    expect(byName['api']?.reasons).toEqual(['build input .configs/tsconfig.base.json changed']);
    expect(byName['web']?.selected).toBe(false);
    // The digest: api's changes, web's does not.
    const beforeDigests = Object.fromEntries(
      before.apps.map((entry) => [entry.name, entry.digest]),
    );
    const now = await plan([]);
    const nowDigests = Object.fromEntries(now.apps.map((entry) => [entry.name, entry.digest]));
    expect(nowDigests['api']).not.toBe(beforeDigests['api']);
    expect(nowDigests['web']).toBe(beforeDigests['web']);
  });

  it('exits 2 on a configured build input that is not a root-relative file', async () => {
    const dir = await writeTree({
      ...files,
      'build-images.config.json': { buildInputs: ['../secrets.env'] },
    });
    const result = await runBin(['plan'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"buildInputs" must be a list of files relative to');
  });
});

describe('--explain on a big change', () => {
  it('prints the first reasons per app and a count; the JSON keeps them all', () => {
    const reasons = Array.from({ length: 12 }, (_, i) => `lockfile: pkg${i} 1.0.0 → 1.0.1 for .`);
    const run = {
      selections: [{ app: 'api', selected: true, reasons }],
      selected: ['api'],
      change: { baseRef: 'main', mergeBase: 'abc', files: 1 },
    } as unknown as RunPlan;
    const text = formatExplain(run);
    expect(text).toBe(
      [
        'api: selected (12 reasons)',
        ...reasons.slice(0, 5).map((reason) => `  - ${reason}`),
        '  … and 7 more (plan --json lists all)',
        '',
      ].join('\n'),
    );
  });
});

describe('the Node the repository asks for, and native addons', () => {
  const lockfile = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .: {}

  apps/api:
    dependencies:
      '@acme/auth':
        specifier: workspace:*
        version: link:../../packages/auth

  apps/web:
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
    resolution: {integrity: sha512-AGBHOG5hPYZ5Xl9KXzU5iKq9516yEmvCKDg3ecP5kX2aB6UqTeXZxk2ELnDgDm6BQSMlLt9rDB4LoSMx0rYwww==}
    engines: {node: '>= 10.0.0'}

  ms@2.1.3:
    resolution: {integrity: sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==}

snapshots:

  bcrypt@5.1.1: {}

  ms@2.1.3: {}
`;
  const files = {
    'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
    // pnpm 10 runs only the install scripts it is allowed to.
    'package.json': {
      name: 'root',
      private: true,
      engines: { node: '>=20' },
      pnpm: { onlyBuiltDependencies: ['bcrypt'] },
    },
    '.nvmrc': 'v20.8.1\n',
    'pnpm-lock.yaml': lockfile,
    'apps/api/package.json': app('api', { dependencies: { '@acme/auth': 'workspace:*' } }),
    'apps/web/package.json': app('web', {
      dependencies: { ms: '^2.1.0' },
      engines: { node: '>=22' },
    }),
    'packages/auth/package.json': {
      name: '@acme/auth',
      version: '1.0.0',
      dependencies: { bcrypt: '^5.1.1' },
    },
  };

  it('builds on the pinned image of the major .nvmrc names, and warns for an app whose engines exclude it', async () => {
    const dir = await writeTree(files);
    // No base image from the environment (CI sets one for the Docker tests).
    const env = { BUILD_IMAGES_BASE_IMAGE: '' };
    const result = await runBin(['plan', '--json'], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as PlanJson & {
      baseImage: string;
      node: { major: number; source: string };
    };
    expect(plan.baseImage).toBe('node:20.20.2-bookworm-slim');
    expect(plan.node).toMatchObject({ major: 20, source: '.nvmrc (v20.8.1)' });
    expect(result.stderr).toContain(
      'warning: apps/web/package.json: engines.node ">=22" does not allow Node 20.20.2',
    );
    const text = await runBin(['plan'], { cwd: dir, env });
    expect(text.stdout).toContain('node 20 (.nvmrc (v20.8.1))');
    expect(text.stdout).toContain('native addons (compiled at install): bcrypt');
  });

  it('gives a compiler only to the install of apps whose lockfile closure compiles native code', async () => {
    const dir = await writeTree(files);
    expect((await runBin(['generate'], { cwd: dir })).code).toBe(0);
    const dockerfile = await readFile(path.join(dir, 'docker/Dockerfile'), 'utf8');
    expect(dockerfile).toContain('ARG NODE_IMAGE=node:20.20.2-bookworm-slim');
    const stage = (name: string) =>
      dockerfile.split(/\n(?=FROM )/).find((block) => block.includes(` AS ${name}\n`)) ?? '';
    expect(stage('api-deps')).toContain(
      'apt-get install -y --no-install-recommends python3 make g++',
    );
    expect(stage('api-deps')).toContain('ENV npm_config_nodedir=/usr/local');
    expect(stage('web-deps')).not.toContain('g++');
    expect(stage('api')).not.toContain('g++');
  });

  it('counts a changed .nvmrc as a change of every app', async () => {
    const dir = await gitRepo(files);
    await writeFiles(dir, { '.nvmrc': '22\n' });
    commitChange(dir);
    const result = await runBin(['plan', '--json', '--changed=main', '--explain'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as PlanJson;
    expect(plan.apps.map((entry) => [entry.name, entry.selected])).toEqual([
      ['api', true],
      ['web', true],
    ]);
  });
});

describe('files that may hold secrets', () => {
  it('are never sent in a build context, even without a .dockerignore, and each one is named', async () => {
    const files: Record<string, string | object> = {
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
      'package.json': { name: 'root', private: true },
      'apps/api/package.json': app('api'),
      'apps/api/src/main.ts': 'export {};\n',
      'apps/api/.env.production': 'PUBLIC_URL=https://example.com\n',
      'apps/api/.env.example': 'TOKEN=\n',
    };
    const secrets = [
      'apps/api/.env',
      'apps/api/.env.local',
      'apps/api/.env.production.local',
      'apps/api/.npmrc',
      'apps/api/id_rsa',
      'apps/api/certs/server.pem',
      'apps/api/certs/server.key',
      'apps/api/credentials.json',
      'apps/api/.vscode/settings.json',
    ];
    for (const file of secrets) files[file] = 'CANARY\n';
    const dir = await writeTree(files);
    const result = await runBin(['--dry-run', '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    for (const file of secrets) {
      // Editor settings are left out too, without a warning.
      if (file.startsWith('apps/api/.vscode')) expect(result.stderr).not.toContain('.vscode');
      else expect(result.stderr).toContain(`warning: ${file} is left out of the build context`);
    }
    expect(result.stderr).not.toContain('.env.production is left out');
    expect(result.stderr).not.toContain('.env.example is left out');
    // The context the build would send: the committed kinds of .env stay, no secret goes.
    const plan = await runBin(['plan', '--json'], { cwd: dir });
    const digestBefore = (JSON.parse(plan.stdout) as PlanJson).apps[0]!.digest;
    expect(digestBefore).toMatch(/^sha256:[0-9a-f]{64}$/);
    await writeFiles(dir, Object.fromEntries(secrets.map((file) => [file, 'CHANGED\n'])));
    const after = await runBin(['plan', '--json'], { cwd: dir });
    expect((JSON.parse(after.stdout) as PlanJson).apps[0]!.digest).toBe(digestBefore);
  });
});

describe('a lockfile out of date with the manifests', () => {
  it('refuses to build the apps it affects before any work (exit 2), naming the manifest and the fix', async () => {
    const dir = await writeTree({
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
      'package.json': { name: 'root', private: true },
      'apps/api/package.json': app('api', { dependencies: { ms: '^2.1.0', zod: '^4.0.0' } }),
      'apps/web/package.json': app('web', { dependencies: { ms: '^2.1.0' } }),
      'pnpm-lock.yaml': `lockfileVersion: '9.0'

importers:

  .: {}

  apps/api:
    dependencies:
      ms:
        specifier: ^2.1.0
        version: 2.1.3

  apps/web:
    dependencies:
      ms:
        specifier: ^2.1.0
        version: 2.1.3

packages:

  ms@2.1.3:
    resolution: {integrity: sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==}

snapshots:

  ms@2.1.3: {}
`,
    });
    const plan = await runBin(['plan'], { cwd: dir });
    expect(plan.code).toBe(0);
    expect(plan.stderr).toContain(
      'warning: api: pnpm-lock.yaml is out of date: apps/api/package.json: zod ^4.0.0 is not in pnpm-lock.yaml',
    );
    expect(plan.stderr).not.toContain('warning: web:');
    // Refused before the engine is even dialled (there is none at that socket).
    const build = await runBin(['api'], {
      cwd: dir,
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(build.code).toBe(2);
    expect(build.stderr).toContain('api: pnpm-lock.yaml is out of date');
    expect(build.stderr).toContain('hint: Run pnpm install at the workspace root');
    // A dry run prints what it would build, and says what the build would refuse.
    const dry = await runBin(['api', '--dry-run'], { cwd: dir });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('FROM base AS api');
    expect(dry.stderr).toContain(
      'warning: the build would refuse this: api: pnpm-lock.yaml is out of date',
    );
    // generate writes nothing the frozen installs would refuse, and --check does not pass it.
    for (const args of [['generate'], ['generate', '--check']]) {
      const generate = await runBin(args, { cwd: dir });
      expect(generate.code, args.join(' ')).toBe(2);
      expect(generate.stderr).toContain(
        'api: pnpm-lock.yaml is out of date: apps/api/package.json: zod ^4.0.0 is not in pnpm-lock.yaml',
      );
      expect(existsSync(path.join(dir, 'docker'))).toBe(false);
    }
  });
});
