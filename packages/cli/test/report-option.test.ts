import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin, writeTree } from '@build-images/test-helpers';

const workspace = {
  'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
  'package.json': { name: 'root', private: true },
  'apps/api/package.json': { name: '@acme/api', main: 'dist/main.js' },
};

describe('--report', () => {
  it('refuses, before building anything, to overwrite a file that is not an earlier report, and exits 2 leaving it as it was', async () => {
    const dir = await writeTree({
      ...workspace,
      'notes/report.html': '<!doctype html>\n<p>my own notes</p>\n',
    });
    // No Docker Engine is needed: the check runs before any engine call (DOCKER_HOST points nowhere).
    const result = await runBin(['--report', 'notes/report.html'], {
      cwd: dir,
      env: { CI: 'true', DOCKER_HOST: 'unix:///nonexistent.sock' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error: --report notes/report.html: ${path.join(dir, 'notes/report.html')} exists and is not a build-images report; it was left as it is`,
    );
    expect(result.stderr).toMatch(/\nhint: .*--report another path/);
    expect(await readFile(path.join(dir, 'notes/report.html'), 'utf8')).toBe(
      '<!doctype html>\n<p>my own notes</p>\n',
    );
  });

  it("refuses a directory in the report's place", async () => {
    const dir = await writeTree({ ...workspace, 'out/keep': '' });
    const result = await runBin(['--report', 'out'], {
      cwd: dir,
      env: { DOCKER_HOST: 'unix:///nonexistent.sock' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is a directory; it was left as it is');
  });

  it('goes with builds only', async () => {
    const dir = await writeTree(workspace);
    for (const args of [
      ['plan', '--report', 'r.html'],
      ['--dry-run', '--report', 'r.html'],
      ['generate', '--report', 'r.html'],
    ]) {
      const result = await runBin(args, { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--report goes with a build');
    }
  });
});
