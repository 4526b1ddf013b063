import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { binPath, writeTree } from '@build-images/test-helpers';

describe('a reader that closes the output early', () => {
  it('ends the plan without a stack trace (`plan --json | head`)', async () => {
    // Enough apps that the JSON is larger than a pipe's buffer.
    const apps = Object.fromEntries(
      Array.from({ length: 300 }, (_, index) => [
        `apps/app-${index}/package.json`,
        {
          name: `@acme/app-${index}`,
          main: 'dist/main.js',
          scripts: { start: 'node dist/main.js' },
        },
      ]),
    );
    const root = await writeTree({
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
      'package.json': { name: 'root', private: true, packageManager: 'pnpm@10.34.9' },
      ...apps,
    });
    const child = spawn(process.execPath, [binPath, 'plan', '--json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let read = 0;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Like `head -c 100`: read once, then close the pipe.
    child.stdout.once('data', (chunk: Buffer) => {
      read = chunk.length;
      child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(read).toBeGreaterThan(0);
    expect(stderr).not.toMatch(/EPIPE|at .*\(node:/);
    expect(code).toBe(0);
  });
});
