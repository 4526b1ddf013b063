import { isTestOnly } from './infer-app.js';
import {
  createWorkspaceGraph,
  dependencyClosure,
  type WorkspaceGraph,
} from './create-workspace-graph.js';
import type { AppKind } from './parse-app-config.js';
import type { BuildHints, PackageName, Workspace, WorkspacePackage } from './types.js';

/** The esbuild a `bundle` app without its own esbuild is bundled with. */
export const pinnedEsbuildVersion = '0.28.2';

/** Directories a build commonly writes, looked for after the build whatever the configs say. */
const commonOutputDirs = ['dist', 'build', 'lib'];

/** Directories of sources and tests left out of a runtime that runs built output. */
const sourceDirs = ['src', 'test', 'tests', '__tests__'];

/** `next start` from the deployed app directory: the command of Next.js apps without standalone output. */
export const nextStartCommand = ['node', 'node_modules/next/dist/bin/next', 'start'];

/** A workspace package the runtime ships, and the directories its build writes. */
export interface ShippedPackage {
  name: PackageName;
  dir: string;
  /** Copied from the build into the deployed tree when present, whatever `files` or ignore files say. */
  outputDirs: string[];
}

/** A package the build compiles (in its own package stage, or the app's build stage for the app). */
export interface BuiltPackage {
  name: PackageName;
  dir: string;
}

/** How an app is built and what its runtime ships, beyond its kind and command. */
export interface AppBuildFacts {
  /**
   * The build closure: the app's production workspace closure (dependencies,
   * optionalDependencies, peerDependencies, followed transitively), dependencies first and
   * the app last. These are built; workspace packages reached only through
   * devDependencies are installed but not built.
   */
  production: ShippedPackage[];
  /**
   * What the build stage builds, dependencies first: the production closure plus the
   * workspace packages its packages' builds use as devDependencies (a bundler plugin, a
   * shared config), followed the same way. Test helpers, mocks, e2e and storybook packages
   * are left out: tests do not run in the image, and their builds may need what it lacks.
   */
  built: BuiltPackage[];
  /** Directories of the app removed from the runtime: its sources and tests, when it runs built output. */
  pruneDirs: string[];
  /** For an app at the workspace root: the folders of the workspace's packages, which its deploy copies too. */
  packageFolders?: string[];
  /** The app manifest's `files` list (what pnpm would pack), when it has one. */
  files: string[] | undefined;
  /** Next.js output mode (kind next only): `standalone`, `server` (next start) or `export` (static). */
  nextOutput: NonNullable<BuildHints['nextOutput']> | undefined;
  /**
   * The environment variables of a conditional next.config `output` that the build does not
   * set (see resolveNextOutput): built for next start, with a note. Absent otherwise.
   */
  nextOutputCondition?: string[];
  /** For `bundle` apps without esbuild of their own: the esbuild version the build stage installs. */
  esbuild: string | undefined;
  /**
   * A package the runtime ships uses `@prisma/client`: a client generated to Prisma's default
   * place (`node_modules/.prisma` beside @prisma/client in pnpm's store) is carried from the
   * build into the deployed tree, which a deploy installs without it.
   */
  prismaClient: boolean;
  /**
   * The app's build script without the steps that need a live database (see
   * withoutDatabaseSteps): its build stage runs that instead, and a note says what was left out.
   */
  buildWithoutDatabase?: { script: string; dropped: string[] };
  /**
   * Code generation the build needs first, in dependency order: each production package's
   * codegen scripts (`generate`, `db:generate`, …) that its own build script does not already
   * run, and `prisma generate` for a package with a Prisma schema and no such script.
   */
  codegen: CodegenStep[];
}

export interface CodegenStep {
  packageName: PackageName;
  dir: string;
  /** A script of the package (`pnpm run <script>`), or the Prisma CLI (`prisma generate`). */
  run: { script: string } | { prisma: true };
}

/**
 * Script names that generate code a build compiles, run before `build`: first the install
 * scripts pnpm would have run (`postinstall: prisma generate`, `fumadocs-mdx`), which the
 * install stages cannot (they hold manifests, no sources).
 */
export const codegenScripts = [
  'install',
  'postinstall',
  'generate',
  'codegen',
  'db:generate',
  'prisma:generate',
  'generate:prisma',
  'gql:codegen',
] as const;

/** Whether a script line runs another script of the package (`pnpm generate`, `npm run generate`). */
function runsScript(line: string, script: string): boolean {
  const name = script.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[\\s;&|(])(?:pnpm|npm|yarn)(?:\\s+run)?\\s+${name}(?=$|[\\s;&|)])`).test(
    line,
  );
}

/**
 * Scripts named like code generation that write database migrations or read a live database
 * (`drizzle-kit generate`, `prisma migrate`, `kysely-codegen`): nothing a build compiles, and
 * the build has no database.
 */
const databaseTools =
  /(?:^|[\s;&|(/])(?:drizzle-kit|kysely-codegen|knex\s+migrate|sequelize|supabase\s+gen|prisma\s+(?:migrate|db)\b|typeorm\b.*\bmigration)/;

/** The code generation one package needs before its build. */
export function codegenOf(pkg: WorkspacePackage): CodegenStep[] {
  const build = pkg.scripts['build'] ?? '';
  const steps: CodegenStep[] = codegenScripts
    .filter(
      (script) =>
        pkg.scripts[script] !== undefined &&
        !runsScript(build, script) &&
        !databaseTools.test(pkg.scripts[script]!),
    )
    .map((script) => ({ packageName: pkg.name, dir: pkg.dir, run: { script } }));
  const usesPrisma = Object.values(pkg.dependencies).some(
    (deps) => deps !== undefined && ('prisma' in deps || '@prisma/client' in deps),
  );
  if (
    steps.length === 0 &&
    usesPrisma &&
    pkg.facts?.prismaSchema !== undefined &&
    !/prisma\s+generate/.test(build)
  )
    steps.push({ packageName: pkg.name, dir: pkg.dir, run: { prisma: true } });
  return steps;
}

/** The graph of production edges only: every dependency field but devDependencies. */
export function createProductionGraph(workspace: Workspace): WorkspaceGraph {
  return createWorkspaceGraph(
    workspace.packages.map((pkg) => {
      const { devDependencies: _dev, ...production } = pkg.dependencies;
      return { ...pkg, dependencies: production };
    }),
    {
      linkWorkspacePackages: workspace.linkWorkspacePackages,
      lockfileLinks: workspace.lockfileLinks,
    },
  ).graph;
}

/** The directories a package's build writes: tsconfig's outDir, main's directory, then the usual ones. */
export function outputDirsOf(pkg: WorkspacePackage): string[] {
  const main = pkg.main?.replace(/^\.\//, '');
  const mainDir = main?.includes('/') ? main.slice(0, main.indexOf('/')) : undefined;
  const dirs = [pkg.buildHints?.tsOutDir, mainDir, ...commonOutputDirs].filter(
    (dir): dir is string => dir !== undefined && dir !== '' && dir !== '.' && dir !== '..',
  );
  return [...new Set(dirs)];
}

/**
 * The build closure (see AppBuildFacts.built): from the production closure, every workspace
 * devDependency that is not a test helper, with its own closure, in the full graph's order.
 */
export function buildClosure(
  graph: WorkspaceGraph,
  productionGraph: WorkspaceGraph,
  pkg: WorkspacePackage,
): WorkspacePackage[] {
  if (!graph.has(pkg.name)) return [pkg];
  const members = new Set<PackageName>();
  const add = (name: PackageName): void => {
    if (members.has(name)) return;
    members.add(name);
    const production = productionDependencies(productionGraph, name);
    for (const dep of graph.get(name)?.dependencies ?? []) {
      if (production.has(dep)) add(dep);
      else {
        const node = graph.get(dep);
        // A devDependency that needs this package in turn (webstudio's css-engine, whose
        // stories use the design system built on it) closes a cycle: it builds after.
        if (node && !isTestOnly(node.package) && !reaches(graph, dep, pkg.name)) add(dep);
      }
    }
  };
  add(pkg.name);
  return dependencyClosure(graph, pkg.name)
    .map((node) => node.package)
    .filter((member) => members.has(member.name));
}

/** Whether `to` is in the dependency closure of `from` (itself included). */
function reaches(graph: WorkspaceGraph, from: PackageName, to: PackageName): boolean {
  return dependencyClosure(graph, from).some((node) => node.package.name === to);
}

/** Each production graph's dependencies by package, as sets: every build closure asks again. */
const productionSets = new WeakMap<WorkspaceGraph, Map<PackageName, ReadonlySet<PackageName>>>();

function productionDependencies(
  productionGraph: WorkspaceGraph,
  name: PackageName,
): ReadonlySet<PackageName> {
  let known = productionSets.get(productionGraph);
  if (known === undefined) productionSets.set(productionGraph, (known = new Map()));
  let dependencies = known.get(name);
  if (dependencies === undefined)
    known.set(name, (dependencies = new Set(productionGraph.get(name)?.dependencies ?? [])));
  return dependencies;
}

/** The packages of a build closure, as the plan keeps them. */
export function builtPackages(built: readonly WorkspacePackage[]): BuiltPackage[] {
  return built.map((member) => ({ name: member.name, dir: member.dir }));
}

/**
 * The output a Next.js app's build makes here. A conditional output (`SELF_HOST === "true" ?
 * "standalone" : undefined`) counts when the build sets what its condition reads: a variable
 * the app's buildArgs name, or NODE_ENV alone (production during next build). Otherwise that
 * build makes a plain `.next`, which next start runs (and would run a standalone one too).
 */
export function resolveNextOutput(
  hints: BuildHints | undefined,
  buildArgs: Readonly<Record<string, string>>,
): { output: NonNullable<BuildHints['nextOutput']>; unsetCondition?: string[] } {
  const output = hints?.nextOutput ?? 'standalone';
  const condition = hints?.nextOutputEnv;
  if (output === 'server' || condition === undefined) return { output };
  if (condition.length > 0 && condition.every((name) => name === 'NODE_ENV')) return { output };
  if (condition.some((name) => name in buildArgs)) return { output };
  return { output: 'server', unsetCondition: condition };
}

export function planAppBuild(
  graph: WorkspaceGraph,
  productionGraph: WorkspaceGraph,
  pkg: WorkspacePackage,
  kind: AppKind,
  command: readonly string[],
  keep: readonly string[],
): AppBuildFacts {
  const closure = productionGraph.has(pkg.name)
    ? dependencyClosure(productionGraph, pkg.name).map((node) => node.package)
    : [pkg];
  const production = closure.map((member) => ({
    name: member.name,
    dir: member.dir,
    outputDirs: outputDirsOf(member),
  }));
  const outputDirs = outputDirsOf(pkg);
  // Sources go only when the command runs a file in an output directory, and never a
  // directory the app lists in `files`, keeps or names in its command.
  const runsBuiltOutput = command
    .map((part) => part.replace(/^\.\//, ''))
    .some((part) => outputDirs.some((dir) => part === dir || part.startsWith(`${dir}/`)));
  const firstSegment = (entry: string) => entry.replace(/^\.\//, '').split('/')[0]!;
  const needed = new Set([
    ...outputDirs,
    ...(pkg.buildHints?.files ?? []).map(firstSegment),
    ...keep.map(firstSegment),
    ...command.map(firstSegment),
  ]);
  // An app at the workspace root (--apps .) has the workspace's other packages in its folder:
  // the deploy ships those it uses in node_modules, so their folders go.
  const packageFolders =
    pkg.dir === '.'
      ? [...graph.values()]
          .map((node) => firstSegment(node.package.dir))
          .filter((dir) => dir !== '.' && dir !== '..' && !needed.has(dir))
      : [];
  const pruneDirs =
    kind === 'node'
      ? [
          ...new Set([
            ...(runsBuiltOutput ? sourceDirs.filter((dir) => !needed.has(dir)) : []),
            ...packageFolders,
          ]),
        ]
      : [];
  const hasEsbuild = Object.values(pkg.dependencies).some(
    (deps) => deps !== undefined && 'esbuild' in deps,
  );
  const built = buildClosure(graph, productionGraph, pkg);
  const withoutDatabase = withoutDatabaseSteps(pkg.scripts);
  return {
    production,
    built: builtPackages(built),
    pruneDirs,
    ...(packageFolders.length > 0 && { packageFolders: [...new Set(packageFolders)] }),
    files: pkg.buildHints?.files,
    nextOutput: kind === 'next' ? (pkg.buildHints?.nextOutput ?? 'standalone') : undefined,
    esbuild: kind === 'bundle' && !hasEsbuild ? pinnedEsbuildVersion : undefined,
    prismaClient: closure.some(
      (member) =>
        '@prisma/client' in (member.dependencies.dependencies ?? {}) ||
        '@prisma/client' in (member.dependencies.optionalDependencies ?? {}),
    ),
    codegen: built.flatMap(codegenOf),
    ...(withoutDatabase !== undefined && { buildWithoutDatabase: withoutDatabase }),
  };
}

/**
 * An app's build script without its steps that need a live database (inbox-zero's `prisma
 * migrate deploy && next build`, as Vercel runs it; a `pnpm run db:migrate` step whose script
 * does): the script the image builds with, and the steps taken out. Undefined when no step
 * does, when every step does, or when the script is more than a plain `&&` chain (`;`, `||`,
 * a subshell), whose steps cannot be taken apart safely.
 */
export function withoutDatabaseSteps(
  scripts: Readonly<Record<string, string>>,
): { script: string; dropped: string[] } | undefined {
  const script = scripts['build'];
  if (script === undefined || /\|\||;|\n|[()`]|\$\(/.test(script)) return undefined;
  const steps = script.split('&&').map((step) => step.trim());
  const needsDatabase = (step: string) => {
    if (databaseTools.test(step)) return true;
    const run = /^(?:pnpm|npm|yarn)\s+(?:run\s+)?([\w:.-]+)$/.exec(step)?.[1];
    return run !== undefined && run !== 'build' && databaseTools.test(scripts[run] ?? '');
  };
  const dropped = steps.filter(needsDatabase);
  if (dropped.length === 0 || dropped.length === steps.length) return undefined;
  return { script: steps.filter((step) => !needsDatabase(step)).join(' && '), dropped };
}
