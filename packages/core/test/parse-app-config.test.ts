import { describe, expect, it } from 'vitest';
import { nearest, parseAppConfig } from '../src/index.js';
import { pkg } from './builders.js';

const digest = `sha256:${'a'.repeat(64)}`;

/** The config of an app at apps/api whose manifest has `buildImages`. */
function parse(buildImages: unknown, fields: Parameters<typeof pkg>[2] = {}) {
  return parseAppConfig(pkg('@acme/api', 'apps/api', { buildImages, ...fields }));
}

/** The one problem a `buildImages` value has. */
function problemOf(buildImages: unknown): string {
  const { problems } = parse(buildImages);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe('parseAppConfig', () => {
  it('makes a node app with nothing set when there is no buildImages field', () => {
    expect(parse(undefined)).toEqual({
      config: {
        kind: 'node',
        port: undefined,
        healthPath: undefined,
        command: undefined,
        baseImage: undefined,
        keep: [],
        buildArgs: {},
        entry: undefined,
        app: undefined,
        buildInputs: [],
        prebuild: [],
        buildSecrets: [],
      },
      problems: [],
    });
  });

  it('makes an app that depends on next a next app', () => {
    const { config } = parse(undefined, { dependencies: { dependencies: { next: '15.0.0' } } });
    expect(config.kind).toBe('next');
  });

  it('lets buildImages.kind override the kind next implies', () => {
    const { config } = parse(
      { kind: 'node' },
      { dependencies: { dependencies: { next: '15.0.0' } } },
    );
    expect(config.kind).toBe('node');
  });

  it('keeps every valid field', () => {
    const { config, problems } = parse({
      kind: 'bundle',
      port: 3000,
      healthPath: '/health?deep=1',
      command: ['node', '--enable-source-maps', 'main.cjs'],
      baseImage: 'node:24.21.0-bookworm-slim',
      keep: ['node_modules/.prisma', 'assets'],
      buildArgs: { API_URL: 'https://api.example', NODE_ENV: 'production' },
      entry: './src/main.ts',
      buildSecrets: ['SENTRY_AUTH_TOKEN', 'VAULT_TOKEN'],
    });
    expect(problems).toEqual([]);
    expect(config).toEqual({
      kind: 'bundle',
      port: 3000,
      healthPath: '/health?deep=1',
      command: ['node', '--enable-source-maps', 'main.cjs'],
      baseImage: 'node:24.21.0-bookworm-slim',
      keep: ['node_modules/.prisma', 'assets'],
      buildArgs: { API_URL: 'https://api.example', NODE_ENV: 'production' },
      entry: 'src/main.ts',
      app: undefined,
      buildInputs: [],
      prebuild: [],
      buildSecrets: ['SENTRY_AUTH_TOKEN', 'VAULT_TOKEN'],
    });
  });

  it.each([[['npm_token']], [['MY TOKEN']], ['VAULT_TOKEN'], [[1]]])(
    'refuses buildSecrets that are no list of variable names (%j)',
    (buildSecrets) => {
      expect(problemOf({ buildSecrets })).toContain(
        'buildImages.buildSecrets must be a list of environment variable names',
      );
    },
  );

  it('accepts a base image pinned by digest', () => {
    expect(parse({ baseImage: `node@${digest}` }).config.baseImage).toBe(`node@${digest}`);
    expect(parse({ baseImage: `node:24@${digest}` }).config.baseImage).toBe(`node:24@${digest}`);
  });

  it.each([
    'NPM_TOKEN',
    'DB_PASSWORD',
    'STRIPE_SECRET',
    'API_KEY',
    'SENTRY_AUTH',
    'BASIC_AUTH',
    'GH_CREDENTIALS',
  ])('refuses a build argument named like a secret (%s), without repeating its value', (name) => {
    const message = problemOf({ buildArgs: { [name]: 'canary-value-123' } });
    expect(message).toContain(`${name} looks like a secret`);
    expect(message).toContain(
      `buildSecrets instead and give it with --secret id=${name},env=${name}`,
    );
    expect(message).not.toContain('canary-value-123');
  });

  it('accepts public build arguments, even named with KEY', () => {
    const { config, problems } = parse({
      buildArgs: {
        NEXT_PUBLIC_POSTHOG_KEY: 'phc_x',
        VITE_API_KEY: 'k',
        APP_ENV: 'prod',
        KEYBOARD: 'us',
        // Auth.js settings, no secrets (unkey's dashboard validates AUTH_PROVIDER at build).
        AUTH_PROVIDER: 'local',
        AUTH_URL: 'http://localhost:3000',
        AUTH_TRUST_HOST: 'true',
      },
    });
    expect(problems).toEqual([]);
    expect(Object.keys(config.buildArgs)).toEqual([
      'NEXT_PUBLIC_POSTHOG_KEY',
      'VITE_API_KEY',
      'APP_ENV',
      'KEYBOARD',
      'AUTH_PROVIDER',
      'AUTH_URL',
      'AUTH_TRUST_HOST',
    ]);
  });

  it('rejects buildImages that is not an object', () => {
    expect(problemOf(['node'])).toBe('apps/api/package.json: "buildImages" must be an object');
  });

  it('names the option a misspelt key was meant to be', () => {
    expect(problemOf({ prot: 3000 })).toBe(
      'apps/api/package.json: buildImages.prot is not a known option (did you mean "port"?) (known: kind, port, healthPath, command, baseImage, keep, buildArgs, entry, app, buildInputs, prebuild, buildSecrets)',
    );
  });

  it.each([
    [{ kind: 'deno' }, 'buildImages.kind must be one of node, next, bundle, got "deno"'],
    [{ port: 0 }, 'buildImages.port must be a whole number from 1 to 65535, got 0'],
    [{ port: 65536 }, 'buildImages.port must be a whole number from 1 to 65535'],
    [{ port: '3000' }, 'buildImages.port must be a whole number from 1 to 65535, got "3000"'],
    [
      { port: 80, healthPath: 'health' },
      'buildImages.healthPath must be a URL path starting with "/"',
    ],
    [{ port: 80, healthPath: "/h'" }, 'buildImages.healthPath must be a URL path'],
    [{ healthPath: '/health' }, 'buildImages.healthPath needs buildImages.port to be set too'],
    [{ command: 'node main.js' }, 'buildImages.command must be a non-empty array of strings'],
    [{ command: [] }, 'buildImages.command must be a non-empty array of strings'],
    [{ command: ['node', ''] }, 'buildImages.command must be a non-empty array of strings'],
    [{ baseImage: 'Node:24' }, 'buildImages.baseImage must be an image reference, got "Node:24"'],
    [{ baseImage: 'node' }, 'buildImages.baseImage "node" is not pinned'],
    [{ baseImage: 'node:latest' }, 'buildImages.baseImage "node:latest" is not pinned'],
    [
      { baseImage: '127.0.0.1:5000/node' },
      'buildImages.baseImage "127.0.0.1:5000/node" is not pinned',
    ],
    [{ keep: ['../secrets'] }, 'buildImages.keep must be a list of paths inside the app'],
    [{ keep: ['/etc/passwd'] }, 'buildImages.keep must be a list of paths inside the app'],
    [{ keep: ['my dir'] }, 'buildImages.keep must be a list of paths inside the app'],
    [{ keep: 'node_modules' }, 'buildImages.keep must be a list of paths inside the app'],
    [
      { buildArgs: { 'API-URL': 'x' } },
      'buildImages.buildArgs ("API-URL") must map NAMES to default values',
    ],
    [
      { buildArgs: { TOKEN: '$SECRET' } },
      'buildImages.buildArgs ("TOKEN") must map NAMES to default values',
    ],
    [{ buildArgs: { N: 1 } }, 'buildImages.buildArgs ("N") must map NAMES to default values'],
    [{ kind: 'bundle', entry: '../main.ts' }, 'buildImages.entry must be a path inside the app'],
    [{ entry: 'src/main.ts' }, 'buildImages.entry applies to kind "bundle" only'],
  ])('rejects %j, naming the manifest and the field', (buildImages, expected) => {
    const problem = problemOf(buildImages);
    expect(problem).toMatch(/^apps\/api\/package\.json: buildImages\./);
    expect(problem).toContain(expected);
  });

  it('reports every problem of a manifest at once, keeping the valid fields', () => {
    const { config, problems } = parse({ kind: 'deno', port: -1, keep: ['dist'] });
    expect(problems).toHaveLength(2);
    expect(config).toMatchObject({ kind: 'node', port: undefined, keep: ['dist'] });
  });
});

describe('nearest', () => {
  it('finds the closest candidate within three edits, ignoring case', () => {
    expect(nearest('HealthPath', ['port', 'healthPath'])).toBe('healthPath');
    expect(nearest('comand', ['command', 'kind'])).toBe('command');
  });

  it('finds nothing when every candidate is further than three edits away', () => {
    expect(nearest('environment', ['port', 'kind'])).toBeUndefined();
  });
});
