import { describe, expect, it } from 'vitest';
import { splitNpmrc } from '../src/index.js';

describe('splitNpmrc', () => {
  it.each([
    '//registry.npmjs.org/:_authToken=npm_CANARY',
    '//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}',
    '//registry.example.com/npm/:_auth=dXNlcjpwYXNz',
    '//registry.example.com/:username=ci',
    '//registry.example.com/:_password=cGFzcw==',
    '//registry.example.com/:always-auth=true',
    '_authToken=npm_CANARY',
    '_auth = dXNlcjpwYXNz',
    'email=ci@example.com',
    'certfile=/etc/ssl/client.pem',
    '//registry.example.com/:keyfile=/etc/ssl/client.key',
    'registry=https://bob:PASSWD_CANARY@npm.acme.test/',
    '@acme:registry=https://token_CANARY@npm.acme.test/npm/',
    'https-proxy=http://proxyuser:PROXY_CANARY@proxy.test:3128/',
  ])('moves %s to the credentials', (line) => {
    const { settings, credentials } = splitNpmrc(`auto-install-peers=true\n${line}\n`);
    expect(credentials).toEqual([line.trim()]);
    expect(settings).toBe('auto-install-peers=true\n');
  });

  it('keeps settings, scoped registries and comments, in order', () => {
    const text = [
      '# registries',
      '@acme:registry=https://npm.pkg.github.com',
      'link-workspace-packages=true',
      '; old style comment',
      'strict-peer-dependencies=false',
      '',
    ].join('\n');
    expect(splitNpmrc(text)).toEqual({ settings: text, credentials: [] });
  });
});
