import { collectBuildInputs } from './collect-build-inputs.js';
import { dependencyClosure, type WorkspaceGraph } from './create-workspace-graph.js';
import { toImageName } from './image-name.js';
import {
  buildClosure,
  builtPackages,
  codegenOf,
  outputDirsOf,
  type BuiltPackage,
  type CodegenStep,
  type ShippedPackage,
} from './plan-app-build.js';
import { plannedPackage } from './planned-package.js';
import type { PackageName } from './types.js';

/**
 * A workspace package that some app's build needs compiled: it gets stages of its own
 * (`<stage>-deps` installs its closure from its own lockfile slice, `<stage>` compiles it),
 * so it compiles once however many apps use it, BuildKit compiles independent packages in
 * parallel, and its compile reruns only when its own closure's inputs change.
 */
export interface PackageStage {
  /** The compile stage's name (`pkg-acme-logger`); its install stage is `<stage>-deps`. */
  stage: string;
  name: PackageName;
  dir: string;
  /** The install closure: every workspace package it reaches, dependencies first, itself last. */
  packages: { name: PackageName; dir: string }[];
  /** Its build closure (see AppBuildFacts.built), itself last. */
  built: BuiltPackage[];
  /** Root files outside the closure its builds read (root tsconfigs, the config's buildInputs). */
  buildInputs: string[];
  /** Code generation its closure needs before the compile, in dependency order. */
  codegen: CodegenStep[];
  /** Native addons of its install (filled in with the lockfile's, as for apps). */
  nativeAddons: string[];
  /** The directories its build writes, put in its packed files whatever `files` says. */
  outputDirs: string[];
}

/** Whether pnpm's `run --if-present build` does anything for the package. */
export function hasBuildScript(graph: WorkspaceGraph, name: PackageName): boolean {
  return graph.get(name)?.package.scripts['build'] !== undefined;
}

/**
 * The package stages the apps need: every package with a build script in an app's build
 * closure other than the app itself. Stage names are `pkg-` and the package's image name,
 * made unique against each other and against `taken` (the apps' own stage names).
 */
export function planPackageStages(
  graph: WorkspaceGraph,
  productionGraph: WorkspaceGraph,
  apps: readonly { packageName: PackageName; built: readonly BuiltPackage[] }[],
  configuredBuildInputs: readonly string[],
  taken: ReadonlySet<string>,
): PackageStage[] {
  const wanted = new Set<PackageName>();
  for (const app of apps)
    for (const member of app.built)
      if (member.name !== app.packageName && hasBuildScript(graph, member.name))
        wanted.add(member.name);
  const used = new Set(taken);
  const stages: PackageStage[] = [];
  for (const name of [...wanted].sort()) {
    const pkg = graph.get(name)!.package;
    const base = `pkg-${toImageName(name) ?? 'package'}`;
    let stage = base;
    for (
      let n = 2;
      used.has(stage) || used.has(`${stage}-deps`) || used.has(`${stage}-packed`);
      n++
    )
      stage = `${base}-${n}`;
    used.add(stage);
    used.add(`${stage}-deps`);
    used.add(`${stage}-packed`);
    const built = builtPackages(buildClosure(graph, productionGraph, pkg));
    const closure = dependencyClosure(graph, name);
    stages.push({
      stage,
      name,
      dir: pkg.dir,
      packages: closure.map((node) => plannedPackage(node.package)),
      built,
      // What the Dockerfiles of the apps that compile it copy too (atproto's lexicons, which
      // a package's generator reads by a path built in code): the stage is the same for all.
      buildInputs: collectBuildInputs(
        graph,
        name,
        configuredBuildInputs,
        apps
          .filter((app) => app.built.some((member) => member.name === name))
          .flatMap((app) => graph.get(app.packageName)?.package.dockerfileInputs ?? []),
      ),
      codegen: built.flatMap((member) => codegenOf(graph.get(member.name)!.package)),
      nativeAddons: closure
        .filter((node) => node.package.facts?.nativeAddon === true)
        .map((node) => node.package.name),
      outputDirs: outputDirsOf(pkg),
    });
  }
  return dependenciesFirst(stages);
}

/**
 * The stages ordered so that each comes after the stages it copies from (ties by package
 * name): a Dockerfile's `COPY --from` may only name a stage defined above it.
 */
function dependenciesFirst(stages: PackageStage[]): PackageStage[] {
  const ordered: PackageStage[] = [];
  const seen = new Set<string>();
  const visit = (stage: PackageStage) => {
    if (seen.has(stage.stage)) return;
    seen.add(stage.stage);
    for (const dep of stagesOf(stages, stage.built, stage.name)) visit(dep);
    ordered.push(stage);
  };
  for (const stage of stages) visit(stage);
  return ordered;
}

/**
 * Each plan's stages by package name, built once per stage list: a 1,000-package workspace
 * asks for the stages of every app and every stage, and a fresh index per call made that
 * quadratic. A stage list is not changed once planned (only its stages' nativeAddons are
 * filled in, which neither index reads).
 */
const stagesByName = new WeakMap<readonly PackageStage[], Map<PackageName, PackageStage>>();

function indexOf(packageStages: readonly PackageStage[]): Map<PackageName, PackageStage> {
  let byName = stagesByName.get(packageStages);
  if (byName === undefined) {
    byName = new Map(packageStages.map((stage) => [stage.name, stage]));
    stagesByName.set(packageStages, byName);
  }
  return byName;
}

/** The package stages a build copies from: those of its build closure's packages but `self`. */
export function stagesOf(
  packageStages: readonly PackageStage[],
  built: readonly BuiltPackage[],
  self: PackageName,
): PackageStage[] {
  const byName = indexOf(packageStages);
  return built
    .filter((member) => member.name !== self)
    .flatMap((member) => byName.get(member.name) ?? []);
}

/**
 * Every package stage a build needs, directly or through another package stage, sorted by
 * stage name: what its target builds besides its own stages.
 */
export function stageClosure(
  packageStages: readonly PackageStage[],
  built: readonly BuiltPackage[],
  self: PackageName,
): PackageStage[] {
  // Asked for each app again and again (its stage names, its slices, its digest, its
  // selection): computed once per build closure and package.
  let byBuilt = closures.get(packageStages);
  if (byBuilt === undefined) closures.set(packageStages, (byBuilt = new WeakMap()));
  let bySelf = byBuilt.get(built);
  if (bySelf === undefined) byBuilt.set(built, (bySelf = new Map()));
  let closure = bySelf.get(self);
  if (closure === undefined)
    bySelf.set(self, (closure = computeStageClosure(packageStages, built, self)));
  return [...closure];
}

const closures = new WeakMap<
  readonly PackageStage[],
  WeakMap<readonly BuiltPackage[], Map<PackageName, readonly PackageStage[]>>
>();

function computeStageClosure(
  packageStages: readonly PackageStage[],
  built: readonly BuiltPackage[],
  self: PackageName,
): PackageStage[] {
  const found = new Map<string, PackageStage>();
  const visit = (from: readonly BuiltPackage[], name: PackageName) => {
    for (const stage of stagesOf(packageStages, from, name)) {
      if (found.has(stage.stage)) continue;
      found.set(stage.stage, stage);
      visit(stage.built, stage.name);
    }
  };
  visit(built, self);
  return [...found.values()].sort((a, b) => a.stage.localeCompare(b.stage));
}

/**
 * The compiled workspace packages an app's runtime ships, with the stage that compiles each:
 * the deploy takes only their manifests, and `<app>-packages` lays over it what each one's
 * `<stage>-packed` stage packed (so a change to one compiles, packs and copies again, and
 * deploys nothing).
 */
export function shippedPackageStages(
  packageStages: readonly PackageStage[],
  app: {
    packageName: PackageName;
    built: readonly BuiltPackage[];
    production: readonly ShippedPackage[];
    kind: string;
  },
): { pkg: ShippedPackage; stage: PackageStage }[] {
  if (app.kind !== 'node') return [];
  const compiled = new Map(
    stagesOf(packageStages, app.built, app.packageName).map((stage) => [stage.name, stage]),
  );
  return app.production.flatMap((pkg) => {
    const stage = compiled.get(pkg.name);
    return pkg.name !== app.packageName && stage !== undefined ? [{ pkg, stage }] : [];
  });
}
