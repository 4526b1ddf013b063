import { spawnSync } from 'node:child_process';
import { writeTree } from './write-tree.js';

/**
 * Writes pnpm-lock.yaml for a fixture workspace, as a user's `pnpm install` would.
 * `offline` for workspaces without third-party dependencies; the others resolve them from
 * the npm registry.
 */
export function lockWorkspace(root: string, { offline }: { offline: boolean }): void {
  const args = ['install', '--lockfile-only', ...(offline ? ['--offline'] : [])];
  const result = spawnSync('pnpm', args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`pnpm ${args.join(' ')} failed in ${root}: ${result.stderr}${result.stdout}`);
}

const copyBuild = 'mkdir -p dist && cp src/*.js dist/';

/**
 * The root package.json of a fixture workspace. `runId` goes into its version, which the
 * install stages keep: a run's layers are its own, and an earlier run's cache cannot answer.
 */
export function fixtureRootManifest(runId: string, packageManager = 'pnpm@10.34.9') {
  return { name: 'fixture', private: true, version: `0.0.0-${runId}`, packageManager };
}

/**
 * Three apps on one shared package, no third-party dependencies; `broken`'s build script
 * fails the way a compiler does (exit 7 after an error line). `description` makes a run's
 * layers its own (as the root version, which the install stages keep).
 */
export async function brokenAppWorkspace(description = 'fixture'): Promise<string> {
  const app = (name: string, build: string) => ({
    name: `@fx/${name}`,
    version: '1.0.0',
    type: 'module',
    main: 'dist/main.js',
    files: ['dist'],
    scripts: { build },
    dependencies: { '@fx/shared': 'workspace:*' },
  });
  const root = await writeTree({
    'package.json': fixtureRootManifest(description),
    'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
    'packages/shared/package.json': {
      name: '@fx/shared',
      version: '1.0.0',
      type: 'module',
      main: 'dist/index.js',
      files: ['dist'],
      scripts: { build: copyBuild },
    },
    'packages/shared/src/index.js': 'export const answer = 42;\n',
    'apps/alpha/package.json': app('alpha', copyBuild),
    'apps/alpha/src/main.js':
      "import { answer } from '@fx/shared';\nconsole.log('alpha', answer);\n",
    'apps/beta/package.json': app('beta', copyBuild),
    'apps/beta/src/main.js': "import { answer } from '@fx/shared';\nconsole.log('beta', answer);\n",
    'apps/broken/package.json': app(
      'broken',
      "echo 'src/main.ts(1,1): error TS1005: broken <on> purpose' >&2 && exit 7",
    ),
    'apps/broken/src/main.js': 'console.log("never built");\n',
  });
  lockWorkspace(root, { offline: true });
  return root;
}
