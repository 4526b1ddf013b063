import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BinResult,
  demuxLogs,
  dockerForTests,
  removeTestResources,
  runBin,
  startContainer,
  testBaseImage,
  waitFor,
} from '@build-images/test-helpers';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const docker = await dockerForTests();
const runId = `e2e${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;
const imageOf = (app: string) => `${prefix}${app}:test`;

async function containerOutput(image: string, cmd: string[]): Promise<string> {
  const container = await docker!.createContainer({
    Image: image,
    Cmd: cmd,
    Labels: { 'build-images.test': runId },
  });
  await container.start();
  await container.wait();
  const logs = await container.logs({ stdout: true, stderr: true });
  await container.remove({ force: true });
  return demuxLogs(logs).trim();
}

describe.skipIf(!docker)('the sample workspace built by build-images on a real engine', () => {
  let build: BinResult;

  beforeAll(async () => {
    build = await runBin(['--tag', `${prefix}{app}:test`, '--base-image', testBaseImage], {
      cwd: repoRoot,
      env: { CI: 'true' },
    });
  });

  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it('builds every app in parallel and reports each as built', () => {
    expect(build.stderr + build.stdout).not.toContain('error:');
    expect(build.code).toBe(0);
    expect(build.stdout).toMatch(/^api\s+(built|cached)\s/m);
    expect(build.stdout).toMatch(/^web\s+(built|cached)\s/m);
    expect(build.stdout).toMatch(/^worker\s+(built|cached)\s/m);
    // A warm engine may answer every step from its cache: then the apps are reported cached.
    expect(build.stdout).toMatch(/^(3 built|3 cached|\d built, \d cached)$/m);
  });

  it.each(['api', 'web', 'worker'])(
    'runs %s as a non-root user with NODE_ENV=production',
    async (app) => {
      const info = await docker!.getImage(imageOf(app)).inspect();
      expect(info.Config.User).toBe('1000:1000');
      expect(info.Config.Env).toContain('NODE_ENV=production');
      expect(info.Config.Entrypoint).toEqual(['tini', '--']);
      expect(await containerOutput(imageOf(app), ['id', '-u'])).toBe('1000');
    },
  );

  it.each(['api', 'web', 'worker'])(
    'ships no sources, devDependencies or pnpm store in %s',
    async (app) => {
      const listing = await containerOutput(imageOf(app), [
        'sh',
        '-c',
        'ls -a /app; ls /app/node_modules /app/node_modules/.pnpm; ls -d /pnpm /root/.local/share/pnpm 2>&1 || true',
      ]);
      expect(listing).toContain('dist');
      expect(listing).not.toMatch(/^src$/m);
      expect(listing).not.toMatch(/^test$/m);
      expect(listing).not.toContain('typescript@');
      expect(listing).not.toContain('vite@');
      expect(listing).toContain('ls: /pnpm: No such file or directory');
      // No link leads out of /app (pnpm's deploy leaves one to the app's source folder).
      const outside = await containerOutput(imageOf(app), [
        'sh',
        '-c',
        'find /app -type l | while read -r link; do case "$(readlink -f "$link")" in /app/*) ;; *) echo "$link -> $(readlink "$link")";; esac; done; echo links checked',
      ]);
      expect(outside.trim()).toBe('links checked');
    },
  );

  it.each([
    ['api', 3000],
    ['web', 8080],
  ])(
    '%s answers /health, and its HEALTHCHECK command passes inside the container',
    async (app, port) => {
      const { container, hostPort } = await startContainer(docker!, imageOf(app), runId, port);
      const body = await waitFor(`${app} /health`, async () => {
        const response = await fetch(`http://127.0.0.1:${hostPort}/health`);
        return response.ok ? ((await response.json()) as unknown) : undefined;
      });
      expect(body).toMatchObject({ status: 'ok' });
      const info = await container.inspect();
      expect(info.Config.ExposedPorts).toHaveProperty(`${port}/tcp`);
      const [kind, ...probe] = info.Config.Healthcheck?.Test ?? [];
      expect(kind).toBe('CMD');
      const exec = await container.exec({ Cmd: probe, AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({});
      await new Promise((resolve) => stream.on('end', resolve).resume());
      expect((await exec.inspect()).ExitCode).toBe(0);
    },
  );

  it('says why its HEALTHCHECK fails: the probe prints what docker inspect keeps in State.Health.Log', async () => {
    // The app on another port than the one its image declares: the probe finds nothing there.
    const container = await docker!.createContainer({
      Image: imageOf('api'),
      Labels: { 'build-images.test': runId },
      Env: ['PORT=3999'],
    });
    await container.start();
    const info = await container.inspect();
    const [, ...probe] = info.Config.Healthcheck?.Test ?? [];
    const exec = await container.exec({ Cmd: probe, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    await new Promise((resolve) =>
      stream.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', resolve),
    );
    expect((await exec.inspect()).ExitCode).toBe(1);
    expect(Buffer.concat(chunks).toString('utf8')).toContain('GET /health: ECONNREFUSED');
  });

  it('serves the web page built at image build time', async () => {
    const { hostPort } = await startContainer(docker!, imageOf('web'), runId, 8080);
    const html = await waitFor('web index.html', async () => {
      const response = await fetch(`http://127.0.0.1:${hostPort}/`);
      return response.ok ? response.text() : undefined;
    });
    expect(html).toMatch(/<script type="module"[^>]* src="\/assets\/[^"]+\.js"/);
  });

  it.each([
    ['api', 3000],
    ['web', 8080],
    ['worker', undefined],
  ] as const)('stops %s on docker stop in under 2 s', async (app, port) => {
    const { container } = await startContainer(docker!, imageOf(app), runId, port);
    await waitFor(`${app} to log that it started`, async () => {
      const logs = await container.logs({ stdout: true, stderr: true });
      return logs.length > 0 ? true : undefined;
    });
    const started = Date.now();
    await container.stop({ t: 10 });
    const elapsed = Date.now() - started;
    const info = await container.inspect();
    expect(elapsed).toBeLessThan(2000);
    expect([0, 143]).toContain(info.State.ExitCode);
  });
});
