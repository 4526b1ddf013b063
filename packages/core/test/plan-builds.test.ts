import { describe, expect, it } from 'vitest';
import {
  BuildImagesError,
  createWorkspaceGraph,
  defaultPlanOptions,
  nextStartCommand,
  pinnedEsbuildVersion,
  planBuilds,
  renderDockerfile,
  toImageName,
  type WorkspacePackage,
} from '../src/index.js';
import { pkg, workspaceOf } from './builders.js';

function plan(packages: WorkspacePackage[], options: Partial<typeof defaultPlanOptions> = {}) {
  const workspace = workspaceOf(packages);
  const { graph, problems } = createWorkspaceGraph(packages);
  return planBuilds(workspace, graph, problems, { ...defaultPlanOptions, ...options });
}

function planError(
  packages: WorkspacePackage[],
  options: Partial<typeof defaultPlanOptions> = {},
): BuildImagesError {
  try {
    plan(packages, options);
  } catch (error) {
    if (error instanceof BuildImagesError) return error;
    throw error;
  }
  throw new Error('expected planBuilds to throw');
}

const sample = [
  pkg('@acme/api', 'apps/api', {
    dependencies: {
      dependencies: { '@acme/shutdown': 'workspace:*', '@acme/logger': 'workspace:*' },
    },
    buildImages: { port: 3000, healthPath: '/health' },
  }),
  pkg('@acme/worker', 'apps/worker', {
    dependencies: { dependencies: { '@acme/logger': 'workspace:*' } },
  }),
  pkg('@acme/shutdown', 'packages/shutdown', {
    dependencies: { dependencies: { '@acme/logger': 'workspace:*' } },
  }),
  pkg('@acme/logger', 'packages/logger'),
];

describe('planBuilds', () => {
  it('plans every package under apps/* with its transitive workspace packages', () => {
    const result = plan(sample);
    expect(result.selected).toEqual(['api', 'worker']);
    expect(
      result.apps.map((app) => [app.name, app.packages.map((p) => p.dir), app.command]),
    ).toEqual([
      ['api', ['packages/logger', 'packages/shutdown', 'apps/api'], ['node', 'dist/main.js']],
      ['worker', ['packages/logger', 'apps/worker'], ['node', 'dist/main.js']],
    ]);
    expect(result.apps[0]).toMatchObject({ port: 3000, healthPath: '/health' });
  });

  it('selects the apps named by image name, package name or directory', () => {
    expect(plan(sample, { only: ['api'] }).selected).toEqual(['api']);
    expect(plan(sample, { only: ['@acme/worker'] }).selected).toEqual(['worker']);
    expect(plan(sample, { only: ['./apps/worker/', 'api', 'worker'] }).selected).toEqual([
      'worker',
      'api',
    ]);
  });

  it('rejects an unknown app name and lists the known ones', () => {
    const error = planError(sample, { only: ['nope'] });
    expect(error.code).toBe('APP_NOT_FOUND');
    expect(error.message).toBe('Unknown app "nope"');
    expect(error.hint).toContain('api, worker');
  });

  it('reports invalid buildImages fields with the manifest and field named', () => {
    const error = planError([
      pkg('@acme/api', 'apps/api', {
        buildImages: { port: 'http', healthPath: 'health', colour: 'red' },
      }),
    ]);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details).toEqual([
      'apps/api/package.json: buildImages.colour is not a known option (known: kind, port, healthPath, command, baseImage, keep, buildArgs, entry, app, buildInputs, prebuild, buildSecrets)',
      'apps/api/package.json: buildImages.port must be a whole number from 1 to 65535, got "http"',
      'apps/api/package.json: buildImages.healthPath must be a URL path starting with "/", got "health"',
    ]);
  });

  it('suggests the nearest option for a mistyped one, and checks every field', () => {
    const error = planError([
      pkg('@acme/api', 'apps/api', {
        buildImages: {
          healthpath: '/health',
          kind: 'python',
          baseImage: 'node:latest',
          keep: ['../secrets'],
          buildArgs: { 'bad-name': 'x' },
        },
      }),
    ]);
    expect(error.details).toEqual([
      'apps/api/package.json: buildImages.healthpath is not a known option (did you mean "healthPath"?) (known: kind, port, healthPath, command, baseImage, keep, buildArgs, entry, app, buildInputs, prebuild, buildSecrets)',
      'apps/api/package.json: buildImages.kind must be one of node, next, bundle, got "python"',
      'apps/api/package.json: buildImages.baseImage "node:latest" is not pinned: give a version tag (not latest) or a digest',
      'apps/api/package.json: buildImages.keep must be a list of paths inside the app, e.g. ["node_modules/.prisma"]',
      'apps/api/package.json: buildImages.buildArgs ("bad-name") must map NAMES to default values (strings without quotes, "$" or newlines)',
    ]);
  });

  it('detects next apps and gives bundle apps without esbuild a pinned one', () => {
    const result = plan([
      pkg('@acme/site', 'apps/site', {
        main: undefined,
        dependencies: { dependencies: { next: '15.0.0' } },
      }),
      pkg('@acme/tool', 'apps/tool', {
        buildImages: { kind: 'bundle' },
        dependencies: { devDependencies: { esbuild: '0.28.0' } },
      }),
      pkg('@acme/bare', 'apps/bare', { buildImages: { kind: 'bundle' } }),
    ]);
    expect(
      result.apps.map((app) => [app.name, app.kind, app.command, app.entry, app.esbuild]),
    ).toEqual([
      ['bare', 'bundle', ['/nodejs/bin/node', 'main.cjs'], 'dist/main.js', pinnedEsbuildVersion],
      ['site', 'next', ['node', 'apps/site/server.js'], undefined, undefined],
      ['tool', 'bundle', ['/nodejs/bin/node', 'main.cjs'], 'dist/main.js', undefined],
    ]);
  });

  it('runs Next.js with next start unless next.config asks for standalone output', () => {
    const next = (name: string, nextOutput: 'standalone' | 'server' | 'export') =>
      pkg(`@acme/${name}`, `apps/${name}`, {
        main: undefined,
        dependencies: { dependencies: { next: '15.0.0' } },
        buildHints: { nextOutput },
      });
    const result = plan([
      next('alone', 'standalone'),
      next('server', 'server'),
      next('static', 'export'),
    ]);
    expect(result.apps.map((app) => [app.name, app.nextOutput, app.command])).toEqual([
      ['alone', 'standalone', ['node', 'apps/alone/server.js']],
      ['server', 'server', nextStartCommand],
    ]);
    // Next's own default port, exposed and passed as PORT, unless configured.
    expect(result.apps.map((app) => app.port)).toEqual([3000, 3000]);
    // A static export has no server: it needs a decision, and stays out of the plan's apps.
    expect(result.needsConfig).toEqual([
      {
        packageName: '@acme/static',
        dir: 'apps/static',
        problem:
          'next.config sets output: "export", a static site with no Node.js server to run (taken as an app: under apps/)',
        fix: 'serve apps/static/out with a static web server image of your own and leave this app out (apps/static/package.json: "buildImages": { "app": false }), or remove output: "export" to run it with next start',
      },
    ]);
  });

  it("takes a Next.js app whose scripts run the root's next, on the port its start script gives (postiz's frontend)", () => {
    const result = plan([
      pkg('postiz-frontend', 'web/frontend', {
        main: undefined,
        private: true,
        scripts: {
          build: 'next build',
          start: 'dotenv -e ../../.env -- next start -p 4200',
        },
        buildHints: { nextOutput: 'standalone' },
      }),
      pkg('@acme/admin', 'apps/admin', {
        main: undefined,
        scripts: { build: 'pnpm exec next build', start: 'PORT=4300 next start' },
      }),
      pkg('@acme/docs', 'apps/docs', {
        main: undefined,
        scripts: { build: 'next build', start: 'next start --port=notaport' },
        dependencies: { dependencies: { next: '15.0.0' } },
      }),
      // Builds with vite: no Next.js app, whatever a dev script says.
      pkg('@acme/spa', 'apps/spa', {
        main: undefined,
        scripts: { build: 'vite build', dev: 'next dev' },
      }),
    ]);
    expect(result.apps.map((app) => [app.name, app.kind, app.port])).toEqual([
      ['admin', 'next', 4300],
      ['docs', 'next', 3000],
      ['postiz-frontend', 'next', 4200],
    ]);
    expect(result.apps.find((app) => app.name === 'postiz-frontend')?.command).toEqual([
      'node',
      'web/frontend/server.js',
    ]);
  });

  it("runs a dependency's command from the start script, on the port and PORT it gives (plane's react-router apps)", () => {
    const web = (name: string, start: string, dependencies: WorkspacePackage['dependencies']) =>
      pkg(`@plane/${name}`, `apps/${name}`, {
        main: undefined,
        scripts: { build: 'react-router build', start },
        dependencies,
      });
    const result = plan([
      web('space', 'PORT=3002 react-router-serve ./build/server/index.js', {
        dependencies: { '@react-router/serve': '7.0.0', 'react-router': '7.0.0' },
      }),
      web('admin', 'serve -s build/client -l 3001', { dependencies: { serve: '14.0.0' } }),
      web('docs', 'react-router-serve ./build/server/index.js', {
        dependencies: { 'react-router': '7.0.0' },
        devDependencies: { '@react-router/serve': '7.0.0' },
      }),
    ]);
    expect(
      result.apps.map((app) => [
        app.name,
        app.command,
        app.port,
        app.portEnv,
        app.detection.reasons,
      ]),
    ).toEqual([
      [
        'admin',
        ['node_modules/.bin/serve', '-s', 'build/client', '-l', '3001'],
        3001,
        undefined,
        ['under apps/', 'its script "start" runs serve'],
      ],
      [
        'space',
        ['node_modules/.bin/react-router-serve', './build/server/index.js'],
        3002,
        true,
        ['under apps/', 'a @react-router/serve server'],
      ],
    ]);
    expect(result.needsConfig).toEqual([
      {
        packageName: '@plane/docs',
        dir: 'apps/docs',
        problem:
          'its "start" script runs react-router-serve, from @react-router/serve in devDependencies, which the image does not install (production dependencies only) (taken as an app: under apps/; a @react-router/serve server)',
        fix: 'apps/docs/package.json: move @react-router/serve to "dependencies" (then run pnpm install)',
      },
    ]);
    const dockerfile = renderDockerfile(result);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS space\n'));
    expect(runtime).toContain('ENV PORT=3002\n');
    expect(runtime).toContain('EXPOSE 3002\n');
    expect(runtime).toContain(
      'CMD ["node_modules/.bin/react-router-serve","./build/server/index.js"]',
    );
    // The deploy must have made the command, or the build fails saying so.
    expect(dockerfile).toContain(
      'if [ ! -e /out/node_modules/.bin/react-router-serve ]; then echo "apps/space: the image would run react-router-serve, but no production dependency of the app provides it',
    );
    // The port of the command the image runs wins over a Dockerfile's of another runtime
    // (plane's admin: its Dockerfile.admin serves the build with nginx on 3000).
    const [withDockerfile] = plan([
      {
        ...web('admin', 'serve -s build/client -l 3001', { dependencies: { serve: '14.0.0' } }),
        facts: {
          dockerfiles: ['Dockerfile.admin'],
          dockerfilePort: { file: 'Dockerfile.admin', port: 3000 },
          dockerfileHealthPath: '/',
        },
      },
    ]).apps;
    expect([withDockerfile?.port, withDockerfile?.healthPath]).toEqual([3001, undefined]);
    const admin = dockerfile.slice(dockerfile.indexOf('AS admin\n'));
    expect(admin.slice(0, admin.indexOf('\n\n'))).toContain('EXPOSE 3001\n');
    expect(admin.slice(0, admin.indexOf('\n\n'))).not.toContain('ENV PORT=');
  });

  it('runs a custom Next.js server from its start script, on the next start tree', () => {
    // dokploy: "start": "node -r dotenv/config dist/migration.mjs && node -r dotenv/config dist/server.mjs"
    const [app] = plan([
      pkg('@acme/site', 'apps/site', {
        main: undefined,
        scripts: { build: 'next build', start: 'node -r dotenv/config dist/server.mjs' },
        dependencies: { dependencies: { next: '15.0.0' } },
        buildHints: { nextOutput: 'standalone' },
      }),
    ]).apps;
    expect(app?.nextOutput).toBe('server');
    expect(app?.command).toEqual(['node', '-r', 'dotenv/config', 'dist/server.mjs']);
    expect(app?.detection.commandSource).toBe('script "start", a custom Next.js server');
    // next start in a start script is no custom server.
    const [plain] = plan([
      pkg('@acme/site', 'apps/site', {
        main: undefined,
        scripts: { build: 'next build', start: 'next start' },
        dependencies: { dependencies: { next: '15.0.0' } },
        buildHints: { nextOutput: 'standalone' },
      }),
    ]).apps;
    expect(plain?.nextOutput).toBe('standalone');
  });

  it('takes a conditional standalone output only when the build sets what the condition reads', () => {
    const next = (name: string, nextOutputEnv: string[], buildArgs?: Record<string, string>) =>
      pkg(`@acme/${name}`, `apps/${name}`, {
        main: undefined,
        dependencies: { dependencies: { next: '15.0.0' } },
        buildHints: { nextOutput: 'standalone', nextOutputEnv },
        ...(buildArgs ? { buildImages: { buildArgs } } : {}),
      });
    const result = plan([
      // rallly: output: process.env.NEXT_PUBLIC_SELF_HOSTED === "true" ? "standalone" : undefined
      next('unset', ['NEXT_PUBLIC_SELF_HOSTED']),
      next('set', ['SELF_HOST'], { SELF_HOST: 'true' }),
      next('prod', ['NODE_ENV']),
      next('unknown', []),
    ]);
    expect(
      result.apps.map((app) => [app.name, app.nextOutput, app.nextOutputCondition, app.command]),
    ).toEqual([
      ['prod', 'standalone', undefined, ['node', 'apps/prod/server.js']],
      ['set', 'standalone', undefined, ['node', 'apps/set/server.js']],
      ['unknown', 'server', [], nextStartCommand],
      ['unset', 'server', ['NEXT_PUBLIC_SELF_HOSTED'], nextStartCommand],
    ]);
  });

  it("gives an app's build what its own Dockerfile's build step is given, never a secret, config first", () => {
    const web = (buildArgs?: Record<string, string>) =>
      pkg('@acme/web', 'apps/web', {
        main: undefined,
        dependencies: { dependencies: { next: '15.0.0' } },
        buildHints: { nextOutput: 'standalone', nextOutputEnv: ['SELF_HOST'] },
        facts: {
          dockerfiles: ['Dockerfile'],
          dockerfileBuildEnv: {
            file: 'Dockerfile',
            env: {
              SELF_HOST: 'true',
              SKIP_ENV_VALIDATION: '1',
              STRIPE_SECRET_KEY: 'test',
              DATABASE_URL: 'postgresql://user:pass@localhost:5432/dummy',
            },
          },
        },
        ...(buildArgs ? { buildImages: { buildArgs } } : {}),
      });
    const [app] = plan([web()]).apps;
    expect(app?.buildArgs).toEqual({ SELF_HOST: 'true', SKIP_ENV_VALIDATION: '1' });
    expect(app?.dockerfileBuildArgs).toEqual({
      file: 'apps/web/Dockerfile',
      names: ['SELF_HOST', 'SKIP_ENV_VALIDATION'],
      secretNames: ['STRIPE_SECRET_KEY', 'DATABASE_URL'],
    });
    // SELF_HOST set: the conditional standalone output holds.
    expect(app?.nextOutput).toBe('standalone');
    const [configured] = plan([web({ SELF_HOST: 'false' })]).apps;
    expect(configured?.buildArgs).toEqual({ SELF_HOST: 'false', SKIP_ENV_VALIDATION: '1' });
    expect(configured?.dockerfileBuildArgs?.names).toEqual(['SKIP_ENV_VALIDATION']);
  });

  it('builds the production closure: workspace packages reached only through devDependencies are left out', () => {
    const result = plan([
      pkg('@acme/api', 'apps/api', {
        dependencies: {
          dependencies: { '@acme/logger': 'workspace:*' },
          optionalDependencies: { '@acme/metrics': 'workspace:*' },
          devDependencies: { '@acme/test-helpers': 'workspace:*' },
        },
      }),
      pkg('@acme/logger', 'packages/logger', {
        main: 'lib/index.js',
        buildHints: { tsOutDir: 'out' },
        dependencies: {
          dependencies: { '@acme/format': 'workspace:^' },
          devDependencies: { '@acme/test-helpers': 'workspace:*' },
        },
      }),
      pkg('@acme/format', 'packages/format'),
      pkg('@acme/metrics', 'packages/metrics'),
      pkg('@acme/test-helpers', 'packages/test-helpers'),
    ]);
    const [api] = result.apps;
    // Installed (and copied) for compiling: the whole closure, devDependencies included.
    expect(api!.packages.map((entry) => entry.name)).toContain('@acme/test-helpers');
    expect(api!.production).toEqual([
      { name: '@acme/format', dir: 'packages/format', outputDirs: ['dist', 'build', 'lib'] },
      { name: '@acme/logger', dir: 'packages/logger', outputDirs: ['out', 'lib', 'dist', 'build'] },
      { name: '@acme/metrics', dir: 'packages/metrics', outputDirs: ['dist', 'build', 'lib'] },
      { name: '@acme/api', dir: 'apps/api', outputDirs: ['dist', 'build', 'lib'] },
    ]);
  });

  it("also builds the workspace tools a built package's build uses (devDependencies), but no test helper", () => {
    const result = plan([
      pkg('@acme/api', 'apps/api', {
        dependencies: {
          dependencies: { '@acme/ui': 'workspace:*' },
          devDependencies: { '@acme/e2e': 'workspace:*', '@acme/mocks': 'workspace:*' },
        },
      }),
      pkg('@acme/ui', 'packages/ui', {
        dependencies: {
          devDependencies: {
            'bundler-plugin': 'workspace:*',
            '@acme/testing': 'workspace:*',
            '@acme/storybook-addon': 'workspace:*',
          },
        },
      }),
      pkg('bundler-plugin', 'packages/bundler-plugin', {
        dependencies: { dependencies: { 'plugin-core': 'workspace:*' } },
      }),
      pkg('plugin-core', 'packages/plugin-core'),
      pkg('@acme/testing', 'packages/testing'),
      pkg('@acme/storybook-addon', 'packages/storybook-addon'),
      pkg('@acme/e2e', 'tools/e2e'),
      pkg('@acme/mocks', 'tools/mocks'),
    ]);
    const [api] = result.apps;
    expect(api!.built.map((entry) => entry.name)).toEqual([
      'plugin-core',
      'bundler-plugin',
      '@acme/ui',
      '@acme/api',
    ]);
    // Shipped: only the production closure.
    expect(api!.production.map((entry) => entry.name)).toEqual(['@acme/ui', '@acme/api']);
  });

  it('leaves sources and tests out of an app that runs built output, unless it lists or runs them', () => {
    const result = plan([
      pkg('@acme/built', 'apps/built'),
      pkg('@acme/listed', 'apps/listed', { buildHints: { files: ['dist', 'src/templates'] } }),
      pkg('@acme/plain', 'apps/plain', { main: 'src/index.js' }),
    ]);
    expect(result.apps.map((app) => [app.name, app.pruneDirs])).toEqual([
      ['built', ['src', 'test', 'tests', '__tests__']],
      ['listed', ['test', 'tests', '__tests__']],
      ['plain', ['test', 'tests', '__tests__']],
    ]);
  });

  it('plans combined images from the config and rejects unknown members', () => {
    const result = plan(sample, { combined: [{ name: 'all', apps: ['api', 'worker'] }] });
    expect(result.combined).toEqual([{ name: 'all', apps: ['api', 'worker'], tags: [] }]);
    expect(result.selected).toEqual(['all', 'api', 'worker']);
    expect(
      planError(sample, { combined: [{ name: 'all', apps: ['api', 'nope'] }] }).details,
    ).toEqual([
      'build-images.config.json: combined[0].apps names unknown apps: nope (known: api, worker)',
    ]);
  });

  it('refuses two apps that map to the same image name', () => {
    const error = planError([pkg('@a/api', 'apps/api'), pkg('@b/api', 'apps/api2')]);
    expect(error.details).toEqual([
      'apps "@a/api" (apps/api) and "@b/api" (apps/api2) both map to the image name "api"; rename one',
    ]);
  });

  it('turns graph problems into one error listing them all', () => {
    const error = planError([
      pkg('@acme/api', 'apps/api', {
        dependencies: { dependencies: { x: 'workspace:*', y: 'workspace:*' } },
      }),
    ]);
    expect(error.code).toBe('WORKSPACE_INVALID');
    expect(error.details).toHaveLength(2);
  });

  it('reports an app with nothing to run as needing configuration, and plans the others', () => {
    const result = plan([
      pkg('@acme/api', 'apps/api', { main: undefined }),
      pkg('@acme/web', 'apps/web'),
    ]);
    expect(result.apps.map((app) => app.name)).toEqual(['web']);
    expect(result.needsConfig).toEqual([
      expect.objectContaining({ packageName: '@acme/api', dir: 'apps/api' }),
    ]);
    expect(result.needsConfig[0]!.fix).toContain(
      'apps/api/package.json: "buildImages": { "command": ["node", "dist/index.js"] }',
    );
  });

  it('takes the port and health path of a hand-written Dockerfile beside the app, unless configured', () => {
    const facts = {
      dockerfiles: ['Dockerfile'],
      dockerfilePort: { file: 'Dockerfile', port: 3030 },
      dockerfileHealthPath: '/api/health',
    };
    const result = plan([
      pkg('@acme/worker', 'apps/worker', { facts }),
      pkg('@acme/api', 'apps/api', { facts, buildImages: { port: 8080 } }),
    ]);
    const byName = Object.fromEntries(result.apps.map((app) => [app.name, app]));
    expect([byName['worker']?.port, byName['worker']?.healthPath]).toEqual([3030, '/api/health']);
    expect([byName['api']?.port, byName['api']?.healthPath]).toEqual([8080, undefined]);
  });

  it('fails with the fix when the only app has nothing to run', () => {
    const error = planError([pkg('@acme/api', 'apps/api', { main: undefined })]);
    expect(error.message).toContain(
      'No app to build: the package that looks deployable needs configuring first: apps/api (add apps/api/package.json: "buildImages"',
    );
    expect(error.message).not.toContain('no workspace package looks deployable');
    expect(error.hint).toContain('apps/api/package.json: "buildImages"');
    // atproto: four services, each named with the line it needs, not only the first.
    const four = planError(
      ['pds', 'bsky', 'ozone', 'bsync'].map((name) =>
        pkg(`@atproto/${name}`, `services/${name}`, {
          main: undefined,
          facts: { dockerfiles: ['Dockerfile'] },
        }),
      ),
    );
    expect(four.message).toContain('the 4 packages that look deployable need configuring first');
    for (const name of ['pds', 'bsky', 'ozone', 'bsync'])
      expect(four.message).toContain(`services/${name} (add services/${name}/package.json`);
  });

  it('points at the root as the app only when its Dockerfile builds no package that needs configuring (botpress)', () => {
    const chat = pkg('@bp/chat', 'integrations/chat', {
      main: undefined,
      facts: { dockerfiles: ['Dockerfile'] },
    });
    const root = (sources: string[]) =>
      pkg('root', '.', {
        main: undefined,
        facts: { dockerfiles: ['Dockerfile'], dockerfileCopies: { file: 'Dockerfile', sources } },
      });
    const builds = planError([root(['package.json', 'integrations/chat']), chat]);
    expect(builds.hint).toContain('integrations/chat/package.json: "buildImages"');
    expect(builds.hint).not.toContain('--apps .');
    const itself = planError([root(['.']), chat]);
    expect(itself.hint).toContain('The workspace root looks like the app');
    // A root whose start runs every package's (hey: `pnpm --recursive --parallel run start`)
    // is no app; one that starts a server of its own is.
    const api = pkg('@hey/api', 'apps/api', { main: undefined });
    const starts = (start: string) =>
      planError([pkg('root', '.', { main: undefined, scripts: { start } }), api]).hint;
    for (const start of [
      'pnpm --recursive --parallel run start',
      'pnpm -r start',
      'pnpm --filter ./apps/api start',
      'turbo run start',
    ])
      expect(starts(start)).not.toContain('--apps .');
    expect(starts('node server.js')).toContain('The workspace root looks like the app');
  });

  it("says a package of Dockerfiles only is to be left out (papra's packages/app)", () => {
    const result = plan([
      pkg('@papra/app', 'packages/app', {
        main: undefined,
        private: true,
        scripts: {
          'build:docker:root': 'docker build --no-cache -t papra-local-root -f ./Dockerfile ../..',
          'build:docker:amd64':
            'docker buildx build --platform linux/amd64 -f ./Dockerfile --load ../..',
        },
        facts: { dockerfiles: ['Dockerfile', 'Dockerfile.rootless'] },
      }),
      pkg('@papra/app-server', 'apps/papra-server'),
    ]);
    expect(result.apps.map((app) => app.name)).toEqual(['app-server']);
    expect(result.needsConfig).toEqual([
      {
        packageName: '@papra/app',
        dir: 'packages/app',
        problem:
          'it holds Dockerfiles only (its scripts run docker, and it has no dependencies), for the image of another package (taken as an app: Dockerfile, Dockerfile.rootless beside it)',
        fix: 'packages/app/package.json: "buildImages": { "app": false } to leave it out (the app its Dockerfile builds is planned on its own)',
      },
    ]);
  });

  it('refuses a named app that needs configuration, saying what to add', () => {
    const error = planError(
      [pkg('@acme/api', 'apps/api', { main: undefined }), pkg('@acme/web', 'apps/web')],
      { only: ['api'] },
    );
    expect(error.message).toContain('App "api" cannot be built yet');
    expect(error.hint).toContain('"command"');
  });

  it('takes exactly the packages matching configured patterns, and buildImages.app pins one', () => {
    const result = plan(
      [
        pkg('@acme/api', 'services/api'),
        pkg('@acme/web', 'apps/web'),
        pkg('@acme/tool', 'tools/tool', { buildImages: { app: true } }),
        pkg('@acme/skip', 'services/skip', { buildImages: { app: false } }),
      ],
      { appPatterns: ['services/*'] },
    );
    expect(result.apps.map((app) => app.name)).toEqual(['api', 'tool']);
  });

  it('says a package the patterns select needs a command, rather than that none lies there', () => {
    // hoppscotch's selfhost-web: a Vite site with a Dockerfile, named with --apps.
    const error = planError(
      [pkg('@hs/selfhost-web', 'packages/selfhost-web', { main: undefined })],
      {
        appPatterns: ['packages/selfhost-web'],
      },
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(
      'No app to build: what packages/selfhost-web selects needs configuring first',
    );
    expect(error.message).toContain('packages/selfhost-web: nothing says what runs it');
    expect(error.message).not.toContain('no workspace package lies in');
    expect(error.hint).toContain('packages/selfhost-web/package.json');
  });
});

describe('toImageName', () => {
  it.each([
    ['@acme/api', 'api'],
    ['Web_App', 'web_app'],
    ['@acme/my app!', 'my-app'],
    ['-odd-', 'odd'],
  ])('maps %s to %s', (name, expected) => {
    expect(toImageName(name)).toBe(expected);
  });

  it('leaves nothing for a name with no valid character', () => {
    expect(toImageName('@acme/!!!')).toBeUndefined();
  });
});
