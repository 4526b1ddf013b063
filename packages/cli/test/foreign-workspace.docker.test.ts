import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demuxLogs,
  dockerForTests,
  removeTestResources,
  startContainer,
  testBaseImage,
  waitFor,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `foreign${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;
const cliDir = path.resolve(import.meta.dirname, '..');

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A monorepo that is not this one: apps under services/, a scoped app depending on a package
 * that depends on another, and a package under tools/ that is no app. Its root is named like
 * its app (as dokploy's both are "dokploy"), which pnpm accepts, though its filters by name
 * then select both: `pnpm --filter <name> deploy` refuses to deploy two projects.
 */
async function foreignWorkspace(): Promise<string> {
  const pkg = (name: string, extra: object) => ({
    name,
    version: '1.0.0',
    type: 'module',
    main: 'dist/index.js',
    files: ['dist'],
    scripts: { build: 'mkdir -p dist && cp src/*.js dist/' },
    ...extra,
  });
  return writeTree({
    'package.json': { name: '@zeta/billing-api', private: true, packageManager: 'pnpm@10.34.9' },
    'pnpm-workspace.yaml': 'packages:\n  - services/*\n  - libs/*\n  - tools/*\n',
    'build-images.config.json': { apps: ['services/*'], tags: [`${prefix}{app}:{version}`] },
    'services/billing-api/package.json': pkg('@zeta/billing-api', {
      version: '3.1.0',
      main: 'dist/server.js',
      dependencies: { '@zeta/money': 'workspace:^' },
      buildImages: { port: 8080, healthPath: '/healthz' },
    }),
    'services/billing-api/src/server.js':
      "import http from 'node:http';\nimport { format } from '@zeta/money';\nconst server = http.createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : format(1234)));\nserver.listen(8080, () => console.log('billing up'));\nprocess.on('SIGTERM', () => server.close(() => process.exit(0)));\n",
    'libs/money/package.json': pkg('@zeta/money', {
      dependencies: { '@zeta/decimal': 'workspace:*' },
    }),
    'libs/money/src/index.js':
      "import { cents } from '@zeta/decimal';\nexport const format = (value) => `EUR ${cents(value)}`;\n",
    'libs/decimal/package.json': pkg('@zeta/decimal', {}),
    'libs/decimal/src/index.js': 'export const cents = (value) => (value / 100).toFixed(2);\n',
    'tools/codegen/package.json': pkg('@zeta/codegen', {
      dependencies: { '@zeta/decimal': 'workspace:*' },
    }),
    'tools/codegen/src/index.js': 'export const generate = () => 1;\n',
  });
}

describe.skipIf(!docker)('the packed CLI in a foreign pnpm workspace', () => {
  let root: string;
  beforeAll(() => {
    const packDir = mkdtempSync(path.join(tmpdir(), 'build-images-pack-'));
    const pack = run('pnpm', ['pack', '--pack-destination', packDir], cliDir);
    if (pack.code !== 0) throw new Error(`pnpm pack failed: ${pack.stderr}${pack.stdout}`);
    const tarball = path.join(
      packDir,
      readdirSync(packDir).find((file) => file.endsWith('.tgz'))!,
    );
    return foreignWorkspace().then((dir) => {
      root = dir;
      const add = run('pnpm', ['add', '-D', '-w', tarball], root);
      if (add.code !== 0)
        throw new Error(`pnpm add of the packed CLI failed: ${add.stderr}${add.stdout}`);
    });
  });
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it('ships a bin with --version and --help, and nothing of this repository', () => {
    const version = run('pnpm', ['exec', 'build-images', '--version'], root);
    expect(version.stdout.trim()).toBe('0.1.0');
    expect(run('pnpm', ['exec', 'build-images', '--help'], root).stdout).toContain(
      '--skip-existing',
    );
    // What the tarball holds (node_modules is where pnpm links the package's dependencies).
    const shipped = readdirSync(path.join(root, 'node_modules/build-images')).filter(
      (entry) => entry !== 'node_modules',
    );
    expect(shipped.sort()).toEqual(['dist', 'examples', 'package.json', 'schema']);
    // The bin and the chunks it loads on demand (the build command's), nothing else.
    const dist = readdirSync(path.join(root, 'node_modules/build-images/dist'));
    expect(dist).toContain('bin.js');
    expect(dist.filter((file) => !/^(bin|chunk-[\w-]+)\.js$/.test(file))).toEqual([]);
    expect(dist.some((file) => file.startsWith('chunk-build-command-'))).toBe(true);
  });

  it('plans the apps with their transitive packages, from the root and from a subdirectory', () => {
    for (const cwd of [root, path.join(root, 'services/billing-api/src')]) {
      const result = run('pnpm', ['exec', 'build-images', 'plan', '--json'], cwd);
      expect(result.stderr).not.toContain('error:');
      const plan = JSON.parse(result.stdout) as {
        apps: { name: string; tags: string[]; packages: { name: string }[] }[];
      };
      expect(
        plan.apps.map((app) => [app.name, app.tags, app.packages.map((dep) => dep.name)]),
      ).toEqual([
        ['billing-api', [`${prefix}billing-api:3.1.0`], ['@zeta/decimal', '@zeta/money']],
      ]);
    }
  });

  it('runs on Node 22, the oldest supported, as on Node 24', () => {
    const node22 = process.env['BUILD_IMAGES_NODE22'];
    if (!node22) {
      if (process.env['CI'] === 'true')
        throw new Error('CI=true but BUILD_IMAGES_NODE22 is not set: run scripts/setup-node.sh');
      console.warn(
        '\n!!! SKIPPING the Node 22 run: BUILD_IMAGES_NODE22 is not set (scripts/test.sh sets it) !!!\n',
      );
      return;
    }
    const bin = path.join(root, 'node_modules/build-images/dist/bin.js');
    expect(run(node22, ['--version'], root).stdout).toMatch(/^v22\./);
    const on22 = run(node22, [bin, 'plan', '--json'], root);
    expect(on22.stderr).toBe('');
    expect(JSON.parse(on22.stdout)).toEqual(
      JSON.parse(run(process.execPath, [bin, 'plan', '--json'], root).stdout),
    );
  });

  it('generates the Dockerfile and builds a working image on the engine', async () => {
    expect(run('pnpm', ['exec', 'build-images', 'generate'], root).code).toBe(0);
    const build = run(
      'pnpm',
      ['exec', 'build-images', 'billing-api', '--base-image', testBaseImage],
      root,
      { CI: 'true' },
    );
    expect(build.stderr + build.stdout).not.toContain('error:');
    expect(build.code).toBe(0);
    const { container, hostPort } = await startContainer(
      docker!,
      `${prefix}billing-api:3.1.0`,
      runId,
      8080,
    );
    const body = await waitFor('billing-api', async () => {
      const response = await fetch(`http://127.0.0.1:${hostPort}/`);
      return response.ok ? response.text() : undefined;
    });
    expect(body).toBe('EUR 12.34');
    expect(demuxLogs(await container.logs({ stdout: true, stderr: true }))).toContain('billing up');
  });
});
