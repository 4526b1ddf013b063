import type {
  AffectedInputs,
  AppName,
  AppPlan,
  BuildPlan,
  CombinedPlan,
  FileChange,
  PackageName,
  PlannedPackage,
  Workspace,
  WorkspacePackage,
} from '../src/index.js';
import { defaultParallelSteps, pinnedNodeImages } from '../src/index.js';

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

/**
 * One app of a plan, as planBuilds would make it for a node app at `apps/<name>` with no
 * workspace dependencies: `anApp('api', { packages: [...] })`.
 */
export function anApp(name: string, fields: Partial<AppPlan> = {}): AppPlan {
  const dir = fields.dir ?? `apps/${name}`;
  const packageName = fields.packageName ?? (`@acme/${name}` as PackageName);
  return {
    name: name as AppName,
    packageName,
    version: '1.0.0',
    dir,
    kind: 'node',
    baseImage: undefined,
    keep: [],
    buildArgs: {},
    entry: undefined,
    devCommand: ['pnpm', 'run', 'dev'],
    packages: [{ name: packageName, dir }],
    port: undefined,
    healthPath: undefined,
    command: ['node', 'dist/main.js'],
    detection: { reasons: ['under apps/'], commandSource: '"main"' },
    production: [{ name: packageName, dir, outputDirs: ['dist'] }],
    pruneDirs: [],
    files: undefined,
    nextOutput: undefined,
    esbuild: undefined,
    prismaClient: false,
    codegen: [],
    prebuild: [],
    buildSecrets: [],
    nativeAddons: [],
    built: [{ name: packageName, dir }],
    buildInputs: [],
    tags: [],
    ...fields,
  };
}

/** A workspace package as an app's closure lists it: `aPlannedPackage('@acme/logger', 'packages/logger')`. */
export function aPlannedPackage(name: string, dir: string): PlannedPackage {
  return { name: name as PackageName, dir };
}

/** A combined image running `apps` under the supervisor. */
export function aCombinedImage(name: string, apps: string[], tags: string[] = []): CombinedPlan {
  return { name: name as AppName, apps: apps as AppName[], tags };
}

/** A plan of `apps` (all selected) with the default Dockerfile path and root files. */
export function aPlan(apps: AppPlan[], fields: Partial<BuildPlan> = {}): BuildPlan {
  const combined = fields.combined ?? [];
  return {
    apps,
    combined,
    packageStages: [],
    selected: [...apps.map((app) => app.name), ...combined.map((image) => image.name)],
    rootFiles: ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml'],
    dockerfilePath: 'docker/Dockerfile',
    needsConfig: [],
    pnpm: { version: '10.34.9', major: 10, source: 'default' },
    node: { ...pinnedNodeImages[24]!, major: 24, source: 'default' },
    parallelSteps: defaultParallelSteps,
    ...fields,
  };
}

/**
 * The inputs of selectAffectedApps for `plan` with nothing changed: its apps' workspace
 * packages, pnpm-workspace.yaml as the one global input, the lockfile unchanged.
 */
export function noChanges(plan: BuildPlan, fields: Partial<AffectedInputs> = {}): AffectedInputs {
  const packages = new Map<string, { name: PackageName; dir: string }>();
  for (const app of plan.apps) for (const dep of app.packages) packages.set(dep.dir, dep);
  return {
    changedFiles: [],
    packages: [...packages.values()],
    globalInputs: ['pnpm-workspace.yaml'],
    lockfilePath: 'pnpm-lock.yaml',
    lockfileChanges: undefined,
    changedDockerfileStages: undefined,
    ...fields,
  };
}

/** Modified files, as getChangedFiles reports them. */
export function modified(...paths: string[]): FileChange[] {
  return paths.map((path) => ({ path, status: 'modified' }));
}
