import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const runId = `cache${Date.now().toString(36)}`;

interface BuildOutput {
  results: {
    app: string;
    status: string;
    tags: string[];
    stepsCached: number | null;
    steps: { name: string; cached: boolean }[];
    published: { tag: string }[];
  }[];
}

/** The steps whose cost an ephemeral runner wants to skip: the dependency install and the app's build. */
const expensive = (name: string) =>
  /\bpnpm install\b/.test(name) || /\brun (--if-present )?build\b/.test(name);

describe.skipIf(!docker)(
  '--cache-from with inline cache: a fresh runner reuses the build cache of a pushed image',
  () => {
    let registry: LocalRegistry;
    let root: string;
    let repository: string;

    beforeAll(async () => {
      registry = await startLocalRegistry();
      repository = `${registry.host}/${runId}`;
      root = await writeTree({
        // The run id makes every step's inputs new, so nothing of an earlier run can be cached.
        'package.json': {
          name: 'fixture',
          private: true,
          // Kept in the install stages' root manifest: this run's layers are its own.
          version: `0.0.0-${runId}`,
          packageManager: 'pnpm@10.34.9',
        },
        'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
        'apps/one/package.json': {
          name: '@fx/one',
          version: '1.0.0',
          type: 'module',
          main: 'dist/main.js',
          files: ['dist'],
          scripts: {
            build: `mkdir -p dist && cp src/main.js dist/ && echo ${runId} > dist/run-id`,
          },
        },
        'apps/one/src/main.js': "console.log('one');\n",
      });
      lockWorkspace(root, { offline: true });
    });
    afterAll(async () => {
      if (docker) await removeTestResources(docker, runId, `${repository}/`);
      await registry?.stop();
    });

    it('rejects a --cache-from that is no image reference before any build (exit 2)', async () => {
      const result = await runBin(
        ['--cache-from', 'Not A Ref/{app}', '--base-image', testBaseImage],
        { cwd: root, env: { CI: 'true' } },
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        'error: --cache-from "Not A Ref/{app}": Invalid image reference',
      );
      const unknown = await runBin(
        ['--cache-from', `${repository}/{app}:{branch}`, '--base-image', testBaseImage],
        { cwd: root, env: { CI: 'true' } },
      );
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain(
        '{branch} is not known in a --cache-from reference: only {app} is',
      );
    });

    it('pushes with inline cache, then after removing the image and pruning the build cache builds the install and build steps from the registry cache', async () => {
      const args = [
        'one',
        '--json',
        '--base-image',
        testBaseImage,
        '--registry',
        repository,
        '--tag',
        '{app}:cache',
        '--cache-from',
        `${repository}/{app}:cache`,
      ];
      // The first run of a pipeline: the cache image does not exist yet, which is no error.
      const first = await runBin([...args, '--push'], { cwd: root, env: { CI: 'true' } });
      expect(first.code, first.stdout + first.stderr).toBe(0);
      const pushed = JSON.parse(first.stdout) as BuildOutput;
      expect(
        pushed.results.map((result) => [
          result.app,
          result.status,
          result.published.map((entry) => entry.tag),
        ]),
      ).toEqual([['one', 'pushed', [`${repository}/one:cache`]]]);
      const firstSteps = pushed.results[0]!.steps.filter((step) => expensive(step.name));
      expect(firstSteps.length).toBeGreaterThanOrEqual(2);
      expect(firstSteps.filter((step) => step.cached)).toEqual([]);
      // The pushed image's config carries BuildKit's cache metadata (BUILDKIT_INLINE_CACHE=1).
      const manifest = (await (
        await fetch(`${registry.url}/v2/${runId}/one/manifests/cache`, {
          headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
        })
      ).json()) as { config: { digest: string } };
      const imageConfig = (await (
        await fetch(`${registry.url}/v2/${runId}/one/blobs/${manifest.config.digest}`)
      ).json()) as Record<string, unknown>;
      expect(Object.keys(imageConfig)).toContain('moby.buildkit.cache.v0');

      // A fresh runner: neither the image nor any build cache (the base image stays).
      await docker!.getImage(`${repository}/one:cache`).remove({ force: true });
      await docker!.pruneBuilder({ all: true } as never);
      await expect(docker!.getImage(testBaseImage).inspect()).resolves.toBeDefined();

      const second = await runBin(args, { cwd: root, env: { CI: 'true' } });
      expect(second.code, second.stdout + second.stderr).toBe(0);
      const rebuilt = JSON.parse(second.stdout) as BuildOutput;
      expect(['built', 'cached']).toContain(rebuilt.results[0]!.status);
      const secondSteps = rebuilt.results[0]!.steps.filter((step) => expensive(step.name));
      console.info(
        `cache-from: steps cached ${pushed.results[0]!.stepsCached}/${pushed.results[0]!.steps.length} on the first run, ${rebuilt.results[0]!.stepsCached}/${rebuilt.results[0]!.steps.length} after the wipe;`,
        secondSteps.map((step) => `${step.cached ? 'CACHED' : 'ran'} ${step.name}`),
      );
      // The same steps; an engine may report stages that run side by side in another order.
      const names = (steps: typeof firstSteps) => steps.map((step) => step.name).sort();
      expect(names(secondSteps)).toEqual(names(firstSteps));
      expect(secondSteps.every((step) => step.cached)).toBe(true);

      // Without --cache-from, the same wiped runner runs those steps again: the cache came from the registry.
      await docker!.getImage(`${repository}/one:cache`).remove({ force: true });
      await docker!.pruneBuilder({ all: true } as never);
      const control = await runBin(
        args.filter((arg, index) => arg !== '--cache-from' && args[index - 1] !== '--cache-from'),
        { cwd: root, env: { CI: 'true' } },
      );
      expect(control.code, control.stdout + control.stderr).toBe(0);
      const uncached = (JSON.parse(control.stdout) as BuildOutput).results[0]!.steps.filter(
        (step) => expensive(step.name),
      );
      expect(uncached.filter((step) => step.cached)).toEqual([]);
    });

    it('--cache-to pushes every intermediate stage; after a source edit a fresh runner pulls the install from them and runs only the build', async () => {
      const base = ['one', '--json', '--base-image', testBaseImage, '--registry', repository];
      const wipe = async () => {
        for (const image of await docker!.listImages())
          for (const tag of image.RepoTags ?? [])
            if (tag.startsWith(`${repository}/`))
              await docker!.getImage(tag).remove({ force: true });
        await docker!.pruneBuilder({ all: true } as never);
      };
      // The main branch's run: the image under :main and :plain, the stages beside :main only.
      const main = await runBin(
        [...base, '--tag', '{app}:plain', '--push', '--cache-to', `${repository}/{app}:main`],
        { cwd: root, env: { CI: 'true' } },
      );
      expect(main.code, main.stdout + main.stderr).toBe(0);
      const published = (JSON.parse(main.stdout) as BuildOutput).results[0]!.published;
      expect(published.map((entry) => entry.tag)).toEqual([
        `${repository}/one:plain`,
        `${repository}/one:main`,
      ]);
      const tags = (await (await fetch(`${registry.url}/v2/${runId}/one/tags/list`)).json()) as {
        tags: string[];
      };
      expect(tags.tags).toEqual(
        expect.arrayContaining(['main', 'main-one-deps', 'main-one-build', 'main-one-prod']),
      );
      expect(tags.tags.filter((tag) => tag.startsWith('plain-'))).toEqual([]);

      // A pull request's run on a fresh runner, after an edit of the app's source.
      const edit = async (text: string) =>
        (await import('node:fs/promises')).writeFile(`${root}/apps/one/src/main.js`, text);
      const pr = async (cacheTag: string) => {
        await wipe();
        const result = await runBin(
          [...base, '--tag', '{app}:pr', '--cache-from', `${repository}/{app}:${cacheTag}`],
          { cwd: root, env: { CI: 'true' } },
        );
        expect(result.code, result.stdout + result.stderr).toBe(0);
        const steps = (JSON.parse(result.stdout) as BuildOutput).results[0]!.steps;
        return {
          install: steps.filter((step) => /\bpnpm install\b/.test(step.name)),
          build: steps.filter((step) => /\brun (--if-present )?build\b/.test(step.name)),
        };
      };
      await edit("console.log('one, edited');\n");
      // Engine 28's BuildKit now and then runs a step its imported stage caches hold (seen once
      // in CI after a benchmark had filled the engine's cache, never in five runs alone; README,
      // "Status"): a second fresh run must then take the install from the registry.
      let staged = await pr('main');
      if (!staged.install.every((step) => step.cached)) {
        console.info('cache-to: the install ran although its stage cache was imported; once more');
        staged = await pr('main');
      }
      console.info(
        'cache-to: after an edit on a fresh runner',
        [...staged.install, ...staged.build].map(
          (step) => `${step.cached ? 'CACHED' : 'ran'} ${step.name}`,
        ),
      );
      expect(staged.install.length).toBeGreaterThanOrEqual(1);
      expect(staged.install.every((step) => step.cached)).toBe(true);
      expect(staged.build.length).toBeGreaterThanOrEqual(1);
      expect(staged.build.some((step) => !step.cached)).toBe(true);
      // The control: the image's own inline cache alone (:plain) cannot give the install back.
      await edit("console.log('one, edited again');\n");
      const plain = await pr('plain');
      expect(plain.install.some((step) => !step.cached)).toBe(true);
    });
  },
);
