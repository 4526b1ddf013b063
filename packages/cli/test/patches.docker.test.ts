import { afterAll, describe, expect, it } from 'vitest';
import {
  demuxLogs,
  dockerForTests,
  lockWorkspace,
  removeTestResources,
  runBin,
  testBaseImage,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `patch${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

const patch = `diff --git a/index.js b/index.js
--- a/index.js
+++ b/index.js
@@ -1,3 +1,4 @@
+globalThis.patchedBy = 'a pnpm patch';
 /**
  * Helpers.
  */
`;

describe.skipIf(!docker)('pnpm patches in the per-app install, on a real engine', () => {
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it('copies the patch files the lockfile names, and the patched dependency runs', async () => {
    const root = await writeTree({
      'package.json': {
        name: 'fixture',
        private: true,
        // Kept in the install stages' root manifest: this run's layers are its own.
        version: `0.0.0-${runId}`,
        packageManager: 'pnpm@10.34.9',
      },
      'pnpm-workspace.yaml':
        'packages:\n  - apps/*\npatchedDependencies:\n  ms@2.1.3: patches/ms@2.1.3.patch\n',
      'patches/ms@2.1.3.patch': patch,
      'apps/tool/package.json': {
        name: '@fx/tool',
        version: '1.0.0',
        main: 'dist/main.js',
        files: ['dist'],
        scripts: { build: 'mkdir -p dist && cp src/main.js dist/' },
        dependencies: { ms: '2.1.3' },
      },
      'apps/tool/src/main.js': "require('ms');\nconsole.log(globalThis.patchedBy);\n",
    });
    lockWorkspace(root, { offline: false });
    const build = await runBin(['--tag', `${prefix}{app}:t`, '--base-image', testBaseImage], {
      cwd: root,
      env: { CI: 'true' },
    });
    expect(build.stderr + build.stdout).not.toContain('error:');
    expect(build.code).toBe(0);
    const container = await docker!.createContainer({
      Image: `${prefix}tool:t`,
      Labels: { 'build-images.test': runId },
    });
    await container.start();
    await container.wait();
    expect(demuxLogs(await container.logs({ stdout: true, stderr: true })).trim()).toBe(
      'a pnpm patch',
    );
  });
});
