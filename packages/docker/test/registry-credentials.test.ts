import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRegistryCredentials, toEngineAuthConfig } from '../src/registry-credentials.js';

let dir: string;
let binDir: string;

const base64 = (text: string) => Buffer.from(text).toString('base64');

async function writeConfig(name: string, config: object): Promise<string> {
  const file = path.join(dir, name, 'config.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(config));
  return file;
}

/** An env whose PATH finds the fake helpers first. */
const helperEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${binDir}${path.delimiter}${process.env['PATH'] ?? ''}`,
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'build-images-creds-'));
  binDir = path.join(dir, 'bin');
  await mkdir(binDir);
  // A helper that answers for every server URL, echoing the URL it read on stdin as the user.
  const helpers: Record<string, string> = {
    'docker-credential-test':
      '#!/bin/sh\n[ "$1" = get ] || exit 2\nread -r url\nprintf \'{"ServerURL":"%s","Username":"helper:%s","Secret":"s3cret"}\\n\' "$url" "$url"\n',
    'docker-credential-token':
      '#!/bin/sh\ncat >/dev/null\necho \'{"ServerURL":"x","Username":"<token>","Secret":"refresh-me"}\'\n',
    'docker-credential-empty':
      '#!/bin/sh\ncat >/dev/null\necho "credentials not found in native keychain"\nexit 1\n',
    'docker-credential-broken':
      '#!/bin/sh\ncat >/dev/null\necho "keychain is locked" >&2\nexit 3\n',
  };
  for (const [name, script] of Object.entries(helpers)) {
    await writeFile(path.join(binDir, name), script);
    await chmod(path.join(binDir, name), 0o755);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveRegistryCredentials', () => {
  it('decodes a base64 auth entry, matching keys with or without a scheme and path', async () => {
    const configPath = await writeConfig('auths', {
      auths: {
        'http://127.0.0.1:5000/v2/': { auth: base64('ci:pa:ss') },
        'ghcr.io': { username: 'bot', password: 'pw' },
        'https://index.docker.io/v1/': { auth: base64('hub:hubpw') },
      },
    });
    expect(await resolveRegistryCredentials('127.0.0.1:5000', { configPath })).toEqual({
      username: 'ci',
      password: 'pa:ss',
      source: `${configPath} (auths)`,
    });
    expect(await resolveRegistryCredentials('https://ghcr.io', { configPath })).toMatchObject({
      username: 'bot',
      password: 'pw',
    });
    for (const hub of ['docker.io', 'index.docker.io', 'https://index.docker.io/v1/']) {
      expect(await resolveRegistryCredentials(hub, { configPath })).toMatchObject({
        username: 'hub',
        password: 'hubpw',
      });
    }
    expect(await resolveRegistryCredentials('quay.io', { configPath })).toBeUndefined();
  });

  it('reads an identity token, and turns credentials into the engine auth config', async () => {
    const configPath = await writeConfig('token', {
      auths: { 'registry.example.com': { identitytoken: 'idt' } },
    });
    const credentials = await resolveRegistryCredentials('registry.example.com', { configPath });
    expect(credentials).toMatchObject({ identityToken: 'idt' });
    expect(toEngineAuthConfig('registry.example.com', credentials)).toEqual({
      identitytoken: 'idt',
      serveraddress: 'registry.example.com',
    });
    expect(toEngineAuthConfig('docker.io', { username: 'u', password: 'p', source: 'x' })).toEqual({
      username: 'u',
      password: 'p',
      serveraddress: 'https://index.docker.io/v1/',
    });
    expect(toEngineAuthConfig('docker.io', undefined)).toEqual({});
  });

  it('finds config.json through DOCKER_CONFIG, and is anonymous without one', async () => {
    const configPath = await writeConfig('env', {
      auths: { 'r.example.com': { auth: base64('a:b') } },
    });
    expect(
      await resolveRegistryCredentials('r.example.com', {
        env: { DOCKER_CONFIG: path.dirname(configPath) },
      }),
    ).toMatchObject({ username: 'a' });
    expect(
      await resolveRegistryCredentials('r.example.com', {
        env: { DOCKER_CONFIG: path.join(dir, 'nowhere') },
      }),
    ).toBeUndefined();
  });

  it('runs the credHelpers helper for that registry with the server URL on stdin, before credsStore and auths', async () => {
    const configPath = await writeConfig('helpers', {
      auths: { '127.0.0.1:5000': { auth: base64('file:pw') } },
      credHelpers: { '127.0.0.1:5000': 'test', 'docker.io': 'test' },
      credsStore: 'broken',
    });
    const env = helperEnv();
    expect(await resolveRegistryCredentials('127.0.0.1:5000', { configPath, env })).toEqual({
      username: 'helper:127.0.0.1:5000',
      password: 's3cret',
      source: 'docker-credential-test',
    });
    // Docker Hub's server URL is the v1 index address, as docker login stores it.
    expect(await resolveRegistryCredentials('docker.io', { configPath, env })).toMatchObject({
      username: 'helper:https://index.docker.io/v1/',
    });
  });

  it('uses credsStore when no credHelpers entry applies; "<token>" means an identity token; "not found" means anonymous', async () => {
    const env = helperEnv();
    const store = await writeConfig('store', {
      credsStore: 'token',
      credHelpers: { 'other.example.com': 'empty' },
    });
    expect(await resolveRegistryCredentials('ghcr.io', { configPath: store, env })).toEqual({
      identityToken: 'refresh-me',
      source: 'docker-credential-token',
    });
    expect(
      await resolveRegistryCredentials('other.example.com', { configPath: store, env }),
    ).toBeUndefined();
  });

  it('names the helper when it fails or is not installed', async () => {
    const env = helperEnv();
    const broken = await writeConfig('broken', { credHelpers: { 'ghcr.io': 'broken' } });
    await expect(
      resolveRegistryCredentials('ghcr.io', { configPath: broken, env }),
    ).rejects.toMatchObject({
      code: 'REGISTRY_CREDENTIALS_FAILED',
      message:
        'The credential helper docker-credential-broken failed for ghcr.io: exit code 3: keychain is locked',
      hint: expect.stringContaining(`${broken} names "broken" in credHelpers or credsStore`),
    });
    const missing = await writeConfig('missing', { credsStore: 'nosuchhelper' });
    await expect(
      resolveRegistryCredentials('ghcr.io', { configPath: missing, env }),
    ).rejects.toMatchObject({
      code: 'REGISTRY_CREDENTIALS_FAILED',
      message:
        'The credential helper docker-credential-nosuchhelper failed for ghcr.io: docker-credential-nosuchhelper was not found on PATH',
    });
  });

  it('lets explicit credentials win, and names a broken config file', async () => {
    const broken = path.join(dir, 'bad.json');
    await writeFile(broken, '{ nope');
    expect(
      await resolveRegistryCredentials('ghcr.io', {
        configPath: broken,
        override: { username: 'u', password: 'p' },
      }),
    ).toEqual({
      username: 'u',
      password: 'p',
      source: 'the command line',
    });
    await expect(
      resolveRegistryCredentials('ghcr.io', { configPath: broken }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(`The docker config ${broken} is not valid JSON`),
    });
  });
});
