import { afterAll, describe, expect, it } from 'vitest';
import {
  demuxLogs,
  dockerForTests,
  fixtureRootManifest,
  lockWorkspace,
  removeTestResources,
  runBin,
  testBaseImage,
  waitFor,
  writeFiles,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `shared${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;
const apps = ['one', 'two', 'three'] as const;

const app = (name: string, dependencies: Record<string, string> = {}) => ({
  name: `@fx/${name}`,
  version: '1.0.0',
  type: 'module',
  main: 'dist/main.js',
  files: ['dist'],
  scripts: { build: 'mkdir -p dist && cp src/main.js dist/' },
  dependencies: { '@fx/shared': 'workspace:*', ...dependencies },
});

/**
 * The shared package's build writes a stamp no two runs of it can share: every image whose
 * stamp is the same got the output of the same compile. Its manifest points at its TypeScript
 * sources, which Node does not run from node_modules, and the build points it at dist (as
 * dokploy's server does with its `switch:prod`): the images must ship the rewritten manifest.
 */
const sharedBuild = [
  "import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';",
  "import { randomUUID } from 'node:crypto';",
  "mkdirSync('dist', { recursive: true });",
  "const greeting = readFileSync('src/greeting.txt', 'utf8').trim();",
  'writeFileSync(',
  "  'dist/index.js',",
  '  `export const stamp = ${JSON.stringify(randomUUID())};\\nexport const greeting = ${JSON.stringify(greeting)};\\n`,',
  ');',
  "const manifest = JSON.parse(readFileSync('package.json', 'utf8'));",
  "writeFileSync('package.json', JSON.stringify({ ...manifest, main: 'dist/index.js' }, null, 2));",
].join('\n');

interface BuildOutput {
  results: {
    app: string;
    status: string;
    imageId: string;
    steps: { name: string; cached: boolean }[];
  }[];
}

/** Steps of every result whose name starts with `[<stage> ` and contains `text`. */
function stepsOf(output: BuildOutput, stage: string, text: string) {
  return output.results.flatMap((result) =>
    result.steps
      .filter((step) => step.name.startsWith(`[${stage} `) && step.name.includes(text))
      .map((step) => ({ app: result.app, cached: step.cached })),
  );
}

describe.skipIf(!docker)('shared packages compile once, in stages of their own', () => {
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  const build = async (root: string) => {
    const result = await runBin(
      ['--json', '--concurrency', '3', '--tag', `${prefix}{app}:t`, '--base-image', testBaseImage],
      { cwd: root },
    );
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as BuildOutput;
  };

  /** What the app's image prints: the shared package's stamp and greeting. */
  const runApp = async (name: string): Promise<string> => {
    const container = await docker!.createContainer({
      Image: `${prefix}${name}:t`,
      Labels: { 'build-images.test': runId },
    });
    await container.start();
    return waitFor(`${name} to print`, async () => {
      const text = demuxLogs((await container.logs({ stdout: true, stderr: true })) as Buffer);
      return text.includes('stamp=') ? text.trim() : undefined;
    });
  };

  it('compiles a shared package once for three apps built in parallel, and leaves it and the other apps cached when one app changes its dependencies', async () => {
    const root = await writeTree({
      'package.json': fixtureRootManifest(runId),
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
      'packages/shared/package.json': {
        name: '@fx/shared',
        version: '1.0.0',
        type: 'module',
        main: 'src/index.ts',
        files: ['dist', 'src'],
        scripts: { build: 'node build.mjs' },
      },
      'packages/shared/build.mjs': sharedBuild,
      'packages/shared/src/index.ts':
        "export const stamp: string = 'the sources';\nexport const greeting: string = 'source';\n",
      'packages/shared/src/greeting.txt': 'hello\n',
      ...Object.fromEntries(
        apps.flatMap((name) => [
          [`apps/${name}/package.json`, app(name)],
          [
            `apps/${name}/src/main.js`,
            "import { stamp, greeting } from '@fx/shared';\nconsole.log(`stamp=${stamp} greeting=${greeting}`);\n",
          ],
        ]),
      ),
    });
    lockWorkspace(root, { offline: false });

    const first = await build(root);
    expect(first.results.map((result) => result.status)).toEqual(['built', 'built', 'built']);
    // The compile step is the shared stage's, in no app's own build stage. How often it ran is
    // told by the stamps below: an engine reports a step it merged into another build's as run
    // in each build that waited for it (Engine 28), or as cached (Engine 20.10).
    const compile = stepsOf(first, 'pkg-shared', 'pnpm --filter "@fx/shared" run build');
    expect(compile.length).toBeGreaterThan(0);
    for (const name of apps)
      expect(stepsOf(first, `${name}-build`, '"@fx/shared" run').map((s) => s.app)).toEqual([]);
    const printed = await Promise.all(apps.map(runApp));
    const stamps = new Set(printed.map((text) => /stamp=(\S+)/.exec(text)?.[1]));
    expect(stamps.size, printed.join('\n')).toBe(1);
    expect(printed[0]).toContain('greeting=hello');

    // One app's dependency: only its install runs again; the shared compile and the other apps stay.
    await writeFiles(root, { 'apps/one/package.json': app('one', { ms: '2.1.3' }) });
    lockWorkspace(root, { offline: false });
    const afterAdd = await build(root);
    const installOf = (output: BuildOutput, name: string) =>
      stepsOf(output, `${name}-deps`, 'pnpm install').find((step) => step.app === name)?.cached;
    expect(installOf(afterAdd, 'one')).toBe(false);
    expect(installOf(afterAdd, 'two')).toBe(true);
    expect(installOf(afterAdd, 'three')).toBe(true);
    expect(
      stepsOf(afterAdd, 'pkg-shared', 'run build').every((step) => step.cached),
      'the shared compile stays cached',
    ).toBe(true);
    const imageOf = (output: BuildOutput, name: string) =>
      output.results.find((result) => result.app === name)?.imageId;
    expect(imageOf(afterAdd, 'two')).toBe(imageOf(first, 'two'));
    expect(imageOf(afterAdd, 'three')).toBe(imageOf(first, 'three'));

    // The shared package's source: compiled once more, and every app gets that output.
    await writeFiles(root, { 'packages/shared/src/greeting.txt': 'bonjour\n' });
    const afterEdit = await build(root);
    expect(stepsOf(afterEdit, 'pkg-shared', 'run build').some((step) => !step.cached)).toBe(true);
    // No app deploys again (the deploy sees the shared package's manifest only); the compiled
    // package is laid over the deployed tree in <app>-packages, which runs again.
    for (const name of apps) {
      const deploy = stepsOf(afterEdit, `${name}-prod`, 'deploy --prod');
      expect(deploy.length, `${name}'s deploy step`).toBeGreaterThan(0);
      expect(
        deploy.every((step) => step.cached),
        `${name}'s deploy stays cached`,
      ).toBe(true);
      expect(
        stepsOf(afterEdit, `${name}-packages`, 'overlay').some((step) => !step.cached),
        `${name}'s packages overlay runs again`,
      ).toBe(true);
    }
    const again = await Promise.all(apps.map(runApp));
    const newStamps = new Set(again.map((text) => /stamp=(\S+)/.exec(text)?.[1]));
    expect(newStamps.size, again.join('\n')).toBe(1);
    expect(newStamps.has([...stamps][0])).toBe(false);
    for (const text of again) expect(text).toContain('greeting=bonjour');
  });
});
