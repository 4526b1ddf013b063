import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demuxLogs,
  dockerForTests,
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
  const context = pack();
  context.entry({ name: 'apt-get', mode: 0o755 }, aptGet);
  context.entry(
    { name: 'Dockerfile', mode: 0o644 },
    [
      `FROM ${testBaseImage}`,
      'RUN mkdir -p /opt && cp "$(readlink -f "$(command -v tini)")" /opt/real-tini && rm -f /usr/bin/tini /usr/bin/tini-static && ! command -v tini',
      'COPY apt-get /usr/local/bin/apt-get',
      '',
    ].join('\n'),
  );
  context.finalize();
  const response = (await engine.buildImage(
    context as unknown as NodeJS.ReadableStream,
    {
      t: tag,
      version: '2',
      labels: { 'build-images.test': runId },
    } as Docker.ImageBuildOptions,
  )) as Readable;
  let text = '';
  for await (const chunk of response) text += String(chunk);
  const errors = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { error?: string; errorDetail?: { message?: string } })
    .flatMap((message) => message.errorDetail?.message ?? message.error ?? []);
  if (errors.length > 0) throw new Error(`building ${tag} failed: ${errors.join('\n')}`);
  return tag;
}

describe.skipIf(!docker)('the init on a base image without one', () => {
  let root: string;
  beforeAll(async () => {
    root = await writeTree({
      'package.json': {
        name: 'fixture',
        private: true,
        version: `0.0.0-${runId}`,
        packageManager: 'pnpm@10.34.9',
      },
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
