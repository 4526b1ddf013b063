import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  commitChange,
  gitIn,
  gitRepo,
  removePath,
  runBin,
  writeFiles,
  writeTree,
} from '@build-images/test-helpers';

const lockfile = (expressVersion = '4.21.1', workerHasMs = true) => `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .: {}

  apps/api:
    dependencies:
      '@acme/logger':
        specifier: workspace:*
        version: link:../../packages/logger
      express:
        specifier: ^4.21.0
        version: ${expressVersion}

  apps/web:
    dependencies:
      '@acme/ui':
        specifier: workspace:*
        version: link:../../packages/ui

  apps/worker:
    dependencies:
      '@acme/logger':
        specifier: workspace:*
        version: link:../../packages/logger
${
  workerHasMs
    ? `      ms:
        specifier: ^2.1.0
        version: 2.1.3
`
    : ''
}
  packages/logger:
    dependencies:
      picocolors:
        specifier: ^1.0.0
        version: 1.1.1

  packages/ui:
    dependencies:
      '@acme/logger':
        specifier: workspace:*
        version: link:../logger

packages:

  debug@4.3.7:
    resolution: {integrity: sha512-debug}

  express@${expressVersion}:
    resolution: {integrity: sha512-express${expressVersion}}

  ms@2.1.3:
    resolution: {integrity: sha512-ms}

  picocolors@1.1.1:
    resolution: {integrity: sha512-picocolors}

snapshots:

  debug@4.3.7:
    dependencies:
      ms: 2.1.3

  express@${expressVersion}:
    dependencies:
      debug: 4.3.7

  ms@2.1.3: {}

  picocolors@1.1.1: {}
`;

const app = (name: string, deps: Record<string, string>) => ({
  name: `@acme/${name}`,
  version: '1.0.0',
  main: 'dist/main.js',
  dependencies: deps,
});

/** api → logger; web → ui → logger; worker → logger; config is used by nobody. */
const workspace = {
  'package.json': { name: 'root', private: true },
  'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
  'pnpm-lock.yaml': lockfile(),
  '.gitignore': 'node_modules\ndist\n',
  '.dockerignore': '**/node_modules\n**/dist\n**/*.md\n',
  'apps/api/package.json': app('api', { '@acme/logger': 'workspace:*', express: '^4.21.0' }),
  'apps/api/src/main.ts': 'export const api = 1;\n',
  'apps/web/package.json': app('web', { '@acme/ui': 'workspace:*' }),
  'apps/web/src/main.ts': 'export const web = 1;\n',
  'apps/worker/package.json': app('worker', { '@acme/logger': 'workspace:*', ms: '^2.1.0' }),
  'apps/worker/src/main.ts': 'export const worker = 1;\n',
  'packages/logger/package.json': {
    name: '@acme/logger',
    version: '1.0.0',
    dependencies: { picocolors: '^1.0.0' },
  },
  'packages/logger/src/index.ts': 'export const log = 1;\n',
  'packages/ui/package.json': {
    name: '@acme/ui',
    version: '1.0.0',
    dependencies: { '@acme/logger': 'workspace:*' },
  },
  'packages/ui/src/index.ts': 'export const ui = 1;\n',
  'packages/config/package.json': { name: '@acme/config', version: '1.0.0' },
  'packages/config/src/index.ts': 'export const config = 1;\n',
};

interface PlanOutput {
  apps: { name: string; selected: boolean; reasons: string[]; digest: string }[];
  matrix: { include: { app: string }[] };
}

async function plan(root: string, ...args: string[]): Promise<PlanOutput & { selected: string[] }> {
  const result = await runBin(['plan', '--json', ...args], { cwd: root });
  if (result.code !== 0) throw new Error(`plan failed (${result.code}): ${result.stderr}`);
  const output = JSON.parse(result.stdout) as PlanOutput;
  return {
    ...output,
    selected: output.apps.filter((entry) => entry.selected).map((entry) => entry.name),
  };
}

const reasonsOf = (output: PlanOutput, name: string) =>
  output.apps.find((entry) => entry.name === name)?.reasons;

describe('--changed on real git repositories', () => {
  it('selects nothing when nothing changed', async () => {
    const root = await gitRepo(workspace);
    gitIn(root, 'checkout', '--quiet', '-b', 'change');
    expect((await plan(root, '--changed=main')).selected).toEqual([]);
  });

  it('rebuilds only api when a file of apps/api changes', async () => {
    const root = await gitRepo(workspace);
    await writeFiles(root, { 'apps/api/src/main.ts': 'export const api = 2;\n' });
    commitChange(root);
    const output = await plan(root, '--changed=main');
    expect(output.selected).toEqual(['api']);
    expect(reasonsOf(output, 'api')).toEqual(['files apps/api/src/main.ts']);
    expect(output.matrix.include.map((entry) => entry.app)).toEqual(['api']);
  });

  it('selects every app using a shared package, directly or through another package', async () => {
    const root = await gitRepo(workspace);
    await writeFiles(root, { 'packages/logger/src/index.ts': 'export const log = 2;\n' });
    commitChange(root);
    const output = await plan(root, '--changed=main');
    expect(output.selected).toEqual(['api', 'web', 'worker']);
    expect(reasonsOf(output, 'web')).toEqual([
      'dependency @acme/logger changed (packages/logger/src/index.ts)',
    ]);
  });

  it('selects only the apps of a dependency of a dependency', async () => {
    const root = await gitRepo(workspace);
    await writeFiles(root, { 'packages/ui/src/index.ts': 'export const ui = 2;\n' });
    commitChange(root);
    expect((await plan(root, '--changed=main')).selected).toEqual(['web']);
  });

  it('selects nothing for a package no app uses', async () => {
    const root = await gitRepo(workspace);
    await writeFiles(root, { 'packages/config/src/index.ts': 'export const config = 2;\n' });
    commitChange(root);
    expect((await plan(root, '--changed=main')).selected).toEqual([]);
  });

  it('selects only the app whose lockfile resolution changed', async () => {
    const root = await gitRepo(workspace);
    await writeFiles(root, { 'pnpm-lock.yaml': lockfile('4.21.2') });
    commitChange(root);
    const output = await plan(root, '--changed=main');
    expect(output.selected).toEqual(['api']);
    expect(reasonsOf(output, 'api')).toEqual(['lockfile: express 4.21.1 → 4.21.2 for apps/api']);
  });

  it("ignores a re-resolution of another OS's optional binaries: no app, the same digests", async () => {
    // debug (of express, of api) with native binaries per platform, as esbuild or swc have.
    const withNative = (darwin: string, linux: string) =>
      lockfile()
        .replace(
          '\n  debug@4.3.7:\n    resolution: {integrity: sha512-debug}\n',
          [
            '',
            `  '@native/bin-darwin@${darwin}':`,
            `    resolution: {integrity: sha512-darwin${darwin}}`,
            '    os: [darwin]',
            '',
            `  '@native/bin-linux@${linux}':`,
            `    resolution: {integrity: sha512-linux${linux}}`,
            '    os: [linux]',
            '',
            '  debug@4.3.7:',
            '    resolution: {integrity: sha512-debug}',
            '',
          ].join('\n'),
        )
        .replace(
          '\n  debug@4.3.7:\n    dependencies:\n      ms: 2.1.3\n',
          [
            '',
            `  '@native/bin-darwin@${darwin}':`,
            '    optional: true',
            '',
            `  '@native/bin-linux@${linux}':`,
            '    optional: true',
            '',
            '  debug@4.3.7:',
            '    dependencies:',
            '      ms: 2.1.3',
            '    optionalDependencies:',
            `      '@native/bin-darwin': ${darwin}`,
            `      '@native/bin-linux': ${linux}`,
            '',
          ].join('\n'),
        );
    const root = await gitRepo({ ...workspace, 'pnpm-lock.yaml': withNative('1.0.0', '1.0.0') });
    const before = await plan(root);
    await writeFiles(root, { 'pnpm-lock.yaml': withNative('1.0.1', '1.0.0') });
    commitChange(root);
    const darwinOnly = await plan(root, '--changed=main');
    expect(darwinOnly.selected).toEqual([]);
    // Identity follows the bytes the builds receive: nothing any of them gets changed.
    expect((await plan(root)).apps.map((entry) => entry.digest)).toEqual(
      before.apps.map((entry) => entry.digest),
    );
    await writeFiles(root, { 'pnpm-lock.yaml': withNative('1.0.1', '1.0.1') });
    commitChange(root);
    const linux = await plan(root, '--changed=main');
    expect(linux.selected).toEqual(['api']);
    expect(reasonsOf(linux, 'api')).toEqual([
      'lockfile: @native/bin-darwin 1.0.0 → 1.0.1 for apps/api',
      'lockfile: @native/bin-linux 1.0.0 → 1.0.1 for apps/api',
    ]);
  });

  it('counts a removed dependency for that importer only', async () => {
    const root = await gitRepo(workspace);
    await writeFiles(root, { 'pnpm-lock.yaml': lockfile('4.21.1', false) });
    commitChange(root);
    const output = await plan(root, '--changed=main');
    expect(output.selected).toEqual(['worker']);
    expect(reasonsOf(output, 'worker')?.[0]).toContain('ms');
  });

  it('selects every app, and warns, when the lockfile was deleted', async () => {
    const root = await gitRepo(workspace);
    gitIn(root, 'checkout', '--quiet', '-b', 'change');
    gitIn(root, 'rm', '--quiet', 'pnpm-lock.yaml');
    commitChange(root);
    const result = await runBin(['plan', '--json', '--changed=main'], { cwd: root });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: pnpm-lock.yaml is missing');
    const output = JSON.parse(result.stdout) as PlanOutput;
    expect(output.apps.every((entry) => entry.selected)).toBe(true);
    expect(reasonsOf(output, 'api')?.[0]).toContain('pnpm-lock.yaml was removed since main');
  });

  it('selects every app, and warns, when the lockfile at the base cannot be read', async () => {
    // A merge conflict committed on main, resolved on the branch: history cannot be fixed, so
    // the selection errs on building, with or without --changed-fallback.
    const root = await gitRepo({
      ...workspace,
      'pnpm-lock.yaml': `<<<<<<< ours\n${lockfile()}=======\n${lockfile('4.21.2')}>>>>>>> theirs\n`,
    });
    await writeFiles(root, { 'pnpm-lock.yaml': lockfile() });
    commitChange(root);
    const result = await runBin(['plan', '--json', '--changed=main'], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /^warning: pnpm-lock\.yaml at main cannot be read \(.*\): every app counts as changed$/m,
    );
    const output = JSON.parse(result.stdout) as PlanOutput;
    expect(output.apps.every((entry) => entry.selected)).toBe(true);
    expect(reasonsOf(output, 'api')?.[0]).toContain(
      'pnpm-lock.yaml at main cannot be read, so every app counts as changed',
    );
  });

  it('says "did you mean origin/main" when only the remote branch exists', async () => {
    const origin = await gitRepo(workspace);
    const clone = await writeTree({});
    gitIn(clone, 'clone', '--quiet', origin, '.');
    gitIn(clone, 'checkout', '--quiet', '-b', 'feature');
    gitIn(clone, 'branch', '--quiet', '-D', 'main');
    const result = await runBin(['plan', '--changed=main'], { cwd: clone });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('git does not know that ref; did you mean origin/main?');
    expect(result.stderr).toContain('hint: Pass --changed=origin/main');
  });

  it('suggests --changed=<ref> for `--changed main`, which reads main as an app', async () => {
    const root = await gitRepo(workspace);
    const result = await runBin(['plan', '--changed', 'main'], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown app "main"; did you mean --changed=main?');
  });

  it('selects every app when a global input changes', async () => {
    const root = await gitRepo(workspace);
    await writeFiles(root, {
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n# comment\n',
    });
    commitChange(root);
    const output = await plan(root, '--changed=main');
    expect(output.selected).toEqual(['api', 'web', 'worker']);
    expect(reasonsOf(output, 'api')).toEqual(['global input pnpm-workspace.yaml']);
  });

  it('takes more global inputs from --global-input', async () => {
    const root = await gitRepo({ ...workspace, 'tsconfig.base.json': '{}\n' });
    await writeFiles(root, { 'tsconfig.base.json': '{ "compilerOptions": {} }\n' });
    commitChange(root);
    expect((await plan(root, '--changed=main')).selected).toEqual([]);
    expect(
      (await plan(root, '--changed=main', '--global-input', 'tsconfig.*.json')).selected,
    ).toEqual(['api', 'web', 'worker']);
  });

  it('sees staged, unstaged and untracked files, and ignores what .dockerignore keeps out', async () => {
    const root = await gitRepo(workspace);
    gitIn(root, 'checkout', '--quiet', '-b', 'change');
    await writeFiles(root, {
      'apps/web/src/new-file.ts': 'export const x = 1;\n',
      'apps/api/README.md': '# docs\n',
    });
    expect((await plan(root, '--changed=main')).selected).toEqual(['web']);
    await writeFiles(root, { 'apps/worker/src/main.ts': 'export const worker = 3;\n' });
    gitIn(root, 'add', 'apps/worker/src/main.ts');
    expect((await plan(root, '--changed=main')).selected).toEqual(['web', 'worker']);
  });

  it('sees a renamed package directory at its old and new place', async () => {
    const root = await gitRepo(workspace);
    gitIn(root, 'checkout', '--quiet', '-b', 'change');
    gitIn(root, 'mv', 'packages/ui', 'packages/ui-kit');
    await writeFiles(root, {
      'pnpm-lock.yaml': (await readFile(path.join(root, 'pnpm-lock.yaml'), 'utf8'))
        .replace('packages/ui:', 'packages/ui-kit:')
        .replace('link:../../packages/ui\n', 'link:../../packages/ui-kit\n'),
    });
    commitChange(root);
    const output = await plan(root, '--changed=main');
    expect(output.selected).toEqual(['web']);
  });

  it('selects the apps that used a deleted package, and no other', async () => {
    const root = await gitRepo({
      ...workspace,
      'apps/api/package.json': app('api', {
        '@acme/logger': 'workspace:*',
        '@acme/config': 'workspace:*',
        express: '^4.21.0',
      }),
    });
    await removePath(root, 'packages/config');
    await writeFiles(root, {
      'apps/api/package.json': app('api', { '@acme/logger': 'workspace:*', express: '^4.21.0' }),
    });
    commitChange(root);
    const output = await plan(root, '--changed=main');
    expect(output.selected).toEqual(['api']);
    expect(reasonsOf(output, 'api')).toEqual(['files apps/api/package.json']);
  });

  it('selects only the apps whose stages of the committed Dockerfile change', async () => {
    const root = await gitRepo(workspace);
    expect((await runBin(['generate'], { cwd: root })).code).toBe(0);
    gitIn(root, 'add', '-A');
    gitIn(root, 'commit', '--quiet', '-m', 'commit the generated Dockerfile');
    await writeFiles(root, {
      'apps/web/package.json': app('web', {
        '@acme/ui': 'workspace:*',
        '@acme/config': 'workspace:*',
      }),
    });
    commitChange(root);
    const output = await plan(root, '--changed=main');
    expect(output.selected).toEqual(['web']);
    expect(reasonsOf(output, 'web')).toEqual([
      'files apps/web/package.json',
      'docker/Dockerfile: stages web-deps, web-build, web-prod changed',
    ]);
  });

  it('says which app of the committed Dockerfile was removed or is no longer an app', async () => {
    const root = await gitRepo(workspace);
    expect((await runBin(['generate'], { cwd: root })).code).toBe(0);
    gitIn(root, 'add', '-A');
    gitIn(root, 'commit', '--quiet', '-m', 'commit the generated Dockerfile');
    await removePath(root, 'apps/worker');
    await writeFiles(root, {
      'apps/web/package.json': {
        ...app('web', { '@acme/ui': 'workspace:*' }),
        buildImages: { app: false },
      },
    });
    commitChange(root);
    const result = await runBin(['plan', '--changed=main'], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'warning: app "worker" (@acme/worker, apps/worker) was removed since main: no image is built for it any more',
    );
    expect(result.stderr).toContain(
      'warning: app "web" (@acme/web, apps/web) is no longer an app since main',
    );
    expect(result.stderr).not.toContain('app "api"');
  });

  it('names a removed workspace package when the base has no generated Dockerfile to say it was an app', async () => {
    const root = await gitRepo(workspace);
    await removePath(root, 'apps/worker');
    commitChange(root);
    const result = await runBin(['plan', '--changed=main'], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'warning: the workspace package in apps/worker was removed since main: if it was an app, no image is built for it any more',
    );
    expect(result.stderr).not.toContain('apps/api was removed');
  });

  it('never counts a hand-written docker/Dockerfile it does not own as a change', async () => {
    const root = await gitRepo({ ...workspace, 'docker/Dockerfile': 'FROM node:24\nCOPY . .\n' });
    await writeFiles(root, { 'docker/Dockerfile': 'FROM node:24\nCOPY . .\nRUN true\n' });
    commitChange(root);
    expect((await plan(root, '--changed=main')).selected).toEqual([]);
  });

  it('works on a detached HEAD', async () => {
    const root = await gitRepo(workspace);
    await writeFiles(root, { 'apps/web/src/main.ts': 'export const web = 2;\n' });
    commitChange(root);
    gitIn(root, 'checkout', '--quiet', '--detach', 'HEAD');
    expect((await plan(root, '--changed=main')).selected).toEqual(['web']);
  });

  it('explains why each app was or was not chosen', async () => {
    const root = await gitRepo(workspace);
    await writeFiles(root, { 'packages/ui/src/index.ts': 'export const ui = 3;\n' });
    commitChange(root);
    const result = await runBin(['plan', '--changed=main', '--explain'], { cwd: root });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'web: selected\n  - dependency @acme/ui changed (packages/ui/src/index.ts)',
    );
    expect(result.stderr).toContain('api: not selected (nothing it is built from changed)');
  });

  it('fails with the fetch command in a shallow clone without the base, unless told to fall back', async () => {
    const origin = await gitRepo(workspace);
    gitIn(origin, 'checkout', '--quiet', '-b', 'feature');
    await writeFiles(origin, { 'apps/api/src/main.ts': 'export const api = 5;\n' });
    gitIn(origin, 'commit', '--quiet', '-am', 'feature');
    const clone = `${origin}-clone`;
    gitIn(
      path.dirname(origin),
      'clone',
      '--quiet',
      '--depth=1',
      '--branch',
      'feature',
      `file://${origin}`,
      clone,
    );
    const result = await runBin(['plan', '--changed=origin/main'], { cwd: clone });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'Cannot diff against "origin/main": git does not know that ref (this clone is shallow)',
    );
    expect(result.stderr).toContain('git fetch --deepen=200 origin main');
    expect(result.stderr).not.toMatch(/\n\s+at /);

    gitIn(clone, 'fetch', '--quiet', '--depth=1', 'origin', 'main:refs/remotes/origin/main');
    const noBase = await runBin(['plan', '--changed=origin/main'], { cwd: clone });
    expect(noBase.code).toBe(2);
    expect(noBase.stderr).toContain(
      '"origin/main" and HEAD have no common commit in this clone (it is shallow',
    );

    const fallback = await plan(clone, '--changed=origin/main', '--changed-fallback=all');
    expect(fallback.selected).toEqual(['api', 'web', 'worker']);
  });

  it('passes a ref that looks like an option to git as a ref, not an option', async () => {
    const root = await gitRepo(workspace);
    const result = await runBin(['plan', '--changed=--output=/tmp/x'], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('a ref cannot start with "-"');
  });

  it('refuses a range or a refspec for --changed, and says what to pass for a ref no fetch can get', async () => {
    const root = await gitRepo(workspace);
    for (const ref of ['main..HEAD', 'HEAD:apps', 'main HEAD']) {
      const result = await runBin(['plan', `--changed=${ref}`], { cwd: root });
      expect(result.code, ref).toBe(2);
      expect(result.stderr).toContain(
        `--changed=${ref}: give one ref, the base to compare HEAD with`,
      );
    }
    const unknown = await runBin(['plan', '--changed=HEAD~40'], { cwd: root });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Cannot diff against "HEAD~40"');
    expect(unknown.stderr).not.toContain('git fetch');
    expect(unknown.stderr).toContain('hint: Name a branch, tag or commit this clone has');
  });

  it('says a repository without a commit has none to compare with', async () => {
    const root = await writeTree(workspace);
    gitIn(root, 'init', '--quiet');
    const result = await runBin(['plan', '--changed=HEAD'], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('has no commit yet');
    expect(result.stderr).not.toContain('git fetch');
  });

  it('reads the base branch from GITHUB_BASE_REF', async () => {
    const root = await gitRepo(workspace);
    gitIn(root, 'checkout', '--quiet', '-b', 'develop');
    await writeFiles(root, { 'apps/api/src/main.ts': 'export const api = 9;\n' });
    gitIn(root, 'commit', '--quiet', '-am', 'on develop');
    gitIn(root, 'checkout', '--quiet', '-b', 'feature');
    await writeFiles(root, { 'apps/web/src/main.ts': 'export const web = 9;\n' });
    gitIn(root, 'commit', '--quiet', '-am', 'on feature');
    const result = await runBin(['plan', '--json', '--changed'], {
      cwd: root,
      env: { GITHUB_BASE_REF: 'develop' },
    });
    const output = JSON.parse(result.stdout) as PlanOutput;
    expect(output.apps.filter((entry) => entry.selected).map((entry) => entry.name)).toEqual([
      'web',
    ]);
  });
});

describe('inputs digest', () => {
  it('is the same in two clones and changes with any input', async () => {
    const root = await gitRepo(workspace);
    const clone = `${root}-second`;
    gitIn(path.dirname(root), 'clone', '--quiet', `file://${root}`, clone);
    const first = await plan(root);
    const second = await plan(clone);
    expect(first.apps.map((entry) => entry.digest)).toEqual(
      second.apps.map((entry) => entry.digest),
    );
    expect(new Set(first.apps.map((entry) => entry.digest)).size).toBe(3);

    const digestOf = (output: PlanOutput, name: string) =>
      output.apps.find((entry) => entry.name === name)!.digest;
    await writeFiles(clone, { 'packages/ui/src/index.ts': 'export const ui = 7;\n' });
    const afterEdit = await plan(clone);
    expect(digestOf(afterEdit, 'web')).not.toBe(digestOf(first, 'web'));
    expect(digestOf(afterEdit, 'api')).toBe(digestOf(first, 'api'));

    await writeFiles(clone, { 'pnpm-lock.yaml': lockfile('4.21.2') });
    const afterLock = await plan(clone);
    expect(digestOf(afterLock, 'api')).not.toBe(digestOf(afterEdit, 'api'));
    expect(digestOf(afterLock, 'worker')).toBe(digestOf(afterEdit, 'worker'));

    const otherBase = await plan(clone, '--base-image', 'node:24.0.0-bookworm-slim');
    expect(digestOf(otherBase, 'worker')).not.toBe(digestOf(afterLock, 'worker'));

    await writeFiles(clone, { 'apps/worker/README.md': 'ignored by .dockerignore\n' });
    expect(digestOf(await plan(clone), 'worker')).toBe(digestOf(afterLock, 'worker'));
  });

  it('can be used in tags', async () => {
    const root = await gitRepo(workspace);
    const output = await plan(root, '--tag', 'registry.example.com/acme/{app}:{digest}');
    const api = output.apps.find((entry) => entry.name === 'api') as unknown as {
      tags: string[];
      digest: string;
    };
    expect(api.tags).toEqual([`registry.example.com/acme/api:${api.digest.slice(7, 23)}`]);
  });
});

describe('--shard', () => {
  it('splits the selected apps evenly and deterministically', async () => {
    const root = await gitRepo(workspace);
    const parts = await Promise.all(
      ['1/2', '2/2'].map(async (shard) => (await plan(root, '--shard', shard)).selected),
    );
    expect(parts).toEqual([['api', 'worker'], ['web']]);
    const result = await runBin(['plan', '--shard', '3/2'], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--shard "3/2" is not of the form i/n with 1 ≤ i ≤ n');
  });
});
