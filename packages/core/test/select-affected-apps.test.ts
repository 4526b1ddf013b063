import { describe, expect, it } from 'vitest';
import {
  diffDockerfileStages,
  owningPackage,
  selectAffectedApps,
  splitDockerfileStages,
  type AppSelection,
} from '../src/index.js';
import { aPlan, aPlannedPackage, anApp, modified, noChanges } from './builders.js';

const logger = aPlannedPackage('@acme/logger', 'packages/logger');
const shutdown = aPlannedPackage('@acme/shutdown', 'packages/shutdown');
const plan = aPlan([
  anApp('api', { packages: [logger, shutdown, aPlannedPackage('@acme/api', 'apps/api')] }),
  anApp('web'),
  anApp('worker', { packages: [logger, aPlannedPackage('@acme/worker', 'apps/worker')] }),
]);

/** The selected apps with their reasons; unselected apps left out. */
function selected(selections: AppSelection[]): Record<string, string[]> {
  return Object.fromEntries(
    selections.filter((entry) => entry.selected).map((entry) => [entry.app, entry.reasons]),
  );
}

describe('selectAffectedApps', () => {
  it('selects nothing when nothing changed, and still answers for every app', () => {
    const result = selectAffectedApps(plan, noChanges(plan));
    expect(result).toEqual([
      { app: 'api', selected: false, reasons: [] },
      { app: 'web', selected: false, reasons: [] },
      { app: 'worker', selected: false, reasons: [] },
    ]);
  });

  it('rebuilds only api when apps/api/src changes', () => {
    const inputs = noChanges(plan, { changedFiles: modified('apps/api/src/server.ts') });
    expect(selected(selectAffectedApps(plan, inputs))).toEqual({
      api: ['files apps/api/src/server.ts'],
    });
  });

  it('rebuilds every app whose closure holds a changed workspace package, naming the package', () => {
    const inputs = noChanges(plan, { changedFiles: modified('packages/logger/src/index.ts') });
    expect(selected(selectAffectedApps(plan, inputs))).toEqual({
      api: ['dependency @acme/logger changed (packages/logger/src/index.ts)'],
      worker: ['dependency @acme/logger changed (packages/logger/src/index.ts)'],
    });
  });

  it('rebuilds the apps whose builds read a changed file of a build input, a folder input by what lies below it', () => {
    const withInputs = aPlan([
      anApp('api', { buildInputs: ['lexicons/', 'tsconfig.base.json'] }),
      anApp('web', { buildInputs: ['tsconfig.base.json'] }),
      anApp('worker', { buildInputs: ['packages/bsync/proto/'] }),
    ]);
    const changed = (...files: string[]) =>
      selected(
        selectAffectedApps(withInputs, noChanges(withInputs, { changedFiles: modified(...files) })),
      );
    expect(changed('lexicons/com/atproto/repo.json')).toEqual({
      api: ['build input lexicons/com/atproto/repo.json changed'],
    });
    expect(changed('lexicons-old/x.json')).toEqual({});
    expect(changed('packages/bsync/proto/bsync.proto')).toEqual({
      worker: ['build input packages/bsync/proto/bsync.proto changed'],
    });
    expect(Object.keys(changed('tsconfig.base.json'))).toEqual(['api', 'web']);
  });

  it('lists three files of a package and counts the rest', () => {
    const inputs = noChanges(plan, {
      changedFiles: modified(...['a', 'b', 'c', 'd', 'e'].map((file) => `apps/web/${file}.ts`)),
    });
    expect(selected(selectAffectedApps(plan, inputs))).toEqual({
      web: ['files apps/web/a.ts, apps/web/b.ts, apps/web/c.ts and 2 more'],
    });
  });

  it('rebuilds every app when a global input changes, by path or by glob', () => {
    const inputs = noChanges(plan, {
      globalInputs: ['pnpm-workspace.yaml', 'patches/*'],
      changedFiles: modified('patches/express.patch'),
    });
    const result = selectAffectedApps(plan, inputs);
    expect(result.every((entry) => entry.selected)).toBe(true);
    expect(result[0]!.reasons).toEqual(['global input patches/express.patch']);
  });

  it('selects nothing for a changed file outside every package', () => {
    const inputs = noChanges(plan, { changedFiles: modified('README.md', 'docs/setup.md') });
    expect(selected(selectAffectedApps(plan, inputs))).toEqual({});
  });

  it('does not treat a sibling directory that shares a prefix as the app', () => {
    const inputs = noChanges(plan, { changedFiles: modified('apps/api-gateway/src/main.ts') });
    expect(selected(selectAffectedApps(plan, inputs))).toEqual({});
  });

  it('rebuilds only the apps whose importers resolve differently when the lockfile changes', () => {
    const inputs = noChanges(plan, {
      changedFiles: modified('pnpm-lock.yaml'),
      lockfileChanges: [{ importer: 'apps/worker', description: 'express 4.21.1 → 4.21.2' }],
    });
    expect(selected(selectAffectedApps(plan, inputs))).toEqual({
      worker: ['lockfile: express 4.21.1 → 4.21.2 for apps/worker'],
    });
  });

  it('rebuilds the users of a workspace package whose lockfile entry changed', () => {
    const inputs = noChanges(plan, {
      changedFiles: modified('pnpm-lock.yaml'),
      lockfileChanges: [{ importer: 'packages/logger', description: 'pino 9.0.0 → 9.1.0' }],
    });
    expect(Object.keys(selected(selectAffectedApps(plan, inputs)))).toEqual(['api', 'worker']);
  });

  it('selects nothing when the lockfile changed in a way that touches no importer', () => {
    const inputs = noChanges(plan, {
      changedFiles: modified('pnpm-lock.yaml'),
      lockfileChanges: [],
    });
    expect(selected(selectAffectedApps(plan, inputs))).toEqual({});
  });

  it('rebuilds only the apps whose Dockerfile stages changed, naming the stages', () => {
    const inputs = noChanges(plan, {
      changedFiles: modified('docker/Dockerfile'),
      changedDockerfileStages: new Set(['api-build', 'web-dev']),
    });
    expect(selected(selectAffectedApps(plan, inputs))).toEqual({
      api: ['docker/Dockerfile: stage api-build changed'],
    });
  });

  it('rebuilds every app when a shared stage or the header of the Dockerfile changes', () => {
    const inputs = noChanges(plan, { changedDockerfileStages: new Set(['', 'pnpm']) });
    const result = selectAffectedApps(plan, inputs);
    expect(result.map((entry) => entry.reasons)).toEqual([
      ['docker/Dockerfile: stages (header), pnpm changed'],
      ['docker/Dockerfile: stages (header), pnpm changed'],
      ['docker/Dockerfile: stages (header), pnpm changed'],
    ]);
  });

  it('gives each reason once and every reason that applies', () => {
    const inputs = noChanges(plan, {
      changedFiles: modified('apps/worker/src/main.ts', 'packages/logger/src/index.ts'),
      lockfileChanges: [
        { importer: 'apps/worker', description: 'express 4.21.1 → 4.21.2' },
        { importer: 'apps/worker', description: 'express 4.21.1 → 4.21.2' },
      ],
    });
    expect(selected(selectAffectedApps(plan, inputs))['worker']).toEqual([
      'dependency @acme/logger changed (packages/logger/src/index.ts)',
      'files apps/worker/src/main.ts',
      'lockfile: express 4.21.1 → 4.21.2 for apps/worker',
    ]);
  });
});

describe('owningPackage', () => {
  const packages = [
    aPlannedPackage('root', '.'),
    aPlannedPackage('@acme/api', 'apps/api'),
    aPlannedPackage('@acme/api-plugin', 'apps/api/plugins/auth'),
  ];

  it('gives a file to the deepest package that contains it', () => {
    expect(owningPackage('apps/api/plugins/auth/index.ts', packages)?.name).toBe(
      '@acme/api-plugin',
    );
    expect(owningPackage('apps/api/src/index.ts', packages)?.name).toBe('@acme/api');
  });

  it('never gives a file to the root package', () => {
    expect(owningPackage('README.md', packages)).toBeUndefined();
  });
});

describe('splitDockerfileStages', () => {
  it('splits by stage name, keeps the lines before the first FROM as the header', () => {
    const stages = splitDockerfileStages(
      ['ARG NODE_IMAGE=node:24', 'FROM ${NODE_IMAGE} AS base', 'RUN true', 'FROM base AS api'].join(
        '\n',
      ),
    );
    expect([...stages]).toEqual([
      ['', 'ARG NODE_IMAGE=node:24'],
      ['base', 'FROM ${NODE_IMAGE} AS base\nRUN true'],
      ['api', 'FROM base AS api'],
    ]);
  });

  it('names an unnamed stage by its position', () => {
    const stages = splitDockerfileStages('FROM node:24\nRUN true\n');
    expect([...stages.keys()]).toEqual(['', '#1']);
  });

  it('leaves comment lines out', () => {
    const stages = splitDockerfileStages('# header\nFROM node:24 AS base\n  # why\nRUN true\n');
    expect(stages.get('')).toBe('');
    expect(stages.get('base')).toBe('FROM node:24 AS base\nRUN true');
  });

  it('reads a stage per line only: CRLF endings, and no FROM across a line break', () => {
    const stages = splitDockerfileStages(
      'FROM node:24 AS base\r\nRUN a\r\n# c\r\nRUN b\r\nFROM\nbase AS api\nfrom base as web \n',
    );
    expect([...stages]).toEqual([
      ['', ''],
      ['base', 'FROM node:24 AS base\r\nRUN a\r\nRUN b\r\nFROM\nbase AS api'],
      ['web', 'from base as web'],
    ]);
  });
});

describe('diffDockerfileStages', () => {
  const before = [
    '# Generated',
    'FROM node:24 AS base',
    'FROM base AS api',
    'RUN build api',
    'FROM base AS worker',
    'RUN build worker',
  ].join('\n');

  it('reports the stage whose text changed, and only it', () => {
    const after = before.replace('RUN build api', 'RUN build api --prod');
    expect(diffDockerfileStages(before, after)).toEqual(new Set(['api']));
  });

  it('ignores a change to comments only', () => {
    const after = before.replace('# Generated', '# Generated by a newer version');
    expect(diffDockerfileStages(before, after)).toEqual(new Set());
  });

  it('reports added and removed stages', () => {
    const after = before
      .replace('FROM base AS worker\nRUN build worker', '')
      .concat('\nFROM base AS web\nRUN build web');
    expect(diffDockerfileStages(before, after)).toEqual(new Set(['worker', 'web']));
  });

  it('reports every stage when there was no Dockerfile before', () => {
    expect(diffDockerfileStages(undefined, before)).toEqual(new Set(['base', 'api', 'worker']));
  });
});
