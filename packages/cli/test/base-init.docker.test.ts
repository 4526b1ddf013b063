import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestImage,
  demuxLogs,
  dockerForTests,
  fixtureRootManifest,
  lockWorkspace,
  removeTestResources,
  runBin,
  testBaseImage,
  waitFor,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `baseinit${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

/**
 * A base image without tini whose apt-get is a stand-in (containers reach no Debian mirror
 * here): it logs its arguments and, when asked for the pinned tini, installs the real binary
 * kept aside; `fails` makes every install fail, as an apt source without that release would.
 */
async function baseWithoutTini(engine: Docker, name: string, fails: boolean): Promise<string> {
  const tag = `${prefix}${name}:t`;
  const aptGet = [
    '#!/bin/sh',
    'echo "apt-get $*" >> /fake-apt.log',
    'case "$1" in update) exit 0;; esac',
    fails ? 'echo "E: Version not found" >&2; exit 100' : '',
    'case "$*" in *"tini=0.19.0-*"*) cp /opt/real-tini /usr/bin/tini; exit 0;; esac',
    'echo "E: not the pinned tini: $*" >&2; exit 100',
    '',
  ].join('\n');
  return buildTestImage(
    engine,
    tag,
    {
      'apt-get': aptGet,
      Dockerfile: [
        `FROM ${testBaseImage}`,
        'RUN mkdir -p /opt && cp "$(readlink -f "$(command -v tini)")" /opt/real-tini && rm -f /usr/bin/tini /usr/bin/tini-static && ! command -v tini',
        'COPY apt-get /usr/local/bin/apt-get',
        '',
      ].join('\n'),
    },
    { label: runId, modes: { 'apt-get': 0o755 } },
  );
}

/** One app that prints which program is PID 1, locked offline. */
async function oneAppWorkspace(): Promise<string> {
  const root = await writeTree({
    'package.json': fixtureRootManifest(runId),
    'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
    'apps/api/package.json': {
      name: '@fx/api',
      version: '1.0.0',
      scripts: { start: 'node main.js' },
    },
    'apps/api/main.js':
      "console.log('started under ' + require('fs').readlinkSync('/proc/1/exe'));\n",
  });
  lockWorkspace(root, { offline: true });
  return root;
}

describe.skipIf(!docker)('the init on a base image without one', () => {
  let root: string;
  beforeAll(async () => {
    root = await oneAppWorkspace();
  });
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it('installs tini pinned to 0.19.0 with apt, and the app runs under it', async () => {
    const base = await baseWithoutTini(docker!, 'apt-base', false);
    const build = await runBin(['--tag', `${prefix}{app}:t`, '--base-image', base], {
      cwd: root,
      env: { CI: 'true' },
    });
    expect(build.code, build.stdout + build.stderr).toBe(0);
    const container = await docker!.createContainer({
      Image: `${prefix}api:t`,
      Labels: { 'build-images.test': runId },
    });
    await container.start();
    const logs = await waitFor('the app to print', async () => {
      const text = demuxLogs((await container.logs({ stdout: true, stderr: true })) as Buffer);
      return text.includes('started') ? text : undefined;
    });
    expect(logs).toContain('started under /usr/bin/tini');
    const log = await docker!.createContainer({
      Image: `${prefix}api:t`,
      Entrypoint: ['cat', '/fake-apt.log'],
      Cmd: [],
      Labels: { 'build-images.test': runId },
    });
    await log.start();
    await log.wait();
    const calls = demuxLogs((await log.logs({ stdout: true, stderr: true })) as Buffer);
    expect(calls).toContain('apt-get install -y --no-install-recommends tini=0.19.0-*');
  });

  it('fails the build saying the pinned init is missing when apt has no such release', async () => {
    const base = await baseWithoutTini(docker!, 'apt-base-without-release', true);
    const build = await runBin(['--tag', `${prefix}{app}-2:t`, '--base-image', base], {
      cwd: root,
      env: { CI: 'true' },
    });
    expect(build.code, build.stdout + build.stderr).toBe(1);
    expect(build.stdout + build.stderr).toContain(
      "the base image's apt sources have no tini 0.19.0 (the pinned init): use a base image that has tini",
    );
  });
});

/** What a command prints in a fresh container of an image (its entrypoint replaced). */
async function runIn(engine: Docker, image: string, script: string): Promise<string> {
  const container = await engine.createContainer({
    Image: image,
    Entrypoint: ['sh', '-c', script],
    Cmd: [],
    Labels: { 'build-images.test': runId },
  });
  await container.start();
  await container.wait();
  return demuxLogs((await container.logs({ stdout: true, stderr: true })) as Buffer).trim();
}

describe.skipIf(!docker)("the pnpm stage on a base image's own pnpm", () => {
  let dockerfile: string;
  beforeAll(async () => {
    const root = await oneAppWorkspace();
    const generated = await runBin(['generate'], { cwd: root });
    expect(generated.code, generated.stderr).toBe(0);
    dockerfile = await readFile(path.join(root, 'docker/Dockerfile'), 'utf8');
  });
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  /** The generated file's `pnpm` stage built on a base: where its pnpm resolves, its version. */
  async function pnpmStageOn(base: string, name: string): Promise<string[]> {
    const image = await buildTestImage(
      docker!,
      `${prefix}${name}:t`,
      { Dockerfile: dockerfile },
      { label: runId, target: 'pnpm', buildargs: { NODE_IMAGE: base } },
    );
    return (await runIn(docker!, image, 'readlink -f /opt/pnpm/bin/pnpm; pnpm --version')).split(
      '\n',
    );
  }

  /** The test base with `/usr/local/bin/pnpm` replaced by a script that prints `version`. */
  async function baseWithPnpmScript(name: string, scriptPath: string, version: string) {
    return buildTestImage(
      docker!,
      `${prefix}${name}:t`,
      {
        'fake-pnpm': `#!/bin/sh\necho ${version}\n`,
        Dockerfile: [
          `FROM ${testBaseImage}`,
          `COPY fake-pnpm ${scriptPath}`,
          `RUN rm -f /usr/local/bin/pnpm && ln -s ${scriptPath} /usr/local/bin/pnpm`,
          '',
        ].join('\n'),
      },
      { label: runId, modes: { 'fake-pnpm': 0o755 } },
    );
  }

  it('uses the pnpm of a base image that has the pinned version, installing nothing', async () => {
    const [resolved, version] = await pnpmStageOn(testBaseImage, 'pinned-base');
    expect(resolved).toBe('/usr/local/lib/node_modules/pnpm/bin/pnpm.cjs');
    expect(version).toBe('10.34.9');
  });

  it('installs the pinned pnpm with npm over another version of it in the base', async () => {
    const base = await baseWithPnpmScript('other-pnpm-base', '/usr/local/lib/old-pnpm', '10.34.8');
    const [resolved, version] = await pnpmStageOn(base, 'other-pnpm');
    expect(resolved).toMatch(/^\/opt\/pnpm\/lib\/node_modules\/pnpm\//);
    expect(version).toBe('10.34.9');
  });

  it("never takes corepack's shim, even when it claims the pinned version", async () => {
    const base = await baseWithPnpmScript(
      'corepack-base',
      '/usr/local/lib/node_modules/corepack/dist/pnpm.js',
      '10.34.9',
    );
    const [resolved, version] = await pnpmStageOn(base, 'corepack');
    expect(resolved).toMatch(/^\/opt\/pnpm\/lib\/node_modules\/pnpm\//);
    expect(version).toBe('10.34.9');
  });
});
