import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerForTests,
  lockWorkspace,
  outputOf,
  removeTestResources,
  runBin,
  testBaseImage,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `prisma${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

/*
 * A Prisma client generated to Prisma's default place (`prisma-client-js` without `output`:
 * langfuse's packages/shared, dub): `node_modules/.prisma/client` beside @prisma/client in
 * pnpm's store, which `pnpm deploy --prod` installs without it. The real @prisma/client comes
 * from the npm registry; its generator is a stand-in that writes where `prisma generate` does
 * (Prisma's engines come from outside the registry, unreachable here). The image runs only if
 * the generated client reached the runtime.
 */
describe.skipIf(!docker)('a Prisma client in its default place, on a real engine', () => {
  let root: string;
  beforeAll(async () => {
    root = await writeTree({
      'package.json': {
        name: 'fixture',
        private: true,
        version: `0.0.0-${runId}`,
        packageManager: 'pnpm@10.34.9',
      },
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
      'packages/db/package.json': {
        name: '@fx/db',
        version: '1.0.0',
        main: 'index.js',
        scripts: { 'db:generate': 'node generate.js' },
        dependencies: { '@prisma/client': '6.9.0' },
      },
      // Where prisma generate writes by default: .prisma/client next to @prisma/client.
      'packages/db/generate.js': [
        "const fs = require('node:fs'), path = require('node:path');",
        "const client = path.dirname(require.resolve('@prisma/client/package.json'));",
        "const out = path.join(client, '..', '..', '.prisma', 'client');",
        'fs.mkdirSync(out, { recursive: true });',
        "fs.writeFileSync(path.join(out, 'default.js'), \"class PrismaClient { hello() { return 'hello from the generated client'; } }\\nmodule.exports = { PrismaClient };\\n\");",
        '',
      ].join('\n'),
      'packages/db/index.js':
        "const { PrismaClient } = require('@prisma/client');\nmodule.exports = { hello: () => new PrismaClient().hello() };\n",
      'apps/worker/package.json': {
        name: '@fx/worker',
        version: '1.0.0',
        main: 'main.js',
        scripts: { start: 'node main.js' },
        dependencies: { '@fx/db': 'workspace:*' },
      },
      'apps/worker/main.js': "console.log(require('@fx/db').hello());\n",
    });
    lockWorkspace(root, { offline: false });
  });
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it('carries the client from the build into the deployed tree', async () => {
    const build = await runBin(['--tag', `${prefix}{app}:test`, '--base-image', testBaseImage], {
      cwd: root,
      env: { CI: 'true' },
    });
    expect(build.code, build.stdout + build.stderr).toBe(0);
    const logs = await outputOf(docker!, `${prefix}worker:test`, runId, /hello|Error/);
    expect(logs).toContain('hello from the generated client');
  });
});
