import { describe, expect, it } from 'vitest';
import {
  commandSnippet,
  createWorkspaceGraph,
  detectApp,
  devOnlyStartCommand,
  buildSystemTools,
  calledScripts,
  inferCommand,
  isNextApp,
  startScriptPort,
  otherRuntimeOf,
  type WorkspacePackage,
} from '../src/index.js';
import { pkg } from './builders.js';

const scripts = (entries: Record<string, string>) => ({ scripts: entries, main: undefined });

describe('inferCommand', () => {
  it.each(['dist/embed.umd.min.js', 'dist/widget.iife.js', 'dist/lib.min.js', 'lib/x-browser.js'])(
    'does not run a browser bundle in "main" (%s)',
    (main) => {
      expect(inferCommand(pkg('@x/embed', 'libs/embed', { main }))).toBeUndefined();
    },
  );

  it.each([
    // plane's space: react-router-serve of @react-router/serve.
    [
      'PORT=3002 react-router-serve ./build/server/index.js',
      '@react-router/serve',
      ['node_modules/.bin/react-router-serve', './build/server/index.js'],
    ],
    // webstudio's builder.
    [
      'remix-serve build/server/index.js',
      '@remix-run/serve',
      ['node_modules/.bin/remix-serve', 'build/server/index.js'],
    ],
    // keystone's examples.
    ['keystone start', '@keystone-6/core', ['node_modules/.bin/keystone', 'start']],
    [
      'fastify start -l info dist/app.js',
      'fastify-cli',
      ['node_modules/.bin/fastify', 'start', '-l', 'info', 'dist/app.js'],
    ],
    [
      'pm2-runtime start ecosystem.config.js',
      'pm2',
      ['node_modules/.bin/pm2-runtime', 'start', 'ecosystem.config.js'],
    ],
    // plane's admin: a static server of the build.
    [
      'serve -s build/client -l 3001',
      'serve',
      ['node_modules/.bin/serve', '-s', 'build/client', '-l', '3001'],
    ],
  ])(
    "runs a production dependency's command from the start script (%s)",
    (start, dependency, command) => {
      const app = pkg('@x/web', 'apps/web', {
        main: undefined,
        scripts: { build: 'tsc', start },
        dependencies: { dependencies: { [dependency]: '1.0.0', react: '19.0.0' } },
      });
      expect(inferCommand(app)).toEqual({ command, source: 'script "start"' });
      // Only in devDependencies: not in the image, so not its command; plan says what to move.
      const dev = { ...app, dependencies: { devDependencies: { [dependency]: '1.0.0' } } };
      expect(inferCommand(dev)).toBeUndefined();
      expect(devOnlyStartCommand(dev)).toEqual({
        script: 'start',
        bin: command[0]!.slice('node_modules/.bin/'.length),
        dependency,
      });
    },
  );

  it("runs the package's own bin that its start script runs, through run-script-os and cd (Flowise's server)", () => {
    const server = pkg('flowise', 'packages/server', {
      main: 'dist/index',
      bin: { flowise: './bin/run' },
      scripts: {
        build: 'tsc',
        start: 'run-script-os',
        'start:windows': 'cd bin && run start',
        'start:default': 'cd bin && ./run start',
      },
      dependencies: { dependencies: { express: '4.21.0' } },
    });
    expect(inferCommand(server)).toEqual({
      command: ['node', 'bin/run', 'start'],
      source: 'script "start"',
    });
    // By its name, or its path from the package.
    for (const start of ['flowise start', './bin/run start'])
      expect(inferCommand({ ...server, scripts: { start } })?.command).toEqual([
        'node',
        'bin/run',
        'start',
      ]);
    // A file that is not its bin is not taken for one.
    expect(inferCommand({ ...server, scripts: { start: './scripts/start.sh' } })?.command).toEqual([
      'node',
      'dist/index',
    ]);
  });

  it('runs no command that no single dependency provides, nor a build or dev tool', () => {
    const app = (start: string, dependencies: Record<string, string>) =>
      pkg('@x/web', 'apps/web', {
        main: undefined,
        scripts: { start },
        dependencies: { dependencies },
      });
    expect(inferCommand(app('serve -s dist', { express: '5.0.0' }))).toBeUndefined();
    expect(inferCommand(app('vite preview', { vite: '6.0.0' }))).toBeUndefined();
    expect(inferCommand(app('astro preview', { astro: '5.0.0' }))).toBeUndefined();
    // A wrapper around a dev script (genkit's test apps): no production command.
    expect(inferCommand(app('genkit start -- pnpm dev', { genkit: '1.0.0' }))).toBeUndefined();
    // Two packages could be the serve command's: neither is taken.
    expect(
      inferCommand(app('acme-serve x', { '@acme/serve': '1', 'acme-serve': '1' })),
    ).toBeUndefined();
  });

  it.each([
    [{ start: 'PORT=3002 react-router-serve ./build/server/index.js' }, { port: 3002, env: true }],
    [{ start: 'serve -s build/client -l 3001' }, { port: 3001, env: false }],
    [{ start: 'dotenv -e ../../.env -- next start -p 4200' }, { port: 4200, env: false }],
    [{ start: 'next start --port=4300' }, { port: 4300, env: false }],
    [{ 'start:prod': 'node dist/main.js', start: 'PORT=5000 node dist/main.js' }, undefined],
    [{ start: 'node dist/main.js --port notaport' }, undefined],
  ])('reads the port of the start script %j', (scripts, expected) => {
    expect(startScriptPort({ scripts })).toEqual(expected);
  });

  it('runs a plain "main"', () => {
    expect(inferCommand(pkg('@x/api', 'apps/api', { main: 'dist/index.js' }))?.command).toEqual([
      'node',
      'dist/index.js',
    ]);
  });

  it.each([
    ['node dist/main.js', ['node', 'dist/main.js']],
    [
      'NODE_ENV=production node --enable-source-maps dist/main',
      ['node', '--enable-source-maps', 'dist/main'],
    ],
    [
      'cross-env NODE_ENV=production node --max-old-space-size=8192 ./build/server.js',
      ['node', '--max-old-space-size=8192', 'build/server.js'],
    ],
    ['dotenv -e ../.env -- node dist/index.js', ['node', 'dist/index.js']],
    [
      'node --env-file=.env dist/start.mjs',
      ['node', '--env-file-if-exists=.env', 'dist/start.mjs'],
    ],
    ['prisma migrate deploy && node dist/server.js', ['node', 'dist/server.js']],
    [
      'node -r dotenv/config dist/main.js --port 3000',
      ['node', '-r', 'dotenv/config', 'dist/main.js', '--port', '3000'],
    ],
  ])('reads %s', (script, command) => {
    expect(inferCommand(pkg('@x/api', 'apps/api', scripts({ start: script })))?.command).toEqual(
      command,
    );
  });

  it.each([
    'nest start --watch',
    'node --watch dist/main.js',
    'nodemon',
    'tsx watch src/main.ts',
    'next dev',
    'vite',
    'ts-node-dev src/main.ts',
  ])('never takes the watcher or dev server %s', (script) => {
    expect(inferCommand(pkg('@x/api', 'apps/api', scripts({ start: script })))).toBeUndefined();
  });

  it('runs `tsx <file>` on node with the tsx loader when tsx is a production dependency (karakeep workers)', () => {
    const workers = pkg('@karakeep/workers', 'apps/workers', {
      scripts: { start: 'tsx watch index.ts', 'start:prod': 'tsx index.ts', build: 'tsdown' },
      main: undefined,
      dependencies: { dependencies: { tsx: '^4.8.1' } },
    });
    expect(inferCommand(workers)).toEqual({
      command: ['node', '--import', 'tsx', 'index.ts'],
      source: 'script "start:prod"',
    });
    // Only in devDependencies, tsx is not in the image; a watcher never runs in one.
    expect(
      inferCommand({ ...workers, dependencies: { devDependencies: { tsx: '^4.8.1' } } }),
    ).toBeUndefined();
    expect(inferCommand({ ...workers, scripts: { start: 'tsx watch index.ts' } })).toBeUndefined();
  });

  it('prefers start:prod over a start that runs the dev server', () => {
    const api = pkg(
      '@x/api',
      'apps/api',
      scripts({
        start: 'pnpm start:dev',
        'start:dev': 'nest start --watch',
        'start:prod': 'node dist/main.js',
      }),
    );
    expect(inferCommand(api)).toEqual({
      command: ['node', 'dist/main.js'],
      source: 'script "start:prod"',
    });
  });

  it('guesses nothing from "main" when the start script runs deno or bun', () => {
    // openstatus' apps/server: "main" is a module that only exports the app.
    const server = pkg('@x/server', 'apps/server', {
      ...scripts({ start: 'deno run -A --sloppy-imports src/serve.ts' }),
      main: 'src/index.ts',
    });
    expect(inferCommand(server)).toBeUndefined();
    expect(otherRuntimeOf(server)).toEqual({ script: 'start', runtime: 'deno' });
    const bun = {
      ...server,
      scripts: { start: 'NODE_ENV=production pnpm run serve', serve: 'bun src/index.ts' },
    };
    expect(otherRuntimeOf(bun)).toEqual({ script: 'start', runtime: 'bun' });
    expect(inferCommand(bun)).toBeUndefined();
    const node = { ...server, scripts: { start: 'node dist/index.js' } };
    expect(otherRuntimeOf(node)).toBeUndefined();
    expect(inferCommand(node)?.command).toEqual(['node', 'dist/index.js']);
  });

  it("runs what the app's own Dockerfile runs when it runs node in the app's folder (atproto's services)", () => {
    const pds = pkg('pds-service', 'services/pds', {
      main: undefined,
      facts: {
        dockerfiles: ['Dockerfile'],
        dockerfileCommand: {
          file: 'Dockerfile',
          command: ['node', '--enable-source-maps', '--import=@atproto/pds/telemetry', 'index.ts'],
          workdir: '/app/services/pds/',
        },
      },
    });
    expect(inferCommand(pds)).toEqual({
      command: ['node', '--enable-source-maps', '--import=@atproto/pds/telemetry', 'index.ts'],
      source: 'the CMD of services/pds/Dockerfile',
    });
    // A start script says it first; a "main" guess comes after it.
    expect(inferCommand({ ...pds, scripts: { start: 'node dist/server.js' } })?.command).toEqual([
      'node',
      'dist/server.js',
    ]);
    expect(inferCommand({ ...pds, main: 'lib/index.js' })?.source).toBe(
      'the CMD of services/pds/Dockerfile',
    );
    // In another folder (/app, a copy of the build's output), or none said, its paths may be
    // another layout's: only suggested. A command that is not node is never taken.
    const elsewhere = (workdir?: string, command = ['node', 'index.ts']) => ({
      ...pds,
      facts: {
        dockerfiles: ['Dockerfile'],
        dockerfileCommand: { file: 'Dockerfile', command, ...(workdir && { workdir }) },
      },
    });
    expect(inferCommand(elsewhere('/app'))).toBeUndefined();
    expect(inferCommand(elsewhere('/app/pds'))).toBeUndefined();
    expect(inferCommand(elsewhere())).toBeUndefined();
    expect(inferCommand(elsewhere('/app/services/pds', ['bun', 'index.ts']))).toBeUndefined();
    expect(commandSnippet(elsewhere('/app'))).toContain('(the CMD of services/pds/Dockerfile)');
  });

  it("suggests the CMD of the app's own Dockerfile when it runs node, else a placeholder", () => {
    const start = pkg('@x/start', 'apps/start', {
      main: undefined,
      facts: {
        dockerfiles: ['Dockerfile'],
        dockerfileCommand: { file: 'Dockerfile', command: ['node', '.output/server/index.mjs'] },
      },
    });
    expect(commandSnippet(start)).toBe(
      'apps/start/package.json: "buildImages": { "command": ["node", ".output/server/index.mjs"] } (the CMD of apps/start/Dockerfile)   (or leave it out: "buildImages": { "app": false })',
    );
    const shell = {
      ...start,
      facts: {
        dockerfiles: ['Dockerfile'],
        dockerfileCommand: { file: 'Dockerfile', command: ['nginx'] },
      },
    };
    expect(commandSnippet(shell)).toContain(
      '"command": ["node", "dist/index.js"] } (with the file that starts it)   (or',
    );
  });

  it('follows pnpm run to another script of the package', () => {
    const api = pkg(
      '@x/api',
      'apps/api',
      scripts({ start: 'pnpm run serve:node', 'serve:node': 'node lib/index.js' }),
    );
    expect(inferCommand(api)?.command).toEqual(['node', 'lib/index.js']);
  });

  it("takes Nest's output for a Nest app with no production script", () => {
    const api = pkg('@x/api', 'apps/api', {
      ...scripts({ start: 'nest start', 'start:dev': 'nest start --watch' }),
      dependencies: { dependencies: { '@nestjs/core': '^11.0.0' } },
      facts: { dockerfiles: [], nestEntry: 'main' },
      buildHints: { tsOutDir: 'build' },
    });
    expect(inferCommand(api)?.command).toEqual(['node', 'build/main.js']);
  });

  it('resolves `node .` and falls back to main, exports and a single bin', () => {
    expect(
      inferCommand(
        pkg('@x/a', 'apps/a', { scripts: { start: 'node .' }, main: './dist/start.mjs' }),
      )?.command,
    ).toEqual(['node', 'dist/start.mjs']);
    expect(
      inferCommand(
        pkg('@x/a', 'apps/a', {
          scripts: {},
          main: undefined,
          exports: { '.': { import: './dist/index.mjs', types: './dist/index.d.ts' } },
        }),
      )?.command,
    ).toEqual(['node', 'dist/index.mjs']);
    expect(
      inferCommand(pkg('@x/a', 'apps/a', { scripts: {}, main: undefined, bin: { a: 'bin/a.js' } }))
        ?.command,
    ).toEqual(['node', 'bin/a.js']);
    expect(inferCommand(pkg('@x/a', 'apps/a', { scripts: {}, main: undefined }))).toBeUndefined();
  });
});

describe('buildSystemTools', () => {
  it.each([
    [
      {
        build: 'pnpm generate-examples && next build',
        'generate-examples': 'cd ../snippets/ && python -X utf8 generate.py',
      },
      ['python'],
    ],
    [{ prebuild: 'git rev-parse HEAD > public/sha.txt', build: 'vite build' }, ['git']],
    [
      {
        build: 'tsup && rsync -a static/ dist/static/',
        postbuild: 'NODE_ENV=production zip -r out.zip dist',
      },
      ['rsync', 'zip'],
    ],
    // Names inside paths, arguments or other words are no calls.
    [{ build: 'tsc -p tsconfig.git.json && node scripts/python-check.js --go' }, []],
    // Only what the build runs.
    [{ build: 'tsc', deploy: 'docker build .', test: 'python -m pytest' }, []],
  ])('%j', (scripts, expected) => {
    expect(buildSystemTools({ scripts })).toEqual(expected);
  });
});

describe('commandSnippet', () => {
  it("suggests the file a tsx watcher runs when tsx is a production dependency (hey's api)", () => {
    const api = pkg('@hey/api', 'apps/api', {
      main: undefined,
      scripts: { build: "echo 'Not required'", dev: 'tsx watch src/index.ts' },
      dependencies: { dependencies: { tsx: '4.0.0', hono: '4.0.0' } },
    });
    expect(commandSnippet(api)).toBe(
      'apps/api/package.json: "buildImages": { "command": ["node", "--import", "tsx", "src/index.ts"] } (its watcher\'s file, run once with the tsx of its dependencies)   (or leave it out: "buildImages": { "app": false })',
    );
    // tsx only among the devDependencies is not in the image: the plain pattern.
    expect(
      commandSnippet({ ...api, dependencies: { devDependencies: { tsx: '4.0.0' } } }),
    ).toContain('"command": ["node", "dist/index.js"] } (with the file that starts it)');
  });
});

describe('calledScripts', () => {
  it("follows pnpm, npm and yarn runs, pnpm's regular expressions and npm-run-all patterns", () => {
    const scripts = {
      build: 'pnpm run codegen && run-s build:*',
      codegen: "pnpm run '/^(codegen:.+)$/'",
      'codegen:lex': 'lex build',
      'codegen:proto': 'npm run proto',
      proto: 'buf generate',
      'build:1-next': 'next build',
      'build:2-server': 'yarn compile',
      compile: 'tsc',
      unrelated: 'echo',
    };
    expect(calledScripts(scripts, ['prebuild', 'build'])).toEqual([
      'build',
      'codegen',
      'build:1-next',
      'build:2-server',
      'codegen:lex',
      'codegen:proto',
      'compile',
      'proto',
    ]);
    // A pattern that is no regular expression, and a script that runs itself: no error, no loop.
    expect(calledScripts({ a: "pnpm run '/(/'", b: 'pnpm run b' }, ['a', 'b'])).toEqual(['a', 'b']);
  });
});

describe('isNextApp', () => {
  const next = { dependencies: { next: '15.0.0' } };
  it.each([
    ['next among its dependencies, no scripts', {}, next, true],
    [
      "a build that runs the root's next (postiz)",
      { build: 'next build', start: 'dotenv -e ../../.env -- next start -p 4200' },
      {},
      true,
    ],
    [
      'next build through pnpm run',
      { build: 'pnpm run build:next', 'build:next': 'cross-env X=1 next build' },
      {},
      true,
    ],
    // trpc's websockets starters: the custom server runs node, the build runs next.
    [
      "next build through npm-run-all's pattern",
      {
        build: 'run-s build:*',
        'build:1-next': 'next build',
        'build:2-server': 'tsc',
        start: 'node dist/server/prodServer.js',
      },
      next,
      true,
    ],
    // keystone's examples: next is its admin UI's, keystone builds and starts the app.
    [
      'next used by another tool that builds and starts it',
      { build: 'keystone build', start: 'keystone start' },
      next,
      false,
    ],
    ['no next at all', { build: 'tsc', start: 'node dist/main.js' }, {}, false],
  ])('%s', (_, scripts, dependencies, expected) => {
    expect(isNextApp({ scripts, dependencies })).toBe(expected);
  });
});

describe('detectApp', () => {
  const detect = (target: WorkspacePackage, others: WorkspacePackage[] = []) => {
    const { graph } = createWorkspaceGraph([target, ...others]);
    return detectApp(target, graph);
  };

  it('takes a server outside apps/ and says why', () => {
    const backend = pkg('@x/backend', 'packages/backend', {
      ...scripts({ 'start:prod': 'node dist/main' }),
      dependencies: { dependencies: { '@nestjs/core': '^11.0.0' } },
      private: true,
    });
    expect(detect(backend)).toEqual({ app: true, reasons: ['a @nestjs/core server'] });
  });

  it("takes a server with publishConfig that a start script runs, and a Next.js build whatever its scripts' names (jitsu)", () => {
    const rotor = pkg('@jitsu-internal/rotor', 'services/rotor', {
      ...scripts({
        build: 'pnpm compile && webpack',
        start: 'dotenv -e ../../.env.local -- node dist/main.js',
      }),
      dependencies: { dependencies: { express: '4.21.0' } },
      private: false,
      publishable: true,
    });
    expect(detect(rotor)).toEqual({ app: true, reasons: ['an express server'] });
    const console = pkg('@jitsu-internal/console', 'webapps/console', {
      ...scripts({ build: 'prisma generate && next build', 'console:start': 'next start' }),
      dependencies: { dependencies: { next: '14.0.0' } },
      private: false,
      publishable: true,
    });
    expect(detect(console)).toEqual({ app: true, reasons: ['a next server'] });
    // A published library with a framework and no script that serves stays a library.
    const plugin = { ...rotor, ...scripts({ build: 'tsc' }), main: 'dist/index.js' };
    expect(detect(plugin).app).toBe(false);
  });

  it("leaves out a command-line tool under apps/ (Folo's folocli), unless it is private or has a server", () => {
    const cli = pkg('folocli', 'apps/cli', {
      main: undefined,
      bin: { folo: './dist/index.js' },
      scripts: { build: 'tsdown' },
      dependencies: { dependencies: { commander: '12.0.0' } },
    });
    expect(detect(cli)).toEqual({
      app: false,
      reasons: ['a command-line tool (a "bin" to install, no server framework or start script)'],
    });
    // Its start script running that same file says nothing more (folocli: `node dist/index.js`).
    expect(detect({ ...cli, ...scripts({ start: 'node dist/index.js' }) }).app).toBe(false);
    expect(detect({ ...cli, ...scripts({ start: 'node dist/server.js' }) }).app).toBe(true);
    expect(detect({ ...cli, private: true }).app).toBe(true);
    expect(detect({ ...cli, dependencies: { dependencies: { hono: '4.0.0' } } }).app).toBe(true);
  });

  it('takes a server with only a dev script, so that plan lists it as needing a command', () => {
    const server = pkg('@x/express', 'examples/express', {
      ...scripts({ dev: 'tsx src/server.ts' }),
      dependencies: { dependencies: { express: '^5.0.0' } },
      private: true,
    });
    expect(detect(server)).toEqual({ app: true, reasons: ['an express server'] });
    expect(inferCommand(server)).toBeUndefined();
  });

  it('takes a WebSocket or queue client library for a server only when a script runs it', () => {
    // Private, nobody depends on it (yet), "main" set: what a leaf library looks like.
    const client = pkg('@x/realtime-client', 'packages/realtime-client', {
      main: 'dist/index.js',
      dependencies: { dependencies: { ws: '^8.0.0' } },
      private: true,
    });
    expect(detect(client)).toEqual({ app: false, reasons: ['no sign of a server or worker'] });
    const producer = { ...client, dependencies: { dependencies: { bullmq: '^5.0.0' } } };
    expect(detect(producer).app).toBe(false);
    const server = { ...client, ...scripts({ start: 'node dist/index.js' }) };
    expect(detect(server)).toEqual({ app: true, reasons: ['a ws server'] });
    // A framework that is only ever a server still counts with "main" alone.
    const express = { ...client, dependencies: { dependencies: { express: '^5.0.0' } } };
    expect(detect(express)).toEqual({ app: true, reasons: ['an express server'] });
  });

  it('takes a package with a Dockerfile beside it', () => {
    const worker = pkg('@x/worker', 'worker', {
      scripts: {},
      facts: { dockerfiles: ['Dockerfile'] },
    });
    expect(detect(worker).reasons).toEqual(['Dockerfile beside it']);
  });

  it('leaves out a package others depend on at run time, but not one others only devDepend on', () => {
    const lib = pkg('@x/lib', 'packages/lib', {
      dependencies: { dependencies: { express: '^5.0.0' } },
    });
    const user = pkg('@x/user', 'apps/user', {
      dependencies: { dependencies: { '@x/lib': 'workspace:*' } },
    });
    expect(detect(lib, [user])).toEqual({
      app: false,
      reasons: ['a library: @x/user depend on it'],
    });
    const api = pkg('@x/api', 'apps/api');
    const spa = pkg('@x/spa', 'apps/spa', {
      dependencies: { devDependencies: { '@x/api': 'workspace:*' } },
    });
    expect(detect(api, [spa]).app).toBe(true);
  });

  it('leaves out a Cloudflare Worker, by its wrangler config, unless a Dockerfile is beside it', () => {
    const worker = pkg('@x/image-proxy', 'apps/image-proxy', {
      main: 'src/index.ts',
      dependencies: { dependencies: { hono: '^4.0.0' } },
      facts: { dockerfiles: [], wranglerConfig: 'wrangler.jsonc' },
    });
    expect(detect(worker)).toEqual({
      app: false,
      reasons: ['a Cloudflare Worker (wrangler.jsonc): wrangler deploys it, not an image'],
    });
    expect(
      detect({ ...worker, facts: { dockerfiles: ['Dockerfile'], wranglerConfig: 'wrangler.toml' } })
        .app,
    ).toBe(true);
  });

  it('leaves out mobile and desktop apps, storybooks and published libraries', () => {
    expect(
      detect(
        pkg('@x/mobile', 'apps/mobile', {
          main: 'index.ts',
          dependencies: { dependencies: { expo: '^52.0.0' } },
        }),
      ).app,
    ).toBe(false);
    expect(detect(pkg('@x/storybook', 'apps/storybook')).reasons).toEqual(['a storybook']);
    const published = pkg('@x/plugin', 'plugins/express', {
      dependencies: { dependencies: { express: '^5.0.0' } },
      publishable: true,
    });
    expect(detect(published).app).toBe(false);
    const exported = pkg('@x/fastify-plugin', 'plugins/fastify', {
      dependencies: { dependencies: { fastify: '^5.0.0' } },
      exports: { '.': './lib/index.js' },
    });
    expect(detect(exported).app).toBe(false);
    expect(detect({ ...exported, private: true }).app).toBe(true);
  });

  it('leaves out test suites and test servers by name or folder, unless a Dockerfile says otherwise', () => {
    // payload's test/ package: a Next.js server that only its tests start.
    const suite = pkg('payload-test-suite', 'test', {
      ...scripts({ dev: 'next dev' }),
      dependencies: { dependencies: { next: '^15.0.0', express: '^5.0.0' } },
      private: true,
    });
    expect(detect(suite)).toEqual({
      app: false,
      reasons: ['a test package, by its name or folder'],
    });
    const named = (name: string, dir: string) =>
      pkg(name, dir, { scripts: suite.scripts, dependencies: suite.dependencies, private: true });
    expect(detect(named('@x/server', 'apps/e2e')).app).toBe(false);
    expect(detect(named('@x/mock-server', 'servers/mock')).app).toBe(false);
    // A word that only contains one is no test package; a Dockerfile beside it deploys it.
    expect(detect(named('@x/contest', 'apps/contest')).app).toBe(true);
    expect(detect({ ...suite, facts: { dockerfiles: ['Dockerfile'] } }).app).toBe(true);
  });

  it('leaves out static sites and browser extensions, unless something runs node', () => {
    // hoppscotch's selfhost-web: a Vite site, with a Dockerfile that serves it with Caddy.
    const site = pkg('@hs/selfhost-web', 'packages/selfhost-web', {
      scripts: { build: 'pnpm run generate && vite build' },
      main: undefined,
      facts: { dockerfiles: ['Dockerfile'] },
      private: true,
    });
    expect(detect(site)).toEqual({
      app: false,
      reasons: [
        'static files for a web server or a browser (its build runs vite build), and nothing runs node',
      ],
    });
    expect(detect(pkg('landing', 'apps/landing', { scripts: { build: 'astro build' } })).app).toBe(
      false,
    );
    expect(detect(pkg('ext', 'apps/extension', { scripts: { build: 'wxt build' } })).app).toBe(
      false,
    );
    // A start script, a Dockerfile running node, a node adapter or a server framework serves it.
    expect(
      detect({ ...site, scripts: { ...site.scripts, start: 'node .output/server/index.mjs' } }).app,
    ).toBe(true);
    expect(
      detect({
        ...site,
        facts: {
          dockerfiles: ['Dockerfile'],
          dockerfileCommand: { file: 'Dockerfile', command: ['node', 'build'] },
        },
      }).app,
    ).toBe(true);
    expect(
      detect({ ...site, dependencies: { devDependencies: { '@sveltejs/adapter-node': '^5.0.0' } } })
        .app,
    ).toBe(true);
    // create-t3-turbo's apps/tanstack-start: vite build, a Nitro server, `vite start` to run.
    expect(
      detect({
        ...site,
        scripts: { build: 'vite build', start: 'vite start' },
        dependencies: { dependencies: { '@tanstack/react-start': '^1.135.2' } },
      }).app,
    ).toBe(true);
    expect(detect({ ...site, dependencies: { dependencies: { express: '^5.0.0' } } }).app).toBe(
      true,
    );
  });

  it("leaves out a published library under apps/ that nothing runs (postiz's apps/sdk)", () => {
    const sdk = pkg('@postiz/node', 'apps/sdk', {
      main: 'dist/index.js',
      publishable: true,
      scripts: { publish: 'tsup && npm publish' },
    });
    expect(detect(sdk)).toEqual({
      app: false,
      reasons: ['a published library (not private, and a script of its own publishes it)'],
    });
    expect(detect({ ...sdk, private: true }).app).toBe(true);
    expect(detect({ ...sdk, scripts: { start: 'node dist/index.js' } }).app).toBe(true);
    // Files and no start script, but nothing that publishes it: an app under apps/.
    expect(detect({ ...sdk, scripts: { build: 'tsc' } }).app).toBe(true);
  });

  it('calls a Next.js app that also depends on hono a next server (rallly)', () => {
    const web = pkg('@rallly/web', 'apps/web', {
      scripts: { start: 'next start' },
      dependencies: { dependencies: { hono: '^4.0.0', next: '^15.0.0' } },
      private: true,
    });
    expect(detect(web).reasons).toEqual(['under apps/', 'a next server']);
  });

  it('finds nothing to deploy in a plain library or the root', () => {
    expect(detect(pkg('@x/utils', 'packages/utils')).app).toBe(false);
    expect(detect(pkg('root', '.')).app).toBe(false);
  });
});
