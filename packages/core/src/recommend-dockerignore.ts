import type { WorkspacePackage } from './types.js';

/**
 * The `.dockerignore` that `build-images generate` writes when a repository has none: what
 * no image build needs from a checkout. build-images' own contexts leave out node_modules,
 * VCS data and files that may hold secrets without it; plain `docker build` runs do not.
 * `dist` is left out only when no package without a build script ships a committed `dist`
 * (its `main` there): every other `dist` is stale output the image compiles again.
 */
export function recommendDockerignore(packages: readonly WorkspacePackage[]): string {
  const committedDist = packages.filter(
    (pkg) =>
      pkg.scripts['build'] === undefined &&
      pkg.main !== undefined &&
      /^(\.\/)?dist\//.test(pkg.main),
  );
  return [
    '# Written by `build-images generate` because the repository had no .dockerignore; it is never',
    '# overwritten, edit it freely. Kept out of every build context:',
    '# installed dependencies and version control,',
    '**/node_modules',
    '.git',
    '# what the image build makes again (stale copies from a checkout would reach the image),',
    ...(committedDist.length === 0
      ? ['**/dist']
      : [
          `# (not dist: ${committedDist.map((pkg) => pkg.dir).join(', ')} ship${committedDist.length === 1 ? 's' : ''} a committed dist without a build script)`,
        ]),
    '**/.next',
    '**/.turbo',
    '**/.cache',
    '**/coverage',
    '**/*.tsbuildinfo',
    '# logs, local environment files and keys (build-images leaves secrets out even without these).',
    '**/*.log',
    '**/.env',
    '**/.env.local',
    '**/.env.*.local',
    '**/*.pem',
    '**/*.key',
    '**/id_rsa*',
    '**/.ssh',
    '**/.aws',
    '',
  ].join('\n');
}
