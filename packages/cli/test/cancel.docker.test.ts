import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  binPath,
  dockerForTests,
  lockWorkspace,
  removeTestResources,
  testBaseImage,
  waitFor,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `cancel${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

/** Processes on this machine whose command line holds `marker` (build steps run as host processes). */
function processesWith(marker: string): number {
  let count = 0;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) count++;
    } catch {
      // The process ended while we looked.
    }
  }
  return count;
}

describe.skipIf(!docker)('Ctrl-C during a real build', () => {
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it('cancels the running build step on the engine, reports it cancelled and exits 130', async () => {
    const marker = `sleeping-step-${runId}`;
    const root = await writeTree({
      'package.json': {
        name: 'fixture',
        private: true,
        // Kept in the install stages' root manifest: this run's layers are its own.
        version: `0.0.0-${runId}`,
        packageManager: 'pnpm@10.34.9',
      },
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
      'apps/slow/package.json': {
        name: '@fx/slow',
        version: '1.0.0',
        main: 'dist/main.js',
        scripts: { build: `sh -c 'sleep 300; echo ${marker}'` },
      },
    });
    lockWorkspace(root, { offline: true });

    const child = spawn(
      process.execPath,
      [binPath, '--tag', `${prefix}{app}:t`, '--base-image', testBaseImage],
      {
        cwd: root,
        env: { ...process.env, CI: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

    await waitFor(
      'the sleeping build step to run',
      async () => (processesWith(marker) > 0 ? true : undefined),
      120_000,
    );
    const signalled = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    await waitFor(
      'the step to be gone from the engine',
      async () => (processesWith(marker) === 0 ? true : undefined),
      10_000,
    );
    expect(stderr).toContain('SIGINT: cancelling the running builds');
    expect(stdout).toMatch(/^slow\s+cancelled\s/m);
    expect(stdout).toContain('1 cancelled');
  });
});
