import type { PackageName, Workspace, WorkspacePackage } from '../src/index.js';

/** A workspace package for pure tests: `pkg('@acme/api', 'apps/api', { dependencies: {…} })`. */
export function pkg(
  name: string,
  dir: string,
  fields: Partial<Omit<WorkspacePackage, 'name' | 'dir'>> = {},
): WorkspacePackage {
  return {
    name: name as PackageName,
    version: '1.0.0',
    dir,
    manifestPath: `${dir}/package.json`,
    dependencies: {},
    main: 'dist/main.js',
    scripts: { build: 'tsc' },
    buildImages: undefined,
    ...fields,
  };
}

export function workspaceOf(packages: WorkspacePackage[]): Workspace {
  return {
    root: '/repo',
    packages,
    rootFiles: ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml'],
    linkWorkspacePackages: false,
    problems: [],
    warnings: [],
  };
}
