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
const runId = `depcmd${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

describe.skipIf(!docker)(
  "an app whose start script runs a dependency's command, on a real engine",
  () => {
    afterAll(async () => {
      if (docker) await removeTestResources(docker, runId, prefix);
    });

    it('runs the command from the deployed node_modules/.bin, with the PORT the script set', async () => {
      // plane's space: "start": "PORT=3002 react-router-serve ./build/server/index.js", the
      // command of its dependency @react-router/serve. Here the dependency is a workspace
      // package (no registry needed), whose command pnpm links the same way.
      const root = await writeTree({
        'package.json': fixtureRootManifest(runId),
        'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
        'packages/serve/package.json': {
          name: '@fx/serve',
          version: '1.0.0',
          bin: { 'fx-serve': 'bin/fx-serve.js' },
        },
        'packages/serve/bin/fx-serve.js': [
          '#!/usr/bin/env node',
          "const http = require('node:http');",
          "const fs = require('node:fs');",
          "const path = require('node:path');",
          'const dir = path.resolve(process.argv[2]);',
          'const server = http.createServer((req, res) => {',
          "  const file = path.join(dir, req.url === '/' ? 'index.html' : req.url);",
          '  if (!file.startsWith(dir) || !fs.existsSync(file)) { res.statusCode = 404; res.end(); return; }',
          '  res.end(fs.readFileSync(file));',
          '});',
          'server.listen(Number(process.env.PORT), () => console.log(`serving ${dir}`));',
          "process.on('SIGTERM', () => server.close(() => process.exit(0)));",
          '',
        ].join('\n'),
        'apps/web/package.json': {
          name: '@fx/web',
          version: '1.0.0',
          scripts: {
            build: 'mkdir -p build/client && cp src/index.html build/client/',
            start: 'PORT=3002 fx-serve ./build/client',
          },
          dependencies: { '@fx/serve': 'workspace:*' },
        },
        'apps/web/src/index.html': '<p>served by a dependency</p>\n',
        // It runs built output: the code in src goes, the data beside it stays.
        'apps/web/src/routes/home.ts': 'export const home = 1;\n',
        'apps/web/src/routes/home.js.map': '{}\n',
        'apps/web/src/content/pages.yml': 'home: /\n',
        'apps/web/test/home.test.js': '',
      });
      lockWorkspace(root, { offline: true });

      const plan = await runBin(['plan', '--json'], { cwd: root });
      expect(plan.code, plan.stderr).toBe(0);
      const [app] = JSON.parse(plan.stdout).apps;
      expect(app.command).toEqual(['node_modules/.bin/fx-serve', './build/client']);
      expect(app.port).toBe(3002);

      const build = await runBin(
        ['web', '--tag', `${prefix}{app}:t`, '--base-image', testBaseImage],
        { cwd: root, env: { CI: 'true' } },
      );
      expect(build.code, build.stdout + build.stderr).toBe(0);
      const image = `${prefix}web:t`;
      const config = (await docker!.getImage(image).inspect()).Config;
      expect(config.Env).toContain('PORT=3002');
      expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['3002/tcp']);
      expect(config.User).toBe('1000:1000');

      const { container, hostPort } = await startContainer(docker!, image, runId, 3002);
      const body = await waitFor('web', async () => {
        const response = await fetch(`http://127.0.0.1:${hostPort}/`);
        return response.ok ? response.text() : undefined;
      });
      expect(body).toBe('<p>served by a dependency</p>\n');
      const { output: files } = await execIn(container, [
        'node',
        '-e',
        "const fs = require('fs'); console.log(['src/index.html', 'src/content/pages.yml', 'src/routes', 'test', 'build/client/index.html'].filter((f) => fs.existsSync(f)).join(' '))",
      ]);
      expect(files.trim()).toBe('src/index.html src/content/pages.yml build/client/index.html');
      // The shim execs node, so SIGTERM reaches the server through tini: it stops at once,
      // not when the engine gives up waiting and kills it.
      const started = Date.now();
      await container.stop({ t: 10 });
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await container.inspect()).State.ExitCode).toBe(0);
    });
  },
);
