import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BinResult,
  demuxLogs,
  dockerForTests,
  execIn,
  lockWorkspace,
  removeTestResources,
  runBin,
  startContainer,
  testBaseImage,
  waitFor,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const bundleImage =
  process.env['BUILD_IMAGES_BUNDLE_IMAGE'] || 'build-images-local/node-distroless:24.21.0';
const runId = `kinds${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;
const imageOf = (name: string) => `${prefix}${name}:t`;
const copyBuild = 'mkdir -p dist && cp src/*.js dist/';

const server = (name: string, port: number) => `import http from 'node:http';
import { greet } from '@fx/shared';
const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(req.url === '/health' ? { status: 'ok' } : { message: greet('${name}') }));
});
server.listen(${port}, '0.0.0.0', () => console.log('${name} listening'));
if (process.env.CRASH_AFTER_MS) setTimeout(() => { console.error('${name} crashing'); process.exit(3); }, Number(process.env.CRASH_AFTER_MS));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** A node server, a worker loop, a bundled tool, and a combined image of the first two. */
async function fixtureWorkspace(): Promise<string> {
  const app = (name: string, extra: object) => ({
    name: `@fx/${name}`,
    version: '1.2.3',
    type: 'module',
    main: 'dist/main.js',
    files: ['dist'],
    ...extra,
  });
  const root = await writeTree({
    'package.json': {
      name: 'fixture',
      // Kept in the install stages' root manifest: this run's layers are its own.
      version: `0.0.0-${runId}`,
      private: true,
      packageManager: 'pnpm@10.34.9',
      buildImages: { combined: [{ name: 'all', apps: ['svc', 'job'] }] },
    },
    'pnpm-workspace.yaml':
      'packages:\n  - apps/*\n  - packages/*\nonlyBuiltDependencies:\n  - esbuild\n',
    'packages/shared/package.json': {
      name: '@fx/shared',
      version: '1.0.0',
      type: 'module',
      main: 'dist/index.js',
      files: ['dist'],
      scripts: { build: copyBuild },
    },
    'packages/shared/src/index.js': 'export const greet = (name) => `hello from ${name}`;\n',
    'apps/svc/package.json': app('svc', {
      scripts: { build: copyBuild, dev: 'node src/main.js' },
      dependencies: { '@fx/shared': 'workspace:*' },
      buildImages: { port: 3000, healthPath: '/health' },
    }),
    'apps/svc/src/main.js': server('svc', 3000),
    'apps/job/package.json': app('job', {
      scripts: { build: copyBuild },
      dependencies: { '@fx/shared': 'workspace:*' },
    }),
    'apps/job/src/main.js':
      "import { greet } from '@fx/shared';\nconst timer = setInterval(() => console.log(greet('job')), 200);\nprocess.on('SIGTERM', () => { clearInterval(timer); process.exit(0); });\n",
    'apps/tool/package.json': app('tool', {
      scripts: { build: copyBuild },
      dependencies: { '@fx/shared': 'workspace:*', ms: '2.1.3' },
      devDependencies: { esbuild: '0.28.2' },
      buildImages: { kind: 'bundle', port: 4000, healthPath: '/health' },
    }),
    'apps/tool/src/main.js': server('tool', 4000).replace(
      "import { greet } from '@fx/shared';",
      "import { greet } from '@fx/shared';\nimport ms from 'ms';\nconsole.log('tool up in', ms(1500));",
    ),
    // A bundle app without esbuild of its own: the build stage brings a pinned one.
    'apps/tiny/package.json': app('tiny', {
      main: 'src/main.js',
      dependencies: { ms: '2.1.3' },
      buildImages: { kind: 'bundle' },
    }),
    'apps/tiny/src/main.js': "import ms from 'ms';\nconsole.log('tiny bundled', ms(90000));\n",
    // Run from its TypeScript sources with tsx, a production dependency (karakeep's workers),
    // importing a workspace package that ships TypeScript too.
    'packages/types/package.json': {
      name: '@fx/types',
      version: '1.0.0',
      type: 'module',
      main: 'index.ts',
    },
    'packages/types/index.ts': 'export const label = (name: string): string => `typed ${name}`;\n',
    'apps/typed/package.json': {
      name: '@fx/typed',
      version: '1.0.0',
      private: true,
      type: 'module',
      scripts: { 'start:prod': 'tsx index.ts' },
      dependencies: { '@fx/types': 'workspace:*', tsx: '4.20.6' },
    },
    'apps/typed/index.ts':
      "import { label } from '@fx/types';\nconst name: string = 'worker';\nconsole.log(label(name));\n",
  });
  lockWorkspace(root, { offline: false });
  return root;
}

/** Zombie processes in a running container, read from /proc with node (no ps needed). */
async function zombies(containerId: string): Promise<number> {
  const { output } = await execIn(docker!.getContainer(containerId), [
    'node',
    '-e',
    "const fs=require('fs');console.log(fs.readdirSync('/proc').filter((p)=>/^\\d+$/.test(p)).filter((p)=>{try{return fs.readFileSync('/proc/'+p+'/stat','utf8').split(') ')[1][0]==='Z'}catch{return false}}).length)",
  ]);
  return Number(output.trim());
}

describe.skipIf(!docker)('runtime kinds built and run on a real engine', () => {
  let root: string;
  let build: BinResult;

  beforeAll(async () => {
    root = await fixtureWorkspace();
    build = await runBin(
      ['--tag', `${prefix}{app}:t`, '--base-image', testBaseImage, '--bundle-image', bundleImage],
      { cwd: root, env: { CI: 'true' } },
    );
  });
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it('builds a node app, a bundle and a combined image', () => {
    expect(build.stderr + build.stdout).not.toContain('error:');
    expect(build.code).toBe(0);
    expect(build.stdout).toContain('6 built');
  });

  it('runs a TypeScript entry with tsx when tsx is a production dependency', async () => {
    const info = await docker!.getImage(imageOf('typed')).inspect();
    expect(info.Config.Cmd).toEqual(['node', '--import', 'tsx', 'index.ts']);
    const container = await docker!.createContainer({
      Image: imageOf('typed'),
      Labels: { 'build-images.test': runId },
    });
    await container.start();
    expect((await container.wait()).StatusCode).toBe(0);
    expect(demuxLogs(await container.logs({ stdout: true, stderr: true })).trim()).toBe(
      'typed worker',
    );
  });

  it('runs the bundle on a shell-less base as a non-root user, one file plus tini', async () => {
    const info = await docker!.getImage(imageOf('tool')).inspect();
    expect(info.Config.User).toBe('65532:65532');
    expect(info.Config.Labels?.['org.opencontainers.image.version']).toBe('1.2.3');
    const { container, hostPort } = await startContainer(docker!, imageOf('tool'), runId, 4000);
    const body = await waitFor('tool /health', async () => {
      const response = await fetch(`http://127.0.0.1:${hostPort}/health`);
      return response.ok ? ((await response.json()) as unknown) : undefined;
    });
    expect(body).toEqual({ status: 'ok' });
    expect(demuxLogs(await container.logs({ stdout: true, stderr: true }))).toContain(
      'tool up in 2s',
    );
    const noShell = await docker!.createContainer({
      Image: imageOf('tool'),
      Entrypoint: ['/bin/sh'],
      Cmd: ['-c', 'true'],
      Labels: { 'build-images.test': runId },
    });
    await expect(noShell.start()).rejects.toThrow(/no such file or directory|not found/);
    const started = Date.now();
    await container.stop({ t: 10 });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('bundles an app that has no esbuild of its own', async () => {
    const container = await docker!.createContainer({
      Image: imageOf('tiny'),
      Labels: { 'build-images.test': runId },
    });
    await container.start();
    expect((await container.wait()).StatusCode).toBe(0);
    expect(demuxLogs(await container.logs({ stdout: true, stderr: true })).trim()).toBe(
      'tiny bundled 2m',
    );
  });

  it('passes the exit code through the init', async () => {
    const container = await docker!.createContainer({
      Image: imageOf('svc'),
      Cmd: ['node', '-e', 'process.exit(7)'],
      Labels: { 'build-images.test': runId },
    });
    await container.start();
    expect((await container.wait()).StatusCode).toBe(7);
  });

  it('reaps orphaned zombies with tini as PID 1 (and leaves them without it)', async () => {
    const orphanMaker = [
      'node',
      '-e',
      "require('child_process').spawn('sh', ['-c', 'sleep 0.2 & exit 0'], { stdio: 'ignore' }); setInterval(() => {}, 1000);",
    ];
    const withInit = await docker!.createContainer({
      Image: imageOf('svc'),
      Cmd: orphanMaker,
      Labels: { 'build-images.test': runId },
    });
    await withInit.start();
    const withoutInit = await docker!.createContainer({
      Image: imageOf('svc'),
      Entrypoint: orphanMaker.slice(0, 1),
      Cmd: orphanMaker.slice(1),
      Labels: { 'build-images.test': runId },
    });
    await withoutInit.start();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await zombies(withInit.id)).toBe(0);
    expect(await zombies(withoutInit.id)).toBeGreaterThan(0);
  });

  it('runs both apps of the combined image and stops them together', async () => {
    const { container, hostPort } = await startContainer(docker!, imageOf('all'), runId, 3000);
    await waitFor('all: svc /health', async () =>
      (await fetch(`http://127.0.0.1:${hostPort}/health`)).ok ? true : undefined,
    );
    await waitFor('all: job output', async () =>
      demuxLogs(await container.logs({ stdout: true, stderr: true })).includes('hello from job')
        ? true
        : undefined,
    );
    const started = Date.now();
    await container.stop({ t: 10 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await container.inspect()).State.ExitCode).toBe(0);
  });

  it('exits non-zero as soon as one app of the combined image crashes', async () => {
    const container = await docker!.createContainer({
      Image: imageOf('all'),
      Env: ['CRASH_AFTER_MS=500'],
      Labels: { 'build-images.test': runId },
    });
    await container.start();
    const result = await container.wait();
    expect(result.StatusCode).toBe(3);
    const logs = demuxLogs(await container.logs({ stdout: true, stderr: true }));
    expect(logs).toContain('svc exited (code 3); stopping the others');
  });

  it('builds the dev target with every dependency and the sources', async () => {
    const dev = await runBin(
      ['svc', '--dev', '--tag', `${prefix}{app}:t`, '--base-image', testBaseImage],
      { cwd: root, env: { CI: 'true' } },
    );
    expect(dev.code).toBe(0);
    const info = await docker!.getImage(imageOf('svc-dev')).inspect();
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Env).toContain('NODE_ENV=development');
    expect(info.Config.Cmd).toEqual(['pnpm', 'run', 'dev']);
    const { container, hostPort } = await startContainer(docker!, imageOf('svc-dev'), runId, 3000);
    await waitFor('svc-dev /health', async () =>
      (await fetch(`http://127.0.0.1:${hostPort}/health`)).ok ? true : undefined,
    );
    await container.remove({ force: true });
  });
});
