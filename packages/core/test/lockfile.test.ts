import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  BuildImagesError,
  describeLockfileChange,
  diffLockfileImporters,
  LOCKFILE_SETTINGS_CHANGE,
  digestLockfileSlice,
  sliceLockfile,
  parseLockfile,
  workspaceLinks,
  resolveImporter,
} from '../src/index.js';

// A small v9 lockfile as pnpm 10 writes it: a peer-suffixed snapshot (react-dom), an alias in
// an importer (string-width-cjs) and in a snapshot (@isaacs/cliui), scoped packages, an
// optional dependency, a workspace link, a file: directory and a git dependency whose URL
// holds an '@'. apps/api and apps/worker share debug → ms; apps/web shares nothing with them.
const base = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    devDependencies:
      typescript:
        specifier: ~5.9.3
        version: 5.9.3

  apps/api:
    dependencies:
      '@acme/logger':
        specifier: workspace:*
        version: link:../../packages/logger
      express:
        specifier: ^4.21.1
        version: 4.21.1
      string-width-cjs:
        specifier: npm:string-width@^4.2.0
        version: string-width@4.2.3
    devDependencies:
      '@types/node':
        specifier: ^24.10.0
        version: 24.10.0
    optionalDependencies:
      fsevents:
        specifier: ^2.3.3
        version: 2.3.3

  apps/web:
    dependencies:
      '@acme/logger':
        specifier: workspace:*
        version: link:../../packages/logger
      react:
        specifier: ^18.2.0
        version: 18.2.0
      react-dom:
        specifier: ^18.2.0
        version: 18.2.0(react@18.2.0)

  apps/worker:
    dependencies:
      '@isaacs/cliui':
        specifier: ^8.0.2
        version: 8.0.2
      debug:
        specifier: ^2.6.9
        version: 2.6.9
      local-lib:
        specifier: file:vendor/local-lib
        version: file:vendor/local-lib
      tiny-git:
        specifier: git+ssh://git@github.com/acme/tiny-git.git#abc123
        version: git+ssh://git@github.com/acme/tiny-git.git#abc123

  packages/logger:
    dependencies:
      left-pad:
        specifier: ^1.3.0
        version: 1.3.0

packages:

  '@isaacs/cliui@8.0.2':
    resolution: {integrity: sha512-cliui}
    engines: {node: '>=12'}

  '@types/node@24.10.0':
    resolution: {integrity: sha512-types-node}

  ansi-regex@5.0.1:
    resolution: {integrity: sha512-ansi-regex}
    engines: {node: '>=8'}

  debug@2.6.9:
    resolution: {integrity: sha512-debug}

  express@4.21.1:
    resolution: {integrity: sha512-express}
    engines: {node: '>= 0.10.0'}

  fsevents@2.3.3:
    resolution: {integrity: sha512-fsevents}
    os: [darwin]

  js-tokens@4.0.0:
    resolution: {integrity: sha512-js-tokens}

  left-pad@1.3.0:
    resolution: {integrity: sha512-left-pad}

  local-lib@file:vendor/local-lib:
    resolution: {directory: vendor/local-lib, type: directory}

  loose-envify@1.4.0:
    resolution: {integrity: sha512-loose-envify}
    hasBin: true

  ms@2.0.0:
    resolution: {integrity: sha512-ms-2.0.0}

  react-dom@18.2.0:
    resolution: {integrity: sha512-react-dom}
    peerDependencies:
      react: ^18.2.0

  react@18.2.0:
    resolution: {integrity: sha512-react}
    engines: {node: '>=0.10.0'}

  scheduler@0.23.2:
    resolution: {integrity: sha512-scheduler}

  string-width@4.2.3:
    resolution: {integrity: sha512-string-width}

  strip-ansi@6.0.1:
    resolution: {integrity: sha512-strip-ansi}

  tiny-git@git+ssh://git@github.com/acme/tiny-git.git#abc123:
    resolution: {commit: abc123, repo: git@github.com:acme/tiny-git.git, type: git}

  typescript@5.9.3:
    resolution: {integrity: sha512-typescript}
    hasBin: true

  undici-types@7.16.0:
    resolution: {integrity: sha512-undici-types}

snapshots:

  '@isaacs/cliui@8.0.2':
    dependencies:
      string-width-cjs: string-width@4.2.3
      strip-ansi: 6.0.1

  '@types/node@24.10.0':
    dependencies:
      undici-types: 7.16.0

  ansi-regex@5.0.1: {}

  debug@2.6.9:
    dependencies:
      ms: 2.0.0

  express@4.21.1:
    dependencies:
      debug: 2.6.9

  fsevents@2.3.3:
    optional: true

  js-tokens@4.0.0: {}

  left-pad@1.3.0: {}

  local-lib@file:vendor/local-lib: {}

  loose-envify@1.4.0:
    dependencies:
      js-tokens: 4.0.0

  ms@2.0.0: {}

  react-dom@18.2.0(react@18.2.0):
    dependencies:
      loose-envify: 1.4.0
      react: 18.2.0
      scheduler: 0.23.2

  react@18.2.0:
    dependencies:
      loose-envify: 1.4.0

  scheduler@0.23.2:
    dependencies:
      loose-envify: 1.4.0

  string-width@4.2.3:
    dependencies:
      strip-ansi: 6.0.1

  strip-ansi@6.0.1:
    dependencies:
      ansi-regex: 5.0.1

  tiny-git@git+ssh://git@github.com/acme/tiny-git.git#abc123: {}

  typescript@5.9.3: {}

  undici-types@7.16.0: {}
`;

const file = 'pnpm-lock.yaml';
const lockfile = (text: string) => parseLockfile(text, file);

/** Replaces text that must be there, so a fixture edit cannot silently do nothing. */
function edit(text: string, ...pairs: [string, string][]): string {
  return pairs.reduce((result, [from, to]) => {
    expect(result).toContain(from);
    return result.replaceAll(from, to);
  }, text);
}

/** ms 2.0.0 → 2.0.1: a transitive dependency of apps/api (express → debug) and apps/worker. */
const msUpgraded = edit(base, ['ms@2.0.0', 'ms@2.0.1'], ['ms: 2.0.0', 'ms: 2.0.1']);

/** apps/web gains nanoid. */
const webGainsNanoid = edit(
  base,
  [
    `        version: 18.2.0(react@18.2.0)\n`,
    `        version: 18.2.0(react@18.2.0)\n      nanoid:\n        specifier: ^3.3.7\n        version: 3.3.7\n`,
  ],
  [`  ms@2.0.0:\n`, `  nanoid@3.3.7:\n    resolution: {integrity: sha512-nanoid}\n\n  ms@2.0.0:\n`],
  [`  ms@2.0.0: {}\n`, `  ms@2.0.0: {}\n\n  nanoid@3.3.7: {}\n`],
);

describe('parseLockfile', () => {
  it('names the file and the position when the YAML does not parse', () => {
    const broken = edit(base, ['      express:\n', '      express: [\n']);
    const error = catchError(() => parseLockfile(broken, 'apps/../pnpm-lock.yaml'));
    expect(error).toBeInstanceOf(BuildImagesError);
    expect(error).toMatchObject({ code: 'LOCKFILE_INVALID' });
    expect(error.message).toMatch(/^apps\/\.\.\/pnpm-lock\.yaml:\d+:\d+: not valid YAML: /);
    expect(error.hint).toContain('pnpm install');
  });

  it('names the file when the lockfile version is not 9', () => {
    for (const [yaml, shown] of [
      [`'6.0'`, '"6.0"'],
      ['5.4', '5.4'],
    ] as const) {
      const old = edit(base, [`lockfileVersion: '9.0'`, `lockfileVersion: ${yaml}`]);
      const error = catchError(() => lockfile(old));
      expect(error).toMatchObject({ code: 'LOCKFILE_INVALID' });
      expect(error.message).toBe(`pnpm-lock.yaml: lockfileVersion ${shown} is not supported`);
      expect(error.hint).toContain('regenerate it with pnpm 9 or 10');
    }
  });

  it('rejects a lockfile without importers or with a malformed dependency', () => {
    expect(catchError(() => lockfile(`lockfileVersion: '9.0'\n`)).message).toBe(
      'pnpm-lock.yaml: "importers" must be a mapping',
    );
    const malformed = edit(base, ['        version: 4.21.1\n', '']);
    expect(catchError(() => lockfile(malformed)).message).toBe(
      'pnpm-lock.yaml: importers["apps/api"].dependencies["express"] must have a string specifier and version',
    );
  });

  it('reads the last document of a multi-document lockfile', () => {
    const env = `---\nlockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    configDependencies: {}\n---\n`;
    expect(resolveImporter(lockfile(env + base), 'apps/api').has('express')).toBe(true);
  });
});

describe('workspaceLinks', () => {
  it('maps each importer dependency on link: to the directory it points at, from the root', () => {
    const links = workspaceLinks(lockfile(base));
    expect(links.get('apps/api')?.get('@acme/logger')).toBe('packages/logger');
    expect([...links.keys()].every((id) => id !== '.')).toBe(true);
  });
});

describe('resolveImporter', () => {
  it('follows every dependency field transitively, by real package name, without workspace links', () => {
    expect(Object.fromEntries(resolveImporter(lockfile(base), 'apps/api'))).toEqual({
      '@types/node': ['24.10.0'],
      'ansi-regex': ['5.0.1'],
      debug: ['2.6.9'],
      express: ['4.21.1'],
      fsevents: ['2.3.3'],
      ms: ['2.0.0'],
      'string-width': ['4.2.3'],
      'strip-ansi': ['6.0.1'],
      'undici-types': ['7.16.0'],
    });
  });

  it('keeps peer suffixes, aliases in snapshots, file: and git dependencies', () => {
    const parsed = lockfile(base);
    expect(resolveImporter(parsed, 'apps/web').get('react-dom')).toEqual(['18.2.0(react@18.2.0)']);
    expect([...resolveImporter(parsed, 'apps/web').keys()]).toEqual([
      'js-tokens',
      'loose-envify',
      'react',
      'react-dom',
      'scheduler',
    ]);
    const worker = resolveImporter(parsed, 'apps/worker');
    expect(worker.get('string-width')).toEqual(['4.2.3']);
    expect(worker.has('string-width-cjs')).toBe(false);
    expect(worker.get('local-lib')).toEqual(['file:vendor/local-lib']);
    expect(worker.get('tiny-git')).toEqual(['git+ssh://git@github.com/acme/tiny-git.git#abc123']);
  });

  it('lists every resolved version of a package, sorted', () => {
    const twoMs = edit(
      base,
      [`      debug: 2.6.9\n\n  fsevents`, `      debug: 2.6.9\n      ms: 2.1.3\n\n  fsevents`],
      [`  ms@2.0.0: {}\n`, `  ms@2.0.0: {}\n\n  ms@2.1.3: {}\n`],
    );
    expect(resolveImporter(lockfile(twoMs), 'apps/api').get('ms')).toEqual(['2.0.0', '2.1.3']);
  });

  it('resolves an unknown importer to nothing', () => {
    expect(resolveImporter(lockfile(base), 'apps/missing').size).toBe(0);
  });

  it('reads the real lockfile of this repository', () => {
    const text = readFileSync(join(import.meta.dirname, '../../../pnpm-lock.yaml'), 'utf8');
    const real = parseLockfile(text, 'pnpm-lock.yaml');
    expect(resolveImporter(real, 'apps/api').has('fastify')).toBe(true);
    expect(resolveImporter(real, 'apps/worker').has('fastify')).toBe(false);
    expect(resolveImporter(real, 'apps/worker').has('zod')).toBe(true);
  });
});

describe('diffLockfileImporters', () => {
  it('reports a transitive upgrade for exactly the importers that install it', () => {
    const changes = diffLockfileImporters(lockfile(base), lockfile(msUpgraded));
    const msChange = [{ name: 'ms', before: ['2.0.0'], after: ['2.0.1'] }];
    expect(Object.fromEntries(changes)).toEqual({ 'apps/api': msChange, 'apps/worker': msChange });
    expect(describeLockfileChange(msChange[0]!)).toBe('ms 2.0.0 → 2.0.1');
  });

  it('reports an upgrade only reachable from one importer for that importer only', () => {
    const upgraded = edit(
      base,
      ['scheduler@0.23.2', 'scheduler@0.23.3'],
      ['scheduler: 0.23.2', 'scheduler: 0.23.3'],
    );
    expect(Object.fromEntries(diffLockfileImporters(lockfile(base), lockfile(upgraded)))).toEqual({
      'apps/web': [{ name: 'scheduler', before: ['0.23.2'], after: ['0.23.3'] }],
    });
  });

  it('reports a removed dependency for its importer only', () => {
    const removed = edit(
      base,
      [
        `    optionalDependencies:\n      fsevents:\n        specifier: ^2.3.3\n        version: 2.3.3\n`,
        '',
      ],
      [`  fsevents@2.3.3:\n    resolution: {integrity: sha512-fsevents}\n    os: [darwin]\n\n`, ''],
      [`  fsevents@2.3.3:\n    optional: true\n\n`, ''],
    );
    const changes = diffLockfileImporters(lockfile(base), lockfile(removed));
    expect(Object.fromEntries(changes)).toEqual({
      'apps/api': [{ name: 'fsevents', before: ['2.3.3'], after: [] }],
    });
    expect(describeLockfileChange(changes.get('apps/api')![0]!)).toBe('removed fsevents 2.3.3');
  });

  it('reports an added importer with its packages, and an added package', () => {
    const added = edit(base, [
      `  packages/logger:\n`,
      `  apps/admin:\n    dependencies:\n      react:\n        specifier: ^18.2.0\n        version: 18.2.0\n\n  packages/logger:\n`,
    ]);
    const changes = diffLockfileImporters(lockfile(base), lockfile(added));
    expect([...changes.keys()]).toEqual(['apps/admin']);
    expect(changes.get('apps/admin')?.map(describeLockfileChange)).toEqual([
      'added js-tokens 4.0.0',
      'added loose-envify 1.4.0',
      'added react 18.2.0',
    ]);
    expect([...diffLockfileImporters(lockfile(base), lockfile(webGainsNanoid)).keys()]).toEqual([
      'apps/web',
    ]);
  });

  it('reports every importer when a lockfile-wide setting or override changes', () => {
    const overridden = edit(base, [`importers:\n`, `overrides:\n  ms: 2.0.0\n\nimporters:\n`]);
    const changes = diffLockfileImporters(lockfile(base), lockfile(overridden));
    expect([...changes.keys()]).toEqual([
      '.',
      'apps/api',
      'apps/web',
      'apps/worker',
      'packages/logger',
    ]);
    for (const importerChanges of changes.values()) {
      expect(importerChanges).toEqual([
        { name: LOCKFILE_SETTINGS_CHANGE, before: [], after: ['overrides: {"ms":"2.0.0"}'] },
      ]);
    }
    expect(describeLockfileChange(changes.get('apps/web')![0]!)).toBe(
      'lockfile settings changed: overrides',
    );

    const settings = edit(base, ['autoInstallPeers: true', 'autoInstallPeers: false']);
    const settingsChange = diffLockfileImporters(lockfile(base), lockfile(settings)).get('.');
    expect(settingsChange).toEqual([
      {
        name: LOCKFILE_SETTINGS_CHANGE,
        before: ['settings: {"autoInstallPeers":true,"excludeLinksFromLockfile":false}'],
        after: ['settings: {"autoInstallPeers":false,"excludeLinksFromLockfile":false}'],
      },
    ]);
  });

  it('reports every importer when there was no lockfile before', () => {
    const changes = diffLockfileImporters(undefined, lockfile(base));
    expect([...changes.keys()]).toEqual([
      '.',
      'apps/api',
      'apps/web',
      'apps/worker',
      'packages/logger',
    ]);
    expect(changes.get('packages/logger')?.map(describeLockfileChange)).toEqual([
      'no lockfile before',
    ]);
  });

  it('reports nothing for an identical lockfile', () => {
    expect(diffLockfileImporters(lockfile(base), lockfile(base)).size).toBe(0);
  });
});

describe('sliceLockfile', () => {
  const api = ['apps/api', 'packages/logger'];
  const manifest = '{"name":"root","private":true}\n';
  const slice = (text: string, ids: readonly string[]) =>
    sliceLockfile(lockfile(text), ids, manifest).lockfile;

  it('keeps the settings, the root and named importers, and exactly their closure', () => {
    const doc = parse(slice(base, api)) as Record<string, Record<string, unknown>>;
    expect(doc['settings']).toEqual({ autoInstallPeers: true, excludeLinksFromLockfile: false });
    expect(Object.keys(doc['importers']!)).toEqual(['.', 'apps/api', 'packages/logger']);
    expect(Object.keys(doc['packages']!)).toContain('express@4.21.1');
    expect(Object.keys(doc['snapshots']!)).toContain('debug@2.6.9');
    expect(Object.keys(doc['packages']!).some((key) => key.startsWith('react'))).toBe(false);
    const web = parse(slice(base, ['apps/web'])) as Record<string, Record<string, unknown>>;
    expect(Object.keys(web['snapshots']!)).toContain('react-dom@18.2.0(react@18.2.0)');
    expect(Object.keys(web['packages']!)).toContain('react-dom@18.2.0');
  });

  it('does not change when another importer gains a dependency', () => {
    expect(slice(webGainsNanoid, api)).toBe(slice(base, api));
    expect(slice(webGainsNanoid, ['apps/web'])).not.toBe(slice(base, ['apps/web']));
  });

  it('changes when a transitive dependency of the importer changes, and only then', () => {
    expect(slice(msUpgraded, api)).not.toBe(slice(base, api));
    expect(slice(msUpgraded, ['apps/web'])).toBe(slice(base, ['apps/web']));
  });

  it('gives the same bytes whatever the order of importer ids, and a digest of those bytes', () => {
    expect(slice(base, [...api].reverse())).toBe(slice(base, api));
    const one = sliceLockfile(lockfile(base), api, manifest);
    expect(digestLockfileSlice(one)).toBe(digestLockfileSlice({ ...one }));
    expect(digestLockfileSlice(one)).not.toBe(
      digestLockfileSlice({ ...one, rootManifest: '{}\n' }),
    );
  });

  it('marks a package optional only when the kept importers reach it through optional edges', () => {
    const doc = parse(slice(base, api)) as { snapshots: Record<string, { optional?: boolean }> };
    expect(doc.snapshots['fsevents@2.3.3']?.optional).toBe(true);
    expect(doc.snapshots['express@4.21.1']?.optional).toBeUndefined();
  });

  describe('packages for another operating system', () => {
    // A root devDependency with native binaries per platform, as esbuild, rollup, swc and turbo have.
    const platforms = ['darwin-arm64', 'linux-arm64', 'linux-x64', 'win32-x64'];
    const os = (platform: string) => platform.split('-')[0];
    const withBinaries = (versionOf: (platform: string) => string) =>
      edit(
        base,
        [
          `  .:\n    devDependencies:\n`,
          `  .:\n    devDependencies:\n      esbuild:\n        specifier: 0.25.0\n        version: 0.25.0\n`,
        ],
        [
          `  express@4.21.1:\n    resolution`,
          [
            ...platforms.map(
              (platform) =>
                `  '@esbuild/${platform}@${versionOf(platform)}':\n    resolution: {integrity: sha512-${platform}-${versionOf(platform)}}\n    os: [${os(platform)}]\n`,
            ),
            `  esbuild@0.25.0:\n    resolution: {integrity: sha512-esbuild}\n    hasBin: true\n`,
            `  express@4.21.1:\n    resolution`,
          ].join('\n'),
        ],
        [
          `snapshots:\n\n`,
          [
            `snapshots:\n`,
            ...platforms.map(
              (platform) =>
                `  '@esbuild/${platform}@${versionOf(platform)}':\n    optional: true\n`,
            ),
            `  esbuild@0.25.0:\n    optionalDependencies:\n${platforms.map((platform) => `      '@esbuild/${platform}': ${versionOf(platform)}\n`).join('')}`,
            '',
          ].join('\n'),
        ],
      );
    const pinned = withBinaries(() => '0.25.0');

    it('leaves them and the references to them out; Linux ones of every CPU stay', () => {
      const doc = parse(slice(pinned, api)) as {
        packages: Record<string, unknown>;
        snapshots: Record<string, { optionalDependencies?: Record<string, string> }>;
      };
      expect(Object.keys(doc.packages).filter((key) => key.startsWith('@esbuild/'))).toEqual([
        '@esbuild/linux-arm64@0.25.0',
        '@esbuild/linux-x64@0.25.0',
      ]);
      expect(doc.snapshots['esbuild@0.25.0']?.optionalDependencies).toEqual({
        '@esbuild/linux-arm64': '0.25.0',
        '@esbuild/linux-x64': '0.25.0',
      });
      // An importer's own optional dependency stays whatever its platform (pnpm checks it).
      expect(Object.keys(doc.packages)).toContain('fsevents@2.3.3');
    });

    it('gives every app the same slice when only they are re-resolved', () => {
      const darwinBumped = withBinaries((platform) =>
        platform.startsWith('linux') ? '0.25.0' : '0.25.1',
      );
      expect(slice(darwinBumped, api)).toBe(slice(pinned, api));
      expect(slice(darwinBumped, ['apps/web'])).toBe(slice(pinned, ['apps/web']));
      const linuxBumped = withBinaries((platform) =>
        platform === 'linux-x64' ? '0.25.1' : '0.25.0',
      );
      expect(slice(linuxBumped, ['apps/web'])).not.toBe(slice(pinned, ['apps/web']));
    });

    it('reads os as npm does: exclusions, and no os at all for every platform', () => {
      const excluded = edit(pinned, ['os: [linux]\n', "os: ['!win32']\n"]);
      expect(Object.keys(parse(slice(excluded, api)) as object)).toContain('packages');
      const packages = (text: string) =>
        Object.keys((parse(slice(text, api)) as { packages: object }).packages);
      expect(packages(excluded)).toContain('@esbuild/linux-x64@0.25.0');
      const notLinux = edit(pinned, [
        "'@esbuild/linux-x64@0.25.0':\n    resolution: {integrity: sha512-linux-x64-0.25.0}\n    os: [linux]",
        "'@esbuild/linux-x64@0.25.0':\n    resolution: {integrity: sha512-linux-x64-0.25.0}\n    os: ['!linux']",
      ]);
      expect(packages(notLinux)).not.toContain('@esbuild/linux-x64@0.25.0');
      const anyOs = edit(pinned, [
        'sha512-darwin-arm64-0.25.0}\n    os: [darwin]',
        'sha512-darwin-arm64-0.25.0}',
      ]);
      expect(packages(anyOs)).toContain('@esbuild/darwin-arm64@0.25.0');
    });
  });

  it('refuses an importer the lockfile does not have, naming it', () => {
    const error = catchError(() => sliceLockfile(lockfile(base), ['apps/missing'], manifest));
    expect(error.code).toBe('LOCKFILE_INVALID');
    expect(error.message).toContain('"apps/missing"');
  });

  it('drops root dependencies on local paths from the slice and the root manifest', () => {
    const withLocal = edit(base, [
      `    devDependencies:\n      typescript:`,
      `    devDependencies:\n      local-tool:\n        specifier: file:vendor/tool\n        version: file:vendor/tool\n      typescript:`,
    ]);
    const result = sliceLockfile(
      lockfile(withLocal),
      api,
      '{"devDependencies":{"local-tool":"file:vendor/tool","typescript":"~5.9.3"}}',
    );
    expect(result.lockfile).not.toContain('local-tool');
    expect(JSON.parse(result.rootManifest)).toEqual({ devDependencies: { typescript: '~5.9.3' } });
  });
  it("keeps an app at the root its links to the workspace packages it uses (--apps .), and no other app's slice changes", () => {
    const rootLinks = edit(base, [
      `    devDependencies:\n      typescript:`,
      `    dependencies:\n      '@acme/logger':\n        specifier: workspace:*\n        version: link:packages/logger\n    devDependencies:\n      typescript:`,
    ]);
    const manifest =
      '{"dependencies":{"@acme/logger":"workspace:*"},"devDependencies":{"typescript":"~5.9.3"}}';
    const rootApp = sliceLockfile(lockfile(rootLinks), ['.', 'packages/logger'], manifest);
    expect(rootApp.lockfile).toContain('version: link:packages/logger');
    expect(JSON.parse(rootApp.rootManifest).dependencies).toEqual({
      '@acme/logger': 'workspace:*',
    });
    // Another app's slice of the same lockfile leaves the root's link out, as before.
    const parsed = lockfile(rootLinks);
    const other = sliceLockfile(parsed, api, manifest);
    expect(other.lockfile).not.toContain('link:packages/logger');
    expect(JSON.parse(other.rootManifest).dependencies).toEqual({});
    expect(sliceLockfile(parsed, ['.', 'packages/logger'], manifest).lockfile).toBe(
      rootApp.lockfile,
    );
  });

  it('keeps of the root manifest only what pnpm installs from: no scripts, no tool settings', () => {
    const root = {
      name: 'monorepo',
      private: true,
      packageManager: 'pnpm@9.15.9',
      engines: { node: '>=20' },
      scripts: { postinstall: 'pnpm build', prepare: 'husky' },
      buildImages: { combined: [] },
      prettier: { semi: false },
      devDependencies: { typescript: '~5.9.3' },
      pnpm: { overrides: { ms: '2.1.3' } },
    };
    const kept = JSON.parse(sliceLockfile(lockfile(base), api, JSON.stringify(root)).rootManifest);
    expect(kept).toEqual({
      name: 'monorepo',
      private: true,
      packageManager: 'pnpm@9.15.9',
      engines: { node: '>=20' },
      devDependencies: { typescript: '~5.9.3' },
      pnpm: { overrides: { ms: '2.1.3' } },
    });
    // So a new root script or tool setting leaves every install stage cached.
    const edited = { ...root, scripts: { lint: 'eslint .' }, buildImages: { combined: [{}] } };
    expect(sliceLockfile(lockfile(base), api, JSON.stringify(edited)).rootManifest).toBe(
      sliceLockfile(lockfile(base), api, JSON.stringify(root)).rootManifest,
    );
  });
});

function catchError(run: () => unknown): BuildImagesError {
  try {
    run();
  } catch (error) {
    if (error instanceof BuildImagesError) return error;
    throw error;
  }
  throw new Error('expected a BuildImagesError');
}
