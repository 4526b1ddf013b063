import { describe, expect, it } from 'vitest';
import { testEngineAddress } from '../src/index.js';

describe('testEngineAddress', () => {
  it('uses the local socket without DOCKER_HOST', () => {
    expect(testEngineAddress({})).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(testEngineAddress({ DOCKER_HOST: '', DOCKER_CONTEXT: 'default' })).toEqual({
      socketPath: '/var/run/docker.sock',
    });
  });

  it('follows DOCKER_HOST to a unix socket or a plain tcp engine', () => {
    expect(testEngineAddress({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toEqual({
      socketPath: '/run/user/1000/docker.sock',
    });
    expect(testEngineAddress({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })).toEqual({
      host: '10.0.0.5',
      port: 2375,
    });
    expect(testEngineAddress({ DOCKER_HOST: 'tcp://[::1]' })).toEqual({ host: '::1', port: 2375 });
  });

  it.each([
    [{ DOCKER_HOST: 'ssh://ci@build-host' }, 'DOCKER_HOST=ssh://ci@build-host is not an engine'],
    [{ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1' }, 'with DOCKER_TLS_VERIFY=1'],
    [{ DOCKER_CONTEXT: 'remote' }, 'DOCKER_CONTEXT=remote is set without DOCKER_HOST'],
  ])('refuses %j, which the tests could not reach as the CLI does', (env, message) => {
    expect(() => testEngineAddress(env)).toThrow(message);
  });
});
