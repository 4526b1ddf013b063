import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestExists } from '@build-images/docker';
import {
  type LocalRegistry,
  lockWorkspace,
  registryTestEngine,
  removeTestResources,
  runBin,
  startLocalRegistry,
  testBaseImage,
  writeTree,
} from '@build-images/test-helpers';

const docker = await registryTestEngine();
const runId = `push${Date.now().toString(36)}`;
const auth = { username: 'ci-user', password: 'right-password' };

interface BuildOutput {
  results: {
    app: string;
    status: string;
    tags: string[];
    steps: unknown[];
    published: { tag: string; digest: string }[];
  }[];
}

describe.skipIf(!docker)(
  '--push and --skip-existing against a real registry with htpasswd auth',
  () => {
    let registry: LocalRegistry;
    let root: string;
    const args = () => [
      '--json',
      '--base-image',
      testBaseImage,
      '--registry',
      `${registry.host}/${runId}`,
      '--tag',
      '{app}:{digest}',
      '--tag',
      '{app}:latest',
      '--registry-user',
      auth.username,
      '--password-stdin',
    ];

    beforeAll(async () => {
      registry = await startLocalRegistry({ auth });
      const app = (name: string) => ({
        name: `@fx/${name}`,
        version: '1.0.0',
        type: 'module',
        main: 'dist/main.js',
        files: ['dist'],
        scripts: { build: 'mkdir -p dist && cp src/main.js dist/' },
      });
      root = await writeTree({
        'package.json': {
          name: 'fixture',
          private: true,
          // Kept in the install stages' root manifest: this run's layers are its own.
          version: `0.0.0-${runId}`,
          packageManager: 'pnpm@10.34.9',
        },
        'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
        'apps/one/package.json': app('one'),
        'apps/one/src/main.js': "console.log('one');\n",
        'apps/two/package.json': app('two'),
        'apps/two/src/main.js': "console.log('two');\n",
      });
      lockWorkspace(root, { offline: true });
    });
    afterAll(async () => {
      if (docker) await removeTestResources(docker, runId, `${registry.host}/${runId}/`);
      await registry?.stop();
    });

    it('fails fast on a wrong password, naming the registry, before any build', async () => {
      const started = Date.now();
      const result = await runBin([...args(), '--push'], {
        cwd: root,
        stdin: 'wrong-password\n',
        env: { CI: 'true' },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Registry ${registry.host} refused user "ci-user"`);
      expect(result.stderr).not.toContain('building');
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('pushes every tag, then a run on an engine without the images builds nothing and reports every tag', async () => {
      const first = await runBin([...args(), '--push', '--skip-existing'], {
        cwd: root,
        stdin: `${auth.password}\n`,
      });
      expect(first.stderr).not.toContain('error:');
      expect(first.code).toBe(0);
      const pushed = JSON.parse(first.stdout) as BuildOutput;
      expect(
        pushed.results.map((result) => [result.app, result.status, result.published.length]),
      ).toEqual([
        ['one', 'pushed', 2],
        ['two', 'pushed', 2],
      ]);
      for (const result of pushed.results) {
        const [digestTag] = result.tags;
        const found = await manifestExists(digestTag!, {
          username: auth.username,
          password: auth.password,
          source: 'test',
        });
        expect(found).toMatchObject({ exists: true, digest: result.published[0]!.digest });
      }

      // A fresh CI runner: none of the images is on the engine.
      for (const result of pushed.results)
        for (const tag of result.tags) await docker!.getImage(tag).remove({ force: true });

      const second = await runBin([...args(), '--push', '--skip-existing'], {
        cwd: root,
        stdin: `${auth.password}\n`,
      });
      expect(second.code).toBe(0);
      const skipped = JSON.parse(second.stdout) as BuildOutput;
      expect(
        skipped.results.map((result) => [result.app, result.status, result.steps.length]),
      ).toEqual([
        ['one', 'up-to-date', 0],
        ['two', 'up-to-date', 0],
      ]);
      for (const [index, result] of skipped.results.entries()) {
        expect(result.published).toEqual(pushed.results[index]!.published);
        await expect(docker!.getImage(result.tags[0]!).inspect()).rejects.toMatchObject({
          statusCode: 404,
        });
      }
    });
  },
);
