import { describe, expect, it } from 'vitest';
import {
  createWorkspaceGraph,
  dependencyClosure,
  describeWorkspaceProblem,
  type PackageName,
} from '../src/index.js';
import { pkg } from './builders.js';

describe('createWorkspaceGraph', () => {
  it('links workspace: dependencies from every dependency field, aliases included', () => {
    const { graph, problems } = createWorkspaceGraph([
      pkg('@acme/api', 'apps/api', {
        dependencies: {
          dependencies: { '@acme/logger': 'workspace:*', fastify: '^5.0.0' },
          devDependencies: { '@acme/testing': 'workspace:^' },
          optionalDependencies: { log: 'workspace:@acme/logger@*' },
          peerDependencies: { '@acme/config': 'workspace:~' },
        },
      }),
      pkg('@acme/logger', 'packages/logger'),
      pkg('@acme/testing', 'packages/testing'),
      pkg('@acme/config', 'packages/config'),
    ]);
    expect(problems).toEqual([]);
    expect(graph.get('@acme/api' as PackageName)?.dependencies).toEqual([
      '@acme/config',
      '@acme/logger',
      '@acme/testing',
    ]);
  });

  it('links link: paths, and plain ranges only with linkWorkspacePackages, as pnpm does', () => {
    const packages = [
      pkg('app', 'apps/app', {
        dependencies: {
          dependencies: { util: '^1.2.0', old: '^2.0.0', shared: 'link:../../packages/shared' },
        },
      }),
      pkg('util', 'packages/util', { version: '1.4.0' }),
      pkg('old', 'packages/old', { version: '1.0.0' }),
      pkg('shared', 'packages/shared'),
    ];
    expect(createWorkspaceGraph(packages).graph.get('app' as PackageName)?.dependencies).toEqual([
      'shared',
    ]);
    expect(
      createWorkspaceGraph(packages, { linkWorkspacePackages: true }).graph.get(
        'app' as PackageName,
      )?.dependencies,
    ).toEqual(['shared', 'util']);
  });

  it('links npm: aliases of workspace packages with linkWorkspacePackages, as pnpm does', () => {
    const packages = [
      pkg('app', 'examples/app', {
        dependencies: {
          dependencies: { '@x/server': 'npm:@x/server', client: 'npm:@x/client@^2.0.0' },
        },
      }),
      pkg('@x/server', 'packages/server', { version: '11.0.0' }),
      pkg('@x/client', 'packages/client', { version: '11.0.0' }),
    ];
    expect(
      createWorkspaceGraph(packages, { linkWorkspacePackages: true }).graph.get(
        'app' as PackageName,
      )?.dependencies,
    ).toEqual(['@x/server']);
    expect(createWorkspaceGraph(packages).graph.get('app' as PackageName)?.dependencies).toEqual(
      [],
    );
  });

  it("follows the lockfile's links where pnpm linked what the specs alone would not", () => {
    const packages = [
      pkg('app', 'examples/app', {
        dependencies: { dependencies: { '@x/server': 'latest', ms: '^2.1.0' } },
      }),
      pkg('@x/server', 'packages/server', { version: '11.0.0' }),
    ];
    const lockfileLinks = new Map([['examples/app', new Map([['@x/server', 'packages/server']])]]);
    expect(
      createWorkspaceGraph(packages, { linkWorkspacePackages: false, lockfileLinks }).graph.get(
        'app' as PackageName,
      )?.dependencies,
    ).toEqual(['@x/server']);
  });

  it('orders a closure dependencies first, transitively, deterministically', () => {
    const { graph } = createWorkspaceGraph([
      pkg('app', 'apps/app', {
        dependencies: { dependencies: { b: 'workspace:*', a: 'workspace:*' } },
      }),
      pkg('a', 'packages/a', { dependencies: { dependencies: { c: 'workspace:*' } } }),
      pkg('b', 'packages/b', { dependencies: { dependencies: { c: 'workspace:*' } } }),
      pkg('c', 'packages/c'),
      pkg('unused', 'packages/unused'),
    ]);
    expect(dependencyClosure(graph, 'app' as PackageName).map((node) => node.package.name)).toEqual(
      ['c', 'a', 'b', 'app'],
    );
  });

  it('reports a dependency on a package the workspace does not have, naming the manifest', () => {
    const { problems } = createWorkspaceGraph([
      pkg('@acme/api', 'apps/api', {
        dependencies: { dependencies: { '@acme/missing': 'workspace:*' } },
      }),
    ]);
    expect(problems.map(describeWorkspaceProblem)).toEqual([
      'apps/api/package.json: "@acme/api" depends on "@acme/missing" (workspace:*), which is not a package of this workspace',
    ]);
  });

  it('reports a workspace: range the local version does not satisfy, or no range at all', () => {
    const { problems } = createWorkspaceGraph([
      pkg('app', 'apps/app', {
        dependencies: {
          dependencies: {
            lib: 'workspace:^2.0.0',
            ok: 'workspace:^1.0.0',
            any: 'workspace:*',
            caret: 'workspace:^',
            odd: 'workspace:banana',
          },
        },
      }),
      pkg('lib', 'packages/lib', { version: '1.0.0' }),
      pkg('ok', 'packages/ok', { version: '1.2.0' }),
      pkg('any', 'packages/any', { version: '3.0.0' }),
      pkg('caret', 'packages/caret', { version: '3.0.0' }),
      pkg('odd', 'packages/odd', { version: '1.0.0' }),
    ]);
    expect(problems.map(describeWorkspaceProblem)).toEqual([
      'apps/app/package.json: "app" depends on "lib" as workspace:^2.0.0, but the workspace has version 1.0.0 (pnpm install fails the same way: change the range or the package\'s version)',
      'apps/app/package.json: "app" depends on "odd" as workspace:banana, which is not a version range (use workspace:*, workspace:^ or a range such as workspace:^1.0.0)',
    ]);
  });

  it('reports duplicate names with both manifests', () => {
    const { problems } = createWorkspaceGraph([
      pkg('dup', 'packages/one'),
      pkg('dup', 'packages/two'),
    ]);
    expect(problems.map(describeWorkspaceProblem)).toEqual([
      'package name "dup" is used by more than one manifest: packages/one/package.json, packages/two/package.json',
    ]);
  });

  it('reports a cycle with its path', () => {
    const { problems } = createWorkspaceGraph([
      pkg('a', 'packages/a', { dependencies: { dependencies: { b: 'workspace:*' } } }),
      pkg('b', 'packages/b', { dependencies: { devDependencies: { a: 'workspace:*' } } }),
    ]);
    expect(problems.map(describeWorkspaceProblem)).toEqual(['dependency cycle: a → b → a']);
  });
});
