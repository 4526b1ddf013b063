import { afterAll, describe, expect, it } from 'vitest';
import { slotMount, type BuildPlan } from '@build-images/core';
import {
  dockerForTests,
  fixtureRootManifest,
  lockWorkspace,
  outputOf,
  removeTestResources,
  runBin,
  testBaseImage,
  writeFiles,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `slots${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;
/** Apps whose install, compile and deploy stages take nine different slots of 64 (checked below). */
const apps = ['north', 'south', 'east'] as const;

/**
 * Each app's build waits 2.5 s and writes when it started and ended: the images tell which
 * compiles ran at the same time.
 */
const buildScript = [
  "import { mkdirSync, writeFileSync } from 'node:fs';",
  'const start = Date.now();',
  'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);',
  "mkdirSync('dist', { recursive: true });",
  "writeFileSync('dist/window.json', JSON.stringify([start, Date.now()]));",
  "writeFileSync('dist/main.js', \"import w from './window.json' with { type: 'json' };\\nconsole.log('window=' + JSON.stringify(w));\\n\");",
].join('\n');

const slotOf = (stage: string, parallelSteps: number) =>
  /slot-(\d+)/.exec(slotMount({ parallelSteps } as BuildPlan, stage))![1];

describe.skipIf(!docker)('parallelSteps bounds the install and compile steps on the engine', () => {
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  const buildAndRead = async (root: string) => {
    const result = await runBin(
      ['--json', '--concurrency', '3', '--tag', `${prefix}{app}:t`, '--base-image', testBaseImage],
      { cwd: root },
    );
    expect(result.code, result.stderr).toBe(0);
    const windows = await Promise.all(
      apps.map(async (name) => {
        const text = await outputOf(docker!, `${prefix}${name}:t`, runId, /window=\[/);
        return JSON.parse(/window=(\[[^\]]*\])/.exec(text)![1]!) as [number, number];
      }),
    );
    return windows.sort((a, b) => a[0] - b[0]);
  };
  const overlapping = (windows: [number, number][]) =>
    windows.some((window, index) => index > 0 && window[0] < windows[index - 1]![1]);

  it('runs the three compiles side by side in slots of their own, and one after the other with one slot, across separate builds', async () => {
    // What makes the first run a fair control: no two of the apps' steps share a slot.
    const stages = apps.flatMap((name) => [`${name}-deps`, `${name}-build`, `${name}-prod`]);
    expect(new Set(stages.map((stage) => slotOf(stage, 64))).size).toBe(stages.length);

    const manifest = (parallelSteps: number) => ({
      ...fixtureRootManifest(runId),
      buildImages: { parallelSteps },
    });
    const root = await writeTree({
      'package.json': manifest(64),
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
      ...Object.fromEntries(
        apps.flatMap((name) => [
          [
            `apps/${name}/package.json`,
            {
              name: `@fx/${name}`,
              version: '1.0.0',
              type: 'module',
              main: 'dist/main.js',
              files: ['dist'],
              scripts: { build: 'node build.mjs' },
            },
          ],
          [`apps/${name}/build.mjs`, buildScript],
        ]),
      ),
    });
    lockWorkspace(root, { offline: true });

    const free = await buildAndRead(root);
    expect(overlapping(free), JSON.stringify(free)).toBe(true);

    // One slot: every step that installs or compiles waits for it, whichever build it is in.
    // The mount's id is part of a step's cache key on Engine 20.10 and not on Engine 28: an
    // edit of each build script makes the compiles run again on both.
    await writeFiles(root, {
      'package.json': manifest(1),
      ...Object.fromEntries(
        apps.map((name) => [`apps/${name}/build.mjs`, `${buildScript}\n// again\n`]),
      ),
    });
    const bounded = await buildAndRead(root);
    expect(bounded[0]![0], 'the compiles ran again').toBeGreaterThan(free.at(-1)![1]);
    expect(overlapping(bounded), JSON.stringify(bounded)).toBe(false);
  });
});
