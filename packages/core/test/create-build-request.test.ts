import { describe, expect, it } from 'vitest';
import {
  BuildImagesError,
  createBuildRequest,
  renderCacheFrom,
  stageCacheReference,
  stageCacheTargets,
  supervisorPath,
  supervisorSource,
  type BuildRequestOptions,
} from '../src/index.js';
import { aCombinedImage, aPlan, aPlannedPackage, anApp } from './builders.js';

const logger = aPlannedPackage('@acme/logger', 'packages/logger');
const api = anApp('api', {
  version: '2.3.0',
  tags: ['api:latest', 'api:2.3.0'],
  packages: [logger, aPlannedPackage('@acme/api', 'apps/api')],
});
const worker = anApp('worker', { version: undefined, tags: ['worker:latest'] });
const plan = aPlan([api, worker], {
  rootFiles: ['.npmrc', 'package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml'],
  combined: [aCombinedImage('all', ['api', 'worker'], ['all:latest'])],
});

function options(fields: Partial<BuildRequestOptions> = {}): BuildRequestOptions {
  return {
    root: '/repo',
    nodeImage: undefined,
    packageFiles: ['apps/api/package.json', 'apps/api/src/main.ts', 'packages/logger/index.ts'],
    lockfileSlices: new Map([
      ['api', { lockfile: 'lockfileVersion: api', rootManifest: '{"name":"api-root"}' }],
      ['worker', { lockfile: 'lockfileVersion: worker', rootManifest: '{"name":"worker-root"}' }],
    ]),
    buildArgs: {},
    labels: {},
    ...fields,
  };
}

describe('createBuildRequest', () => {
  it("builds an app's own target with its tags", () => {
    const request = createBuildRequest(plan, 'api', options());
    expect(request).toMatchObject({
      app: 'api',
      target: 'api',
      tags: ['api:latest', 'api:2.3.0'],
      dockerfile: 'docker/Dockerfile',
    });
  });

  it('sends the Dockerfile, the package files and the root files but the lockfile, root manifest and .npmrc, sorted', () => {
    const request = createBuildRequest(
      plan,
      'api',
      options({ packageFiles: ['packages/logger/index.ts', 'apps/api/package.json'] }),
    );
    expect(request.context).toMatchObject({
      root: '/repo',
      files: [
        'apps/api/package.json',
        'docker/Dockerfile',
        'packages/logger/index.ts',
        'pnpm-workspace.yaml',
      ],
    });
  });

  it("replaces the whole lockfile and root manifest by the app's slice, next to the Dockerfile", () => {
    expect(createBuildRequest(plan, 'api', options()).context.generated).toEqual([
      { path: 'docker/lockfiles/api/pnpm-lock.yaml', content: 'lockfileVersion: api' },
      { path: 'docker/lockfiles/api/package.json', content: '{"name":"api-root"}' },
    ]);
  });

  it('sends the .npmrc settings without credentials in place of the .npmrc, beside the Dockerfile', () => {
    const request = createBuildRequest(
      plan,
      'api',
      options({ npmrcSettings: 'auto-install-peers=true\n' }),
    );
    expect(request.context.files).not.toContain('.npmrc');
    expect(request.context.generated).toContainEqual({
      path: 'docker/npmrc',
      content: 'auto-install-peers=true\n',
    });
  });

  it('puts the slices beside a Dockerfile at the root', () => {
    const request = createBuildRequest({ ...plan, dockerfilePath: 'Dockerfile' }, 'api', options());
    expect(request.context.generated.map((file) => file.path)).toEqual([
      'lockfiles/api/pnpm-lock.yaml',
      'lockfiles/api/package.json',
    ]);
    expect(request.context.files).toContain('Dockerfile');
  });

  it('passes NODE_IMAGE only when a base image is given, with the extra build arguments', () => {
    expect(createBuildRequest(plan, 'api', options()).buildArgs).toEqual({});
    expect(
      createBuildRequest(
        plan,
        'api',
        options({ nodeImage: 'node:24-slim', buildArgs: { BUNDLE_IMAGE: 'distroless:24' } }),
      ).buildArgs,
    ).toEqual({ NODE_IMAGE: 'node:24-slim', BUNDLE_IMAGE: 'distroless:24' });
  });

  it('asks BuildKit for an inline cache and names cache sources only when told to', () => {
    const plain = createBuildRequest(plan, 'api', options({ cacheFrom: [] }));
    expect(plain.buildArgs).not.toHaveProperty('BUILDKIT_INLINE_CACHE');
    expect(plain).not.toHaveProperty('cacheFrom');

    const cached = createBuildRequest(
      plan,
      'api',
      options({ inlineCache: true, cacheFrom: ['ghcr.io/acme/api:latest'] }),
    );
    expect(cached.buildArgs).toEqual({ BUILDKIT_INLINE_CACHE: '1' });
    expect(cached.cacheFrom).toEqual(['ghcr.io/acme/api:latest']);
  });

  it('labels the image with its title, version and package; the package label cannot be overridden', () => {
    const request = createBuildRequest(
      plan,
      'api',
      options({
        labels: {
          'org.opencontainers.image.revision': 'abc123',
          'build-images.app': '@evil/other',
        },
      }),
    );
    expect(request.labels).toEqual({
      'org.opencontainers.image.title': 'api',
      'org.opencontainers.image.version': '2.3.0',
      'org.opencontainers.image.revision': 'abc123',
      'build-images.app': '@acme/api',
    });
  });

  it('gives no version label to an app without a version', () => {
    expect(createBuildRequest(plan, 'worker', options()).labels).not.toHaveProperty(
      'org.opencontainers.image.version',
    );
  });

  it('builds a combined image with every member slice and the supervisor', () => {
    const request = createBuildRequest(plan, 'all', options());
    expect(request).toMatchObject({ app: 'all', target: 'all', tags: ['all:latest'] });
    expect(request.context.generated).toEqual([
      { path: 'docker/lockfiles/api/pnpm-lock.yaml', content: 'lockfileVersion: api' },
      { path: 'docker/lockfiles/api/package.json', content: '{"name":"api-root"}' },
      { path: 'docker/lockfiles/worker/pnpm-lock.yaml', content: 'lockfileVersion: worker' },
      { path: 'docker/lockfiles/worker/package.json', content: '{"name":"worker-root"}' },
      { path: supervisorPath, content: supervisorSource },
    ]);
    expect(request.labels['build-images.app']).toBe('@acme/api,@acme/worker');
    expect(request.labels).not.toHaveProperty('org.opencontainers.image.version');
  });

  it('throws for a name that is neither an app nor a combined image', () => {
    expect(() => createBuildRequest(plan, 'nope', options())).toThrow(/neither an app/);
  });
});

describe('renderCacheFrom', () => {
  it('puts the image name in place of {app}', () => {
    expect(
      renderCacheFrom(['ghcr.io/acme/{app}:latest', 'ghcr.io/acme/cache:{app}'], 'api-dev'),
    ).toEqual(['ghcr.io/acme/api-dev:latest', 'ghcr.io/acme/cache:api-dev']);
  });

  it('rejects any other placeholder as a usage error', () => {
    expect(() => renderCacheFrom(['ghcr.io/acme/{app}:{sha}'], 'api')).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('{sha}') }),
    );
  });

  it('rejects a rendered reference that is not valid', () => {
    const render = () => renderCacheFrom(['ghcr.io/Acme/{app}'], 'api');
    expect(render).toThrow(BuildImagesError);
    expect(render).toThrow(expect.objectContaining({ code: 'IMAGE_REFERENCE_INVALID' }));
  });
});

describe('stage caches (--cache-to)', () => {
  it("names the app's intermediate stages: package stages, install, build and production", () => {
    expect(stageCacheTargets(plan, api)).toEqual(['api-deps', 'api-build', 'api-prod']);
  });

  it('puts each stage beside the reference as <tag>-<stage>, latest when it has no tag', () => {
    expect(stageCacheReference('ghcr.io/acme/api:main', 'api-deps')).toBe(
      'ghcr.io/acme/api:main-api-deps',
    );
    expect(stageCacheReference('127.0.0.1:5000/acme/api', 'pkg-logger')).toBe(
      '127.0.0.1:5000/acme/api:latest-pkg-logger',
    );
  });

  it('refuses a stage tag longer than a tag may be, naming it', () => {
    expect(() => stageCacheReference(`ghcr.io/acme/api:${'m'.repeat(120)}`, 'api-build')).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('at most 128') }),
    );
  });
});
