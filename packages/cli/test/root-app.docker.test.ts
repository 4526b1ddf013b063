import { afterAll, describe, expect, it } from 'vitest';
import {
  dockerForTests,
  execIn,
  fixtureRootManifest,
  lockWorkspace,
  removeTestResources,
  runBin,
  startContainer,
  testBaseImage,
  waitFor,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `rootapp${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

describe.skipIf(!docker)('an app at the workspace root (--apps .), built on a real engine', () => {
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it('installs, builds and deploys the root with the workspace package it uses, and ships no other package folder', async () => {
    // umami's and recce's layout: the root is the server, with packages beside it.
    const root = await writeTree({
      'package.json': {
        ...fixtureRootManifest(runId),
        name: 'root-server',
        type: 'module',
        scripts: { build: 'mkdir -p dist && cp src/*.js dist/', start: 'node dist/server.js' },
        dependencies: { '@fx/lib': 'workspace:*' },
      },
      'pnpm-workspace.yaml': 'packages:\n  - packages/*\n',
      'packages/lib/package.json': {
        name: '@fx/lib',
        version: '1.0.0',
        type: 'module',
        main: 'dist/index.js',
        files: ['dist'],
        scripts: { build: 'mkdir -p dist && cp src/*.js dist/' },
      },
      'packages/lib/src/index.js': "export const hi = () => 'hi from lib';\n",
      'src/server.js':
        "import http from 'node:http';\nimport { hi } from '@fx/lib';\nconst server = http.createServer((req, res) => res.end(hi()));\nserver.listen(3000, () => console.log('up'));\nprocess.on('SIGTERM', () => server.close(() => process.exit(0)));\n",
    });
    lockWorkspace(root, { offline: true });
    const build = await runBin(
      ['--apps', '.', '--tag', `${prefix}{app}:t`, '--base-image', testBaseImage],
      { cwd: root, env: { CI: 'true' } },
    );
    expect(build.code, build.stdout + build.stderr).toBe(0);
    const image = `${prefix}root-server:t`;
    const { container, hostPort } = await startContainer(docker!, image, runId, 3000);
    const body = await waitFor('root-server', async () => {
      const response = await fetch(`http://127.0.0.1:${hostPort}/`);
      return response.ok ? response.text() : undefined;
    });
    expect(body).toBe('hi from lib');
    const { output: listing } = await execIn(container, [
      'node',
      '-e',
      "console.log(require('fs').readdirSync('.').sort().join(' '))",
    ]);
    expect(listing).toContain('dist');
    expect(listing).toContain('node_modules');
    expect(listing).not.toContain('packages');
    await container.stop({ t: 5 });
  });
});
