import { afterAll, describe, expect, it } from 'vitest';
import {
  dockerForTests,
  lockWorkspace,
  removeTestResources,
  runBin,
  testBaseImage,
  writeFiles,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `cache${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

const app = (name: string, dependencies: Record<string, string>) => ({
  name: `@fx/${name}`,
  version: '1.0.0',
  type: 'module',
  main: 'dist/main.js',
  files: ['dist'],
  scripts: { build: 'mkdir -p dist && cp src/main.js dist/' },
  dependencies,
});

interface BuildOutput {
  results: { app: string; status: string; steps: { name: string; cached: boolean }[] }[];
}

/** The cache status of an app's install step (`[<app>-deps k/n] RUN … pnpm install …`). */
function installStep(output: BuildOutput, name: string) {
  const steps = output.results.find((result) => result.app === name)?.steps ?? [];
  const install = steps.filter(
    (step) => step.name.startsWith(`[${name}-deps `) && step.name.includes('pnpm install'),
  );
  expect(install).toHaveLength(1);
  return install[0]!;
}

describe.skipIf(!docker)('per-app install layers on a real engine', () => {
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it("keeps every other app's install layer cached when one app's dependencies change", async () => {
    const root = await writeTree({
      // The run id makes this run's layers its own: an earlier run's cache cannot answer for them.
      'package.json': {
        name: 'fixture',
        private: true,
        // Kept in the install stages' root manifest: this run's layers are its own.
        version: `0.0.0-${runId}`,
        packageManager: 'pnpm@10.34.9',
      },
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
      'apps/one/package.json': app('one', { ms: '2.1.3' }),
      'apps/one/src/main.js': "import ms from 'ms';\nconsole.log(ms(1000));\n",
      'apps/two/package.json': app('two', { picocolors: '1.1.1' }),
      'apps/two/src/main.js': "import pc from 'picocolors';\nconsole.log(pc.green('two'));\n",
    });
    lockWorkspace(root, { offline: false });
    const build = async () => {
      const result = await runBin(
        ['--json', '--tag', `${prefix}{app}:t`, '--base-image', testBaseImage],
        { cwd: root },
      );
      expect(result.stderr).not.toContain('error:');
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout) as BuildOutput;
    };
    await build();
    const unchanged = await build();
    expect(installStep(unchanged, 'one').cached).toBe(true);
    expect(installStep(unchanged, 'two').cached).toBe(true);

    await writeFiles(root, {
      'apps/two/package.json': app('two', { picocolors: '1.1.1', 'is-number': '7.0.0' }),
    });
    lockWorkspace(root, { offline: false });
    const afterAdd = await build();
    expect(installStep(afterAdd, 'one').cached).toBe(true);
    expect(installStep(afterAdd, 'two').cached).toBe(false);
  });
});
