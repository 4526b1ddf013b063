import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  binPath,
  dockerForTests,
  lockWorkspace,
  removeTestResources,
  runBin,
  testBaseImage,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `modes${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

describe.skipIf(!docker)('output modes of a real build', () => {
  let root: string;
  const args = ['--tag', `${prefix}{app}:t`, '--base-image', testBaseImage];
  beforeAll(async () => {
    const app = (name: string) => ({
      name: `@fx/${name}`,
      version: '1.0.0',
      main: 'dist/main.js',
      scripts: { build: 'mkdir -p dist && echo "console.log(1)" > dist/main.js' },
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
      'apps/two/package.json': app('two'),
    });
    lockWorkspace(root, { offline: true });
  });
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it('draws a listr2 task list with a row per app on a terminal', () => {
    // `script` gives the CLI a pseudo-terminal of a known width.
    const command = ['stty cols 120 rows 40;', process.execPath, binPath, ...args]
      .map((part) => (part.includes('{') ? `'${part}'` : part))
      .join(' ');
    const result = spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CI: '' },
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('\u001b[1A'); // rows redrawn in place
    expect(result.stdout).toMatch(/one: built /);
    expect(result.stdout).toMatch(/two: built /);
    expect(result.stdout).not.toContain('[one] building');
  });

  it('writes plain lines prefixed with the app name in CI', async () => {
    const result = await runBin(args, { cwd: root, env: { CI: 'true' } });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^\[one\] building$/m);
    // The terminal run built them: every step is cached now, and said so.
    expect(result.stderr).toMatch(/^\[two\] cached /m);
    expect(result.stderr).not.toContain('\u001b[');
  });

  it('prints nothing but JSON on stdout with --json', async () => {
    const result = await runBin([...args, '--json'], { cwd: root, env: { CI: 'true' } });
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as {
      results: { app: string; status: string; contextBytes: number }[];
      summary: string;
    };
    expect(output.results.map((entry) => entry.status)).toEqual(['cached', 'cached']);
    expect(output.results[0]!.contextBytes).toBeGreaterThan(0);
    expect(output.summary).toBe('2 cached');
  });
});
