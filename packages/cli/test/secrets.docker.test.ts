import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract, pack } from 'tar-stream';
import { npmrcHeader } from '@build-images/core';
import {
  demuxLogs,
  dockerForTests,
  fixtureRootManifest,
  lockWorkspace,
  removeTestResources,
  runBin,
  testBaseImage,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `secret${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;
const token = `npm_${runId}_${createHash('sha256').update(runId).digest('hex').slice(0, 24)}`;
const message = `hello from the private registry (${runId})`;

/** A gzipped npm package tarball: package/package.json and package/index.js. */
async function packageTarball(version: string): Promise<Buffer> {
  const tar = pack();
  tar.entry(
    { name: 'package/package.json' },
    JSON.stringify({ name: '@private/secret-lib', version, main: 'index.js' }),
  );
  tar.entry(
    { name: 'package/index.js' },
    `module.exports = { message: ${JSON.stringify(message)} };\n`,
  );
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return gzipSync(Buffer.concat(chunks));
}

/** A registry serving one scoped package, only to requests that carry the token. */
async function startPrivateRegistry(host: string) {
  // Two versions, so that each test fetches a package the shared pnpm store cache mount lacks.
  const versions = ['1.0.0', '1.0.1', '1.0.2'];
  const tarballs = new Map(
    await Promise.all(
      versions.map(async (version) => [version, await packageTarball(version)] as const),
    ),
  );
  const requests: { url: string; status: number }[] = [];
  const server: Server = createServer((request, response) => {
    const url = decodeURIComponent(request.url ?? '');
    const address = server.address() as AddressInfo;
    const base = `http://${host}:${address.port}`;
    const reply = (status: number, body: string | Buffer, type = 'application/json') => {
      requests.push({ url, status });
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    if (request.headers.authorization !== `Bearer ${token}`)
      return reply(401, JSON.stringify({ error: 'authentication required' }));
    if (url === '/@private/secret-lib') {
      return reply(
        200,
        JSON.stringify({
          name: '@private/secret-lib',
          'dist-tags': { latest: '1.0.1' },
          versions: Object.fromEntries(
            [...tarballs].map(([version, tarball]) => [
              version,
              {
                name: '@private/secret-lib',
                version,
                main: 'index.js',
                dist: {
                  tarball: `${base}/@private/secret-lib/-/secret-lib-${version}.tgz`,
                  shasum: createHash('sha1').update(tarball).digest('hex'),
                  integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
                },
              },
            ]),
          ),
        }),
      );
    }
    const tarball = tarballs.get(
      /^\/@private\/secret-lib\/-\/secret-lib-(.+)\.tgz$/.exec(url)?.[1] ?? '',
    );
    if (tarball) return reply(200, tarball, 'application/octet-stream');
    return reply(404, JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((resolve, reject) =>
    server.listen(0, host, resolve).once('error', reject),
  );
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${port}/`,
    authLine: `//${host}:${port}/:_authToken=${token}`,
    requests,
  };
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The entries of a tar archive (gunzipped first when it is gzipped), by name. */
async function tarEntries(archive: Buffer): Promise<Map<string, Buffer>> {
  const bytes = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  const entries = new Map<string, Buffer>();
  const reader = extract();
  const done = (async () => {
    for await (const entry of reader) entries.set(entry.header.name, await readAll(entry));
  })();
  reader.end(bytes);
  await done;
  return entries;
}

/** A workspace with one app that depends on the private package, locked against the registry. */
async function writeFixture(
  registry: { url: string; authLine: string },
  description: string,
  version: string,
  npmrc: string,
) {
  const root = await writeTree({
    // The root version (kept in the install stages' manifest) makes each fixture's layers its
    // own: no other run's cache answers for them.
    'package.json': {
      name: 'fixture',
      private: true,
      version: `0.0.0-${description}`,
      packageManager: 'pnpm@10.34.9',
    },
    'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
    'apps/app/package.json': {
      name: '@fx/app',
      version: '1.0.0',
      type: 'module',
      main: 'dist/main.js',
      files: ['dist'],
      scripts: { build: 'mkdir -p dist && cp src/main.js dist/' },
      dependencies: { '@private/secret-lib': version },
    },
    'apps/app/src/main.js': "import lib from '@private/secret-lib';\nconsole.log(lib.message);\n",
  });
  // The lockfile needs the registry too: the token is in the workspace only for this one command.
  await writeFile(
    path.join(root, '.npmrc'),
    `@private:registry=${registry.url}\n${registry.authLine}\n`,
  );
  // Not spawnSync: the registry answers from this process's event loop.
  await promisify(execFile)('pnpm', ['install', '--lockfile-only'], {
    cwd: root,
    encoding: 'utf8',
  });
  await writeFile(path.join(root, '.npmrc'), npmrc);
  return root;
}

/** Asserts that `token` is in none of the image's history, config and layers (and that the search finds the package). */
async function expectTokenAbsent(tag: string, findPackage = true) {
  const image = docker!.getImage(tag);
  expect(JSON.stringify(await image.history())).not.toContain(token);
  expect(JSON.stringify(await image.inspect())).not.toContain(token);
  const saved = await tarEntries(await readAll((await image.get()) as unknown as Readable));
  const layers = [...saved.keys()].filter(
    (name) => name.endsWith('layer.tar') || name.startsWith('blobs/'),
  );
  expect(layers.length).toBeGreaterThan(0);
  let sawPackage = false;
  for (const [name, bytes] of saved) {
    expect(bytes.includes(token), `token in ${name}`).toBe(false);
    if (!layers.includes(name)) continue;
    for (const [file, content] of await tarEntries(bytes).catch(() => new Map<string, Buffer>())) {
      expect(content.includes(token), `token in ${name}: ${file}`).toBe(false);
      if (content.includes(message)) sawPackage = true;
    }
  }
  // The search looks where it should: the private package itself is in a layer.
  if (findPackage) expect(sawPackage).toBe(true);
}

async function runApp(tag: string): Promise<string> {
  const container = await docker!.createContainer({
    Image: tag,
    Labels: { 'build-images.test': runId },
  });
  await container.start();
  await container.wait();
  return demuxLogs(await container.logs({ stdout: true, stderr: true }));
}

describe.skipIf(!docker)('--secret on a real engine', () => {
  let registry: Awaited<ReturnType<typeof startPrivateRegistry>>;
  let root: string;
  let secretFile: string;

  beforeAll(async () => {
    // Build containers reach this machine through the bridge network's gateway.
    const bridge = await docker!.getNetwork('bridge').inspect();
    const gateway =
      (bridge as { IPAM?: { Config?: { Gateway?: string }[] } }).IPAM?.Config?.[0]?.Gateway ??
      '172.17.0.1';
    registry = await startPrivateRegistry(gateway);
    // Where the scope lives is no secret; the token is.
    root = await writeFixture(registry, runId, '1.0.0', `@private:registry=${registry.url}\n`);
    secretFile = path.join(await writeTree({}), 'npmrc');
    await writeFile(secretFile, `@private:registry=${registry.url}\n${registry.authLine}\n`);
  });

  afterAll(async () => {
    registry?.server.close();
    if (docker) await removeTestResources(docker, runId, prefix);
    if (secretFile) await rm(path.dirname(secretFile), { recursive: true, force: true });
  });

  const build = (extra: string[], cwd = root, env: NodeJS.ProcessEnv = {}) =>
    runBin(['--json', '--tag', `${prefix}{app}:t`, '--base-image', testBaseImage, ...extra], {
      cwd,
      env,
    });

  it("fails the install with the registry's 401 when no secret is given", async () => {
    // First, so no successful install of this fixture is in the cache: secrets are not part of the cache key.
    const result = await build([]);
    expect(result.code).toBe(1);
    const output = JSON.parse(result.stdout) as {
      results: { status: string; error: string; logTail: string[] }[];
    };
    expect(output.results[0]!.status).toBe('failed');
    expect([output.results[0]!.error, ...output.results[0]!.logTail].join('\n')).toMatch(/401/);
    expect(registry.requests.some((request) => request.status === 401)).toBe(true);
  });

  it('installs from the private registry with --secret id=npmrc and leaves the token in no layer, history or config', async () => {
    const result = await build(['--secret', `id=npmrc,src=${secretFile}`]);
    expect(result.stderr).not.toContain('error:');
    expect(result.code, result.stdout).toBe(0);
    expect(
      registry.requests.some((request) => request.url.endsWith('.tgz') && request.status === 200),
    ).toBe(true);

    const tag = `${prefix}app:t`;
    expect(await runApp(tag)).toContain(message);
    await expectTokenAbsent(tag);
  });

  it('passes --secret id=npm_token,env=NPM_TOKEN as $NPM_TOKEN, for an npmrc secret that reads it', async () => {
    // pnpm ignores ${VAR} in the auth settings of the workspace's .npmrc (it is committed), so
    // the template goes in as the npmrc secret; it holds no token itself.
    const template = path.join(path.dirname(secretFile), 'npmrc-template');
    await writeFile(template, `${registry.authLine.replace(token, '${NPM_TOKEN}')}\n`);
    const envRoot = await writeFixture(
      registry,
      `${runId}-env`,
      '1.0.1',
      `@private:registry=${registry.url}\n`,
    );
    const before = registry.requests.length;
    const result = await build(
      ['--secret', `id=npmrc,src=${template}`, '--secret', 'id=npm_token,env=NPM_TOKEN'],
      envRoot,
      { NPM_TOKEN: token },
    );
    expect(result.code, result.stdout).toBe(0);
    expect(
      registry.requests
        .slice(before)
        .some((request) => request.url.endsWith('.tgz') && request.status === 200),
    ).toBe(true);
    const tag = `${prefix}app:t`;
    expect(await runApp(tag)).toContain(message);
    await expectTokenAbsent(tag);
  });

  it('routes a token written in the workspace .npmrc through the npmrc secret: installs, and the canary is in no layer of the runtime or of the install stage, nor in any output', async () => {
    // The common case: the repository's own .npmrc holds the token, and no --secret is given.
    const tokenRoot = await writeFixture(
      registry,
      `${runId}-workspace-npmrc`,
      '1.0.2',
      `@private:registry=${registry.url}\n${registry.authLine}\n`,
    );
    const report = path.join(tokenRoot, 'report.html');
    const before = registry.requests.length;
    const result = await build(['--report', report], tokenRoot);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // The package came from the registry with the token (a version no earlier test fetched).
    expect(
      registry.requests
        .slice(before)
        .some((request) => request.url.endsWith('secret-lib-1.0.2.tgz') && request.status === 200),
    ).toBe(true);
    const tag = `${prefix}app:t`;
    expect(await runApp(tag)).toContain(message);
    await expectTokenAbsent(tag);
    // The dev target builds on the install stage (<app>-deps), the only stage the .npmrc
    // enters: its layers hold no token either.
    const dev = await build(['--dev', '--report', report], tokenRoot);
    expect(dev.code, dev.stdout + dev.stderr).toBe(0);
    await expectTokenAbsent(`${prefix}app-dev:t`, false);
    // Nor does anything the tool printed, reported or wrote.
    const generated = await runBin(['generate'], { cwd: tokenRoot });
    expect(generated.code, generated.stderr).toBe(0);
    expect(generated.stderr).toContain('1 credential line left out');
    const dryRun = await build(['--dry-run'], tokenRoot);
    for (const text of [
      result.stdout,
      result.stderr,
      dev.stdout,
      dev.stderr,
      generated.stdout,
      generated.stderr,
      dryRun.stdout,
      dryRun.stderr,
      await readFile(report, 'utf8'),
      await readFile(path.join(tokenRoot, 'docker/Dockerfile'), 'utf8'),
      await readFile(path.join(tokenRoot, 'docker/npmrc'), 'utf8'),
    ])
      expect(text).not.toContain(token);
    expect(await readFile(path.join(tokenRoot, 'docker/npmrc'), 'utf8')).toBe(
      `${npmrcHeader}\n@private:registry=${registry.url}\n`,
    );
  });

  it("gives an app's build the buildSecrets it lists as variables, and keeps them out of every layer, history and output", async () => {
    // unkey's dashboard checks VAULT_TOKEN and DATABASE_PASSWORD at build time.
    const buildScript = [
      "const fs = require('fs'), crypto = require('crypto');",
      "fs.mkdirSync('dist', { recursive: true });",
      'const value = process.env.BUILD_TOKEN;',
      "const seen = value === undefined ? 'unset' : crypto.createHash('sha256').update(value).digest('hex');",
      "fs.writeFileSync('dist/main.js', `console.log('seen ' + ${JSON.stringify(seen)});\\n`);",
    ].join('\n');
    const secretRoot = await writeTree({
      'package.json': fixtureRootManifest(`${runId}-build-secret`),
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
      'apps/vault/package.json': {
        name: '@fx/vault',
        version: '1.0.0',
        private: true,
        main: 'dist/main.js',
        scripts: { build: 'node build.js' },
        buildImages: { buildSecrets: ['BUILD_TOKEN'] },
      },
      'apps/vault/build.js': buildScript,
    });
    lockWorkspace(secretRoot, { offline: true });
    const result = await build(['--secret', 'id=BUILD_TOKEN,env=BUILD_TOKEN'], secretRoot, {
      BUILD_TOKEN: token,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).not.toContain('warning: --secret');
    const tag = `${prefix}vault:t`;
    expect(await runApp(tag)).toContain(`seen ${createHash('sha256').update(token).digest('hex')}`);
    await expectTokenAbsent(tag, false);
    const dockerfile = await build(['--dry-run'], secretRoot);
    for (const text of [result.stdout, result.stderr, dockerfile.stdout, dockerfile.stderr])
      expect(text).not.toContain(token);
    expect(dockerfile.stdout).toContain('--mount=type=secret,id=BUILD_TOKEN');
  });

  it('refuses a --secret whose file is missing or whose variable is unset, before any build (exit 2)', async () => {
    const missing = await build([
      '--secret',
      `id=npmrc,src=${path.join(os.tmpdir(), `${runId}-missing`)}`,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--secret npmrc: cannot read/);
    const unset = await runBin(['--secret', 'id=npm_token,env=BUILD_IMAGES_UNSET_TOKEN'], {
      cwd: root,
      env: { BUILD_IMAGES_UNSET_TOKEN: '' },
    });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(
      /--secret npm_token: the environment variable BUILD_IMAGES_UNSET_TOKEN is not set/,
    );
  });
});
