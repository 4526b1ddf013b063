import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildImagesError, exitCodeForError } from '@build-images/core';
import { connectDocker, contextStoreId, resolveDockerEndpoint } from '../src/connect-docker.js';

/** A temp HOME with a ~/.docker holding `config` and the named contexts (as `docker context create` writes them). */
async function dockerHome(
  options: {
    config?: unknown;
    contexts?: Record<
      string,
      { host: string; tls?: Record<string, string>; skipTlsVerify?: boolean }
    >;
  } = {},
) {
  const home = await mkdtemp(path.join(tmpdir(), 'build-images-docker-home-'));
  const configDir = path.join(home, '.docker');
  await mkdir(configDir, { recursive: true });
  if (options.config !== undefined)
    await writeFile(
      path.join(configDir, 'config.json'),
      typeof options.config === 'string' ? options.config : JSON.stringify(options.config),
    );
  for (const [name, context] of Object.entries(options.contexts ?? {})) {
    const id = createHash('sha256').update(name).digest('hex');
    const metaDir = path.join(configDir, 'contexts', 'meta', id);
    await mkdir(metaDir, { recursive: true });
    await writeFile(
      path.join(metaDir, 'meta.json'),
      JSON.stringify({
        Name: name,
        Metadata: {},
        Endpoints: {
          docker: { Host: context.host, SkipTLSVerify: context.skipTlsVerify ?? false },
        },
      }),
    );
    if (context.tls) {
      const tlsDir = path.join(configDir, 'contexts', 'tls', id, 'docker');
      await mkdir(tlsDir, { recursive: true });
      for (const [file, content] of Object.entries(context.tls))
        await writeFile(path.join(tlsDir, file), content);
    }
  }
  return { home, configDir };
}

function errorOf(run: () => unknown): BuildImagesError {
  try {
    run();
  } catch (error) {
    if (error instanceof BuildImagesError) return error;
    throw error;
  }
  throw new Error('expected a BuildImagesError');
}

describe('resolveDockerEndpoint: DOCKER_HOST', () => {
  const env = (host: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    HOME: '/nonexistent-home',
    DOCKER_HOST: host,
    ...extra,
  });

  it('takes unix sockets, defaulting an empty path to the local socket', () => {
    expect(resolveDockerEndpoint(env('unix:///run/user/1000/docker.sock')).options).toMatchObject({
      socketPath: '/run/user/1000/docker.sock',
      host: undefined,
    });
    expect(resolveDockerEndpoint(env('unix://')).options).toMatchObject({
      socketPath: '/var/run/docker.sock',
    });
  });

  it('takes tcp with the docker CLI default ports, plain without TLS variables', () => {
    expect(resolveDockerEndpoint(env('tcp://10.0.0.5:2375')).options).toMatchObject({
      protocol: 'http',
      host: '10.0.0.5',
      port: 2375,
      socketPath: undefined,
    });
    expect(resolveDockerEndpoint(env('tcp://docker.internal')).options).toMatchObject({
      protocol: 'http',
      host: 'docker.internal',
      port: 2375,
    });
    expect(resolveDockerEndpoint(env('tcp://[::1]:2999')).options).toMatchObject({
      host: '::1',
      port: 2999,
    });
  });

  it('uses https with the certificates of DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set', async () => {
    const certs = await mkdtemp(path.join(tmpdir(), 'build-images-certs-'));
    for (const file of ['ca.pem', 'cert.pem', 'key.pem'])
      await writeFile(path.join(certs, file), `${file} content`);
    const { options } = resolveDockerEndpoint(
      env('tcp://engine.example:2376', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }),
    );
    expect(options).toMatchObject({ protocol: 'https', host: 'engine.example', port: 2376 });
    expect(String(options.ca)).toBe('ca.pem content');
    expect(String(options.cert)).toBe('cert.pem content');
    expect(String(options.key)).toBe('key.pem content');
    expect(
      resolveDockerEndpoint(
        env('tcp://engine.example', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }),
      ).options.port,
    ).toBe(2376);
  });

  it('fails naming DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set and a certificate is missing', () => {
    const error = errorOf(() =>
      resolveDockerEndpoint(
        env('tcp://engine.example:2376', {
          DOCKER_TLS_VERIFY: '1',
          DOCKER_CERT_PATH: '/nonexistent-certs',
        }),
      ),
    );
    expect(error.message).toBe(
      'DOCKER_TLS_VERIFY is set but /nonexistent-certs/ca.pem cannot be read',
    );
    expect(error.hint).toContain('DOCKER_CERT_PATH');
    expect(exitCodeForError(error)).toBe(2);
  });

  it('takes ssh with user and port, and the ssh agent of SSH_AUTH_SOCK', () => {
    expect(
      resolveDockerEndpoint(
        env('ssh://deploy@build-host:2222', { SSH_AUTH_SOCK: '/tmp/agent.sock' }),
      ).options,
    ).toMatchObject({
      protocol: 'ssh',
      host: 'build-host',
      port: 2222,
      username: 'deploy',
      sshOptions: { agent: '/tmp/agent.sock' },
    });
    expect(resolveDockerEndpoint(env('ssh://build-host')).options).toMatchObject({
      protocol: 'ssh',
      port: 22,
      username: undefined,
    });
  });

  it.each([
    ['garbage', 'it has no scheme'],
    ['tcp://', 'it names no host'],
    ['http://x', 'the scheme "http://" is not one of unix://, tcp://, ssh://'],
    ['tcp://host:notaport', 'it does not parse as a URL'],
    ['tcp://host:2375/prefix', 'a path ("/prefix") is not supported'],
  ])(
    'rejects DOCKER_HOST=%s as malformed (exit 2), saying why, before connecting',
    async (value, why) => {
      const error = errorOf(() => resolveDockerEndpoint(env(value)));
      expect(error.code).toBe('ENGINE_CONFIG_INVALID');
      expect(error.message).toBe(`DOCKER_HOST=${value} is not an engine address: ${why}`);
      expect(error.hint).toContain('tcp://host:2375');
      expect(exitCodeForError(error)).toBe(2);
      await expect(connectDocker(env(value))).rejects.toMatchObject({
        code: 'ENGINE_CONFIG_INVALID',
      });
    },
  );

  it('wins over DOCKER_CONTEXT, as in the docker CLI', async () => {
    const { home } = await dockerHome({ contexts: { remote: { host: 'tcp://10.9.9.9:2375' } } });
    expect(
      resolveDockerEndpoint({ HOME: home, DOCKER_HOST: 'unix:///x.sock', DOCKER_CONTEXT: 'remote' })
        .options,
    ).toMatchObject({ socketPath: '/x.sock' });
  });
});

describe('resolveDockerEndpoint: docker contexts', () => {
  it('stores contexts under the sha256 of their name', () => {
    expect(contextStoreId('default')).toBe(
      '37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f',
    );
  });

  it('uses the local socket without DOCKER_HOST, DOCKER_CONTEXT or a config, and for the context "default"', async () => {
    const { home } = await dockerHome();
    expect(resolveDockerEndpoint({ HOME: home }).options).toMatchObject({
      socketPath: '/var/run/docker.sock',
    });
    expect(resolveDockerEndpoint({ HOME: home, DOCKER_CONTEXT: 'default' }).description).toBe(
      'the local socket /var/run/docker.sock',
    );
  });

  it('reads the context named by DOCKER_CONTEXT from ~/.docker/contexts/meta/<sha256>/meta.json', async () => {
    const { home } = await dockerHome({
      contexts: { 'ci-engine': { host: 'tcp://10.1.2.3:2375' } },
    });
    const endpoint = resolveDockerEndpoint({ HOME: home, DOCKER_CONTEXT: 'ci-engine' });
    expect(endpoint.options).toMatchObject({
      protocol: 'http',
      host: '10.1.2.3',
      port: 2375,
      socketPath: undefined,
    });
    expect(endpoint.description).toBe('docker context "ci-engine" (tcp://10.1.2.3:2375)');
  });

  it('reads currentContext from $DOCKER_CONFIG/config.json, with the context store beside it', async () => {
    const { configDir } = await dockerHome({
      config: { currentContext: 'sock' },
      contexts: { sock: { host: 'unix:///run/other/docker.sock' } },
    });
    expect(
      resolveDockerEndpoint({ HOME: '/nonexistent-home', DOCKER_CONFIG: configDir }).options,
    ).toMatchObject({ socketPath: '/run/other/docker.sock' });
    // DOCKER_CONTEXT wins over currentContext.
    expect(
      resolveDockerEndpoint({
        HOME: '/nonexistent-home',
        DOCKER_CONFIG: configDir,
        DOCKER_CONTEXT: 'default',
      }).options,
    ).toMatchObject({ socketPath: '/var/run/docker.sock' });
  });

  it('uses the TLS material the context stores in contexts/tls/<sha256>/docker', async () => {
    const { home } = await dockerHome({
      contexts: {
        secure: {
          host: 'tcp://engine.example:2376',
          tls: { 'ca.pem': 'the ca', 'cert.pem': 'the cert', 'key.pem': 'the key' },
        },
      },
    });
    const { options } = resolveDockerEndpoint({ HOME: home, DOCKER_CONTEXT: 'secure' });
    expect(options).toMatchObject({ protocol: 'https', host: 'engine.example', port: 2376 });
    expect([String(options.ca), String(options.cert), String(options.key)]).toEqual([
      'the ca',
      'the cert',
      'the key',
    ]);
  });

  it('fails naming an unknown context and where its name came from (exit 2)', async () => {
    const { home, configDir } = await dockerHome({ config: { currentContext: 'gone' } });
    const fromEnv = errorOf(() => resolveDockerEndpoint({ HOME: home, DOCKER_CONTEXT: 'nope' }));
    expect(fromEnv.message).toBe(
      `Docker context "nope" (from DOCKER_CONTEXT=nope) does not exist: there is no ${configDir}/contexts/meta/${contextStoreId('nope')}/meta.json`,
    );
    expect(fromEnv.hint).toContain('docker context ls');
    expect(exitCodeForError(fromEnv)).toBe(2);
    const fromConfig = errorOf(() => resolveDockerEndpoint({ HOME: home }));
    expect(fromConfig.message).toContain(
      `Docker context "gone" (from currentContext "gone" in ${configDir}/config.json) does not exist`,
    );
  });

  it('fails on a malformed host in a context, naming the context', async () => {
    const { home } = await dockerHome({ contexts: { broken: { host: 'garbage' } } });
    const error = errorOf(() => resolveDockerEndpoint({ HOME: home, DOCKER_CONTEXT: 'broken' }));
    expect(error.message).toBe(
      'The host of docker context "broken" (garbage) is not an engine address: it has no scheme',
    );
  });

  it('fails naming a docker config that is not JSON', async () => {
    const { home, configDir } = await dockerHome({ config: '{ not json' });
    const error = errorOf(() => resolveDockerEndpoint({ HOME: home }));
    expect(error.message).toContain(`the docker config ${configDir}/config.json is not valid JSON`);
  });
});

describe('connectDocker', () => {
  it('is one ENGINE_UNREACHABLE error (exit 3) naming the context when nothing answers there', async () => {
    const { home } = await dockerHome({ contexts: { dead: { host: 'tcp://127.0.0.1:1' } } });
    const error = await connectDocker({ HOME: home, DOCKER_CONTEXT: 'dead' }).then(
      () => undefined,
      (caught: unknown) => caught as BuildImagesError,
    );
    expect(error?.code).toBe('ENGINE_UNREACHABLE');
    expect(error?.message).toBe(
      'No Docker Engine answers at docker context "dead" (tcp://127.0.0.1:1): the connection was refused (ECONNREFUSED)',
    );
    expect(exitCodeForError(error!)).toBe(3);
  });
});
