import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runBin, writeTree } from '@build-images/test-helpers';

const workspace = {
  'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
  'package.json': { name: 'root', private: true },
  'apps/api/package.json': {
    name: '@acme/api',
    main: 'dist/main.js',
    dependencies: { '@acme/logger': 'workspace:*' },
  },
  'packages/logger/package.json': { name: '@acme/logger' },
};

/** The lockfile pnpm 10 writes for `workspace`. */
const workspaceLockfile = [
  "lockfileVersion: '9.0'",
  '',
  'settings:',
  '  autoInstallPeers: true',
  '  excludeLinksFromLockfile: false',
  '',
  'importers:',
  '',
  '  .: {}',
  '',
  '  apps/api:',
  '    dependencies:',
  "      '@acme/logger':",
  '        specifier: workspace:*',
  '        version: link:../../packages/logger',
  '',
  '  packages/logger: {}',
  '',
].join('\n');

function expectCleanError(stderr: string) {
  // Warnings (a fixture without a lockfile gets one) may come first; then the one error.
  expect(stderr).toMatch(/^(warning: [^\n]*\n)*error: /);
  expect(stderr).toMatch(/\nhint: /);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('build-images on bad input', () => {
  it('exits 2 naming the directory when there is no pnpm-workspace.yaml', async () => {
    const dir = await writeTree({ 'package.json': { name: 'lonely' } });
    const result = await runBin([], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`No pnpm-workspace.yaml in ${dir} or any directory above it`);
    expectCleanError(result.stderr);
  });

  it.each(['# only a comment\n', 'null\n', '~\n', '---\n', '   \n'])(
    'exits 2 naming an empty pnpm-workspace.yaml (%j), with no stack trace',
    async (text) => {
      const dir = await writeTree({ ...workspace, 'pnpm-workspace.yaml': text });
      const result = await runBin(['plan'], { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('pnpm-workspace.yaml is empty');
      expectCleanError(result.stderr);
    },
  );

  it('exits 2 naming a workspace: range no local version satisfies, before writing anything', async () => {
    const dir = await writeTree({
      ...workspace,
      'apps/api/package.json': {
        name: '@acme/api',
        main: 'dist/main.js',
        dependencies: { '@acme/logger': 'workspace:^2.0.0' },
      },
      'packages/logger/package.json': { name: '@acme/logger', version: '1.0.0' },
    });
    const result = await runBin(['generate'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'apps/api/package.json: "@acme/api" depends on "@acme/logger" as workspace:^2.0.0, but the workspace has version 1.0.0',
    );
    expectCleanError(result.stderr);
    expect(existsSync(`${dir}/docker/Dockerfile`)).toBe(false);
  });

  it('exits 2 naming a folder or package name the Dockerfile would split or run, and a package outside the root', async () => {
    const top = await writeTree({
      'ws/pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - ../outside\n',
      'ws/package.json': { name: 'root', private: true },
      'ws/apps/my api/package.json': { name: '@acme/spaced', main: 'dist/main.js' },
      'ws/apps/tool/package.json': { name: 'tool$(touch /tmp/pwned)', main: 'dist/main.js' },
      'ws/apps/ok/package.json': { name: '@acme/ok', main: 'dist/main.js' },
      'outside/package.json': { name: 'outside', scripts: { start: 'node x.js' } },
    });
    const dir = `${top}/ws`;
    for (const args of [['plan'], ['--dry-run'], ['generate']]) {
      const result = await runBin(args, { cwd: dir });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('has 3 problems');
      expect(result.stderr).toContain(
        'apps/my api/package.json: the folder "apps/my api" has characters',
      );
      expect(result.stderr).toContain(
        'apps/tool/package.json: the name "tool$(touch /tmp/pwned)" is no valid npm package name',
      );
      expect(result.stderr).toContain(
        'pnpm-workspace.yaml: the package at ../outside is outside the workspace root',
      );
      expectCleanError(result.stderr);
    }
    expect(existsSync(`${dir}/docker/Dockerfile`)).toBe(false);
  });

  it('reads a root package.json that starts with a byte-order mark, and names a missing one', async () => {
    const dir = await writeTree({
      ...workspace,
      'pnpm-lock.yaml': workspaceLockfile,
      'package.json':
        '\ufeff{"name":"root","private":true,"packageManager":"pnpm@9.15.9","engines":{"node":"22"}}',
    });
    const result = await runBin(['plan'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('pnpm 9.15.9 (packageManager)');
    expect(result.stdout).toMatch(/node 22 \(/);
    const { rm } = await import('node:fs/promises');
    await rm(`${dir}/package.json`);
    const missing = await runBin(['plan'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${dir}/package.json cannot be read (ENOENT)`);
    expectCleanError(missing.stderr);
  });

  it('exits 2 listing every workspace problem at once: unknown package, duplicate name', async () => {
    const dir = await writeTree({
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
      'package.json': { name: 'root', private: true },
      'apps/api/package.json': {
        name: '@acme/api',
        main: 'dist/main.js',
        dependencies: { '@acme/a': 'workspace:*', '@acme/ghost': 'workspace:^' },
      },
      'packages/a/package.json': { name: '@acme/a' },
      'packages/b/package.json': { name: '@acme/b' },
      'packages/b2/package.json': { name: '@acme/b' },
    });
    const result = await runBin(['plan'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('has 2 problems');
    expect(result.stderr).toContain(
      'package name "@acme/b" is used by more than one manifest: packages/b/package.json, packages/b2/package.json',
    );
    expect(result.stderr).toContain(
      'apps/api/package.json: "@acme/api" depends on "@acme/ghost" (workspace:^), which is not a package of this workspace',
    );
    expectCleanError(result.stderr);
  });

  it('exits 2 on an unknown config key, suggesting the nearest one; flags win over the config', async () => {
    const dir = await writeTree({
      ...workspace,
      'build-images.config.json': { tag: ['x/{app}:1'], registy: 'ghcr.io/acme' },
    });
    const result = await runBin(['plan'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'build-images.config.json: "tag" is not a known option (did you mean "tags"?)',
    );
    expect(result.stderr).toContain(
      'build-images.config.json: "registy" is not a known option (did you mean "registry"?)',
    );
    const good = await writeTree({
      ...workspace,
      'build-images.config.json': { tags: ['x/{app}:1'], registry: 'ghcr.io/acme' },
    });
    const fromConfig = JSON.parse((await runBin(['plan', '--json'], { cwd: good })).stdout) as {
      apps: { tags: string[] }[];
    };
    expect(fromConfig.apps[0]?.tags).toEqual(['ghcr.io/acme/x/api:1']);
    const fromFlag = JSON.parse(
      (await runBin(['plan', '--json', '--tag', '{app}:2'], { cwd: good })).stdout,
    ) as { apps: { tags: string[] }[] };
    expect(fromFlag.apps[0]?.tags).toEqual(['ghcr.io/acme/api:2']);
  });

  it('exits 2 naming an unknown app and listing the known ones', async () => {
    const dir = await writeTree(workspace);
    const result = await runBin(['nope', '--dry-run'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: Unknown app "nope"');
    expect(result.stderr).toContain('Known apps: api');
    expectCleanError(result.stderr);
  });

  it('exits 2 naming an unknown flag', async () => {
    const dir = await writeTree(workspace);
    const result = await runBin(['--fast'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--fast');
    expectCleanError(result.stderr);
  });

  it('exits 2 on a bad --concurrency value', async () => {
    const dir = await writeTree(workspace);
    const result = await runBin(['--concurrency', 'lots'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--concurrency must be a whole number from 1 to 64, got "lots"',
    );
  });

  it('exits 2 on --cache-to without --push, or with a reference that is none', async () => {
    const dir = await writeTree(workspace);
    const alone = await runBin(['--cache-to', 'ghcr.io/acme/{app}:main'], { cwd: dir });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--cache-to pushes the build cache with the images');
    const bad = await runBin(['--push', '--cache-to', 'ghcr.io/Acme/{app}'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: --cache-to "ghcr.io/Acme/{app}"');
    expectCleanError(bad.stderr);
  });

  it('takes a registry host as the reference grammar does (a bracketed IPv6 address too), and refuses one that is not', async () => {
    const dir = await writeTree(workspace);
    for (const [registry, code] of [
      ['[2001:db8::1]:5000', 0],
      ['[2001:db8::1]:5000/team', 0],
      ['127.0.0.1:5000/t', 0],
      ['ghcr.io/Acme', 2],
      ['[2001:db8::1', 2],
      ['https://ghcr.io', 2],
    ] as const) {
      const result = await runBin(['plan', '--json', '--registry', registry], { cwd: dir });
      expect(result.code, `${registry}: ${result.stderr}`).toBe(code);
      if (code === 0)
        expect(JSON.parse(result.stdout).apps[0].tags).toEqual([`${registry}/api:latest`]);
      else {
        expect(result.stderr).toContain(`--registry "${registry}" is not a registry host`);
        expectCleanError(result.stderr);
      }
    }
  });

  it('exits 2 naming the package when its image name makes the tags too long', async () => {
    const long = `@acme/${'a'.repeat(260)}`;
    const dir = await writeTree({
      ...workspace,
      'apps/api/package.json': { name: long, main: 'dist/main.js' },
    });
    const result = await runBin(['plan', '--registry', 'ghcr.io/acme'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('characters long; at most 255 are allowed');
    expect(result.stderr).toContain(`comes from the package ${long} (apps/api/package.json)`);
    expectCleanError(result.stderr);
  });

  it('refuses to build without pnpm-lock.yaml (exit 2), before asking for an engine', async () => {
    const dir = await writeTree(workspace);
    const result = await runBin([], {
      cwd: dir,
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: pnpm-lock.yaml is missing: every image installs with pnpm install --frozen-lockfile',
    );
    expect(result.stderr).toContain('hint: Run pnpm install at the workspace root and commit');
    expect(existsSync(`${dir}/docker/Dockerfile`)).toBe(false);
    // generate writes nothing: a Dockerfile whose installs cannot run, and no slices to copy.
    const generate = await runBin(['generate'], { cwd: dir });
    expect(generate.code).toBe(2);
    expect(generate.stderr).toContain('error: pnpm-lock.yaml is missing');
    expect(existsSync(`${dir}/docker`)).toBe(false);
    // plan still plans, with the warning.
    const plan = await runBin(['plan'], { cwd: dir });
    expect(plan.code).toBe(0);
    expect(plan.stderr).toContain('warning: pnpm-lock.yaml is missing');
  });

  it('exits 2 on a pnpm 8 workspace naming the pnpm it pins and how to move on, not its lockfile format (teable)', async () => {
    const v6 = workspaceLockfile.replace("lockfileVersion: '9.0'", "lockfileVersion: '6.0'");
    const pinned = await writeTree({
      ...workspace,
      'package.json': { name: 'root', private: true, packageManager: 'pnpm@8.15.5' },
      'pnpm-lock.yaml': v6,
    });
    for (const args of [['plan'], ['plan', '--json'], ['generate']]) {
      const result = await runBin(args, { cwd: pinned });
      expect(result.code, args.join(' ')).toBe(2);
      expectCleanError(result.stderr);
      expect(result.stderr).toContain(
        'error: package.json: packageManager asks for pnpm 8.15.5; build-images supports pnpm 9, 10, 11',
      );
      expect(result.stderr).toContain('"packageManager": "pnpm@10.34.9"');
      expect(result.stdout).toBe('');
    }
    expect(existsSync(`${pinned}/docker`)).toBe(false);
    // Nothing pinned: the lockfile format says which pnpm wrote it.
    const unpinned = await writeTree({ ...workspace, 'pnpm-lock.yaml': v6 });
    const result = await runBin(['plan'], { cwd: unpinned });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: pnpm-lock.yaml has lockfileVersion 6.0, written by pnpm 8; build-images supports pnpm 9, 10, 11',
    );
  });

  it('exits 3 naming DOCKER_HOST when no engine answers there, before writing anything', async () => {
    const dir = await writeTree({ ...workspace, 'pnpm-lock.yaml': workspaceLockfile });
    const result = await runBin([], {
      cwd: dir,
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'No Docker Engine answers at DOCKER_HOST=unix:///nonexistent/docker.sock: the socket does not exist (ENOENT)',
    );
    expectCleanError(result.stderr);
    expect(existsSync(`${dir}/docker/Dockerfile`)).toBe(false);
  });

  it("never overwrites a user's file where generate writes the .npmrc settings or the lockfile slices", async () => {
    const { readFile, rm } = await import('node:fs/promises');
    const base = {
      ...workspace,
      'pnpm-lock.yaml': workspaceLockfile,
      '.npmrc': 'auto-install-peers=true\n',
    };
    const npmrc = await writeTree({ ...base, 'docker/npmrc': 'my own notes\n' });
    const refused = await runBin(['generate'], { cwd: npmrc });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('docker/npmrc exists and was not generated by build-images');
    expectCleanError(refused.stderr);
    expect(await readFile(`${npmrc}/docker/npmrc`, 'utf8')).toBe('my own notes\n');
    expect(existsSync(`${npmrc}/docker/Dockerfile`)).toBe(false);

    const slices = await writeTree({ ...base, 'docker/lockfiles/api/package.json': 'hand\n' });
    const refusedSlices = await runBin(['generate'], { cwd: slices });
    expect(refusedSlices.code).toBe(2);
    expect(refusedSlices.stderr).toContain(
      'docker/lockfiles/api/package.json was not written by build-images',
    );
    expect(await readFile(`${slices}/docker/lockfiles/api/package.json`, 'utf8')).toBe('hand\n');
    // Its own files it rewrites, run after run, and those an earlier version wrote too.
    await rm(`${slices}/docker/lockfiles/api/package.json`);
    expect((await runBin(['generate'], { cwd: slices })).code).toBe(0);
    expect(await readFile(`${slices}/docker/npmrc`, 'utf8')).toMatch(
      /^# Generated by build-images from .npmrc[^\n]*\nauto-install-peers=true\n$/,
    );
    await rm(`${slices}/docker/lockfiles/.generated-by-build-images`);
    const again = await runBin(['generate'], { cwd: slices });
    expect(again.code, again.stderr).toBe(0);
  });

  it('names each app a stale lockfile blocks once, and a name that is no string', async () => {
    const dir = await writeTree({
      ...workspace,
      'pnpm-lock.yaml': workspaceLockfile.replace('  packages/logger: {}\n', ''),
    });
    const result = await runBin(['generate'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: An app cannot be built as planned');
    expect(result.stderr.match(/^ {2}- api: /gm)).toHaveLength(1);
    expect(result.stderr).toContain('pnpm-lock.yaml has no entry for packages/logger');
    const numbered = await writeTree({
      ...workspace,
      'packages/logger/package.json': { name: 42 },
    });
    const named = await runBin(['plan'], { cwd: numbered });
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('packages/logger/package.json: "name" must be a string, got 42');
    expectCleanError(named.stderr);
  });

  it('exits 2 naming a --cwd that does not exist, a global input outside the workspace and a lockfile that cannot be read', async () => {
    const dir = await writeTree({ ...workspace, 'pnpm-lock.yaml/oops': 'x' });
    const cwd = await runBin(['plan', '--cwd', `${dir}/nosuch`], { cwd: dir });
    expect(cwd.code).toBe(2);
    expect(cwd.stderr).toContain(`--cwd ${dir}/nosuch: there is no such directory`);
    expectCleanError(cwd.stderr);
    const outside = await runBin(['plan', '--global-input', '../../etc/passwd'], { cwd: dir });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain(
      '--global-input "../../etc/passwd" must be a path or glob inside the workspace',
    );
    const lockfile = await runBin(['plan'], { cwd: dir });
    expect(lockfile.code).toBe(2);
    expect(lockfile.stderr).toContain('pnpm-lock.yaml: a directory where a file was expected');
    expectCleanError(lockfile.stderr);
  });

  it('exits 2 naming a --dockerfile that is a folder, without a stack trace', async () => {
    const dir = await writeTree({ ...workspace, 'pnpm-lock.yaml': workspaceLockfile });
    const slash = await runBin(['generate', '--dockerfile', 'docker/'], { cwd: dir });
    expect(slash.code).toBe(2);
    expect(slash.stderr).toContain('--dockerfile "docker/" names a folder');
    expectCleanError(slash.stderr);
    // An existing folder: what the file system says, about that path.
    const folder = await runBin(['generate', '--dockerfile', 'apps'], { cwd: dir });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain('apps: a directory where a file was expected');
    expectCleanError(folder.stderr);
  });

  it('leaves a hand-written docker/Dockerfile alone and writes its own beside it', async () => {
    const dir = await writeTree({
      ...workspace,
      'pnpm-lock.yaml': workspaceLockfile,
      'docker/Dockerfile': 'FROM scratch\n',
    });
    const result = await runBin(['generate'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'note: docker/Dockerfile is a hand-written Dockerfile, left as it is; using .build-images/Dockerfile',
    );
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(`${dir}/docker/Dockerfile`, 'utf8')).toBe('FROM scratch\n');
    expect(await readFile(`${dir}/.build-images/Dockerfile`, 'utf8')).toContain('FROM base AS api');
    expect((await runBin(['generate', '--check'], { cwd: dir })).code).toBe(0);
  });

  it('refuses to overwrite a hand-written file at a --dockerfile path the user names', async () => {
    const dir = await writeTree({
      ...workspace,
      'pnpm-lock.yaml': workspaceLockfile,
      'ops/Dockerfile': 'FROM scratch\n',
    });
    const result = await runBin(['generate', '--dockerfile', 'ops/Dockerfile'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ops/Dockerfile exists and was not generated by build-images');
  });
});

describe('build-images plan and generate', () => {
  it('--dry-run prints the plan and the Dockerfile without touching Docker or the disk', async () => {
    const dir = await writeTree(workspace);
    const result = await runBin(['--dry-run'], {
      cwd: dir,
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('* api (@acme/api, apps/api) → api:latest');
    expect(result.stdout).toContain('FROM base AS api\n');
    expect(existsSync(`${dir}/docker/Dockerfile`)).toBe(false);
  });

  it('prints only JSON with plan --json: apps with their transitive packages', async () => {
    const dir = await writeTree(workspace);
    const result = await runBin(['plan', '--json'], { cwd: dir });
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as {
      apps: { name: string; packages: { name: string }[]; tags: string[] }[];
    };
    expect(plan.apps).toMatchObject([
      { name: 'api', tags: ['api:latest'], packages: [{ name: '@acme/logger' }] },
    ]);
  });

  it('lists the package stages each app builds in plan --json', async () => {
    const dir = await writeTree({
      ...workspace,
      'packages/logger/package.json': { name: '@acme/logger', scripts: { build: 'tsc' } },
    });
    const result = await runBin(['plan', '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).apps[0]).toMatchObject({
      name: 'api',
      packageStages: ['pkg-logger'],
    });
  });

  it('generate writes the Dockerfile and generate --check then passes; a stale file fails with a diff', async () => {
    const dir = await writeTree({ ...workspace, 'pnpm-lock.yaml': workspaceLockfile });
    expect((await runBin(['generate'], { cwd: dir })).code).toBe(0);
    expect((await runBin(['generate', '--check'], { cwd: dir })).code).toBe(0);
    const { appendFile } = await import('node:fs/promises');
    await appendFile(`${dir}/docker/Dockerfile`, 'RUN echo stale\n');
    const stale = await runBin(['generate', '--check'], { cwd: dir });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('docker/Dockerfile is stale');
    expect(stale.stderr).toContain('-RUN echo stale');
    // A hunk header with line numbers locates the stale line in the file.
    const lines = (await import('node:fs'))
      .readFileSync(`${dir}/docker/Dockerfile`, 'utf8')
      .split('\n').length;
    expect(stale.stderr).toMatch(new RegExp(`@@ -${lines - 4},4 \\+${lines - 4},3 @@`));
  });
});

describe('the .dockerignore generate recommends', () => {
  const built = {
    ...workspace,
    'pnpm-lock.yaml': workspaceLockfile,
    'apps/api/package.json': { ...workspace['apps/api/package.json'], scripts: { build: 'tsc' } },
  };

  it("is written when the repository has none, and a user's is never touched", async () => {
    const dir = await writeTree(built);
    const first = await runBin(['generate'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('.dockerignore written (none was there)');
    const { readFileSync, writeFileSync } = await import('node:fs');
    const written = readFileSync(`${dir}/.dockerignore`, 'utf8');
    expect(written.split('\n')).toEqual(
      expect.arrayContaining(['**/node_modules', '.git', '**/dist', '**/.env', '**/*.pem']),
    );
    // Edited by the user: generate leaves it as it is, and says nothing about it.
    writeFileSync(`${dir}/.dockerignore`, 'mine\n');
    const second = await runBin(['generate'], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('.dockerignore');
    expect(readFileSync(`${dir}/.dockerignore`, 'utf8')).toBe('mine\n');
    // --check writes nothing, .dockerignore included.
    const checked = await writeTree({ ...workspace, 'pnpm-lock.yaml': workspaceLockfile });
    await runBin(['generate', '--check'], { cwd: checked });
    expect(existsSync(`${checked}/.dockerignore`)).toBe(false);
  });

  it('keeps dist in the context when a package without a build script ships a committed dist', async () => {
    const dir = await writeTree({
      ...built,
      'packages/logger/package.json': { name: '@acme/logger', main: './dist/index.js' },
    });
    expect((await runBin(['generate'], { cwd: dir })).code).toBe(0);
    const text = (await import('node:fs')).readFileSync(`${dir}/.dockerignore`, 'utf8');
    expect(text.split('\n')).not.toContain('**/dist');
    expect(text).toContain('not dist: packages/logger ships a committed dist');
  });

  it('refuses generate --dry-run (exit 2) rather than writing anything', async () => {
    const dir = await writeTree({ ...workspace, 'pnpm-lock.yaml': workspaceLockfile });
    const result = await runBin(['generate', '--dry-run'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --dry-run goes with a build');
    expect(existsSync(`${dir}/docker`)).toBe(false);
    expect(existsSync(`${dir}/.dockerignore`)).toBe(false);
  });
});

describe('base images, from any source', () => {
  it.each([
    [['--base-image', 'node'], {}, '--base-image: "node" is not pinned'],
    [['--base-image', 'node:latest'], {}, '--base-image: "node:latest" is not pinned'],
    [['--bundle-image', 'Node:20'], {}, '--bundle-image: "Node:20" is not an image reference'],
    [
      [],
      { BUILD_IMAGES_BASE_IMAGE: 'node:20 bookworm' },
      'BUILD_IMAGES_BASE_IMAGE: "node:20 bookworm" is not an image reference',
    ],
    [
      [],
      { BUILD_IMAGES_BUNDLE_IMAGE: 'node@sha256:abc' },
      'BUILD_IMAGES_BUNDLE_IMAGE: "node@sha256:abc" is not an image reference',
    ],
  ])(
    'refuses %j %j before any work (exit 2), naming where it came from',
    async (args, env, says) => {
      const dir = await writeTree(workspace);
      const result = await runBin(['plan', ...args], { cwd: dir, env });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(says);
      expectCleanError(result.stderr);
    },
  );

  it('refuses a config baseImage that is not pinned, naming the config', async () => {
    const dir = await writeTree({
      ...workspace,
      'build-images.config.json': { baseImage: 'node' },
    });
    const result = await runBin(['plan'], { cwd: dir, env: { BUILD_IMAGES_BASE_IMAGE: '' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('baseImage in the config: "node" is not pinned');
  });

  it('accepts a pinned tag or digest', async () => {
    const dir = await writeTree(workspace);
    for (const image of [
      'node:24.21.0-bookworm-slim',
      `localhost:5000/base/node@sha256:${'a'.repeat(64)}`,
    ]) {
      const result = await runBin(['plan', '--base-image', image], { cwd: dir });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`base image: ${image}`);
    }
  });
});
