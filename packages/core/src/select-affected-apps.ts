import { isBuildInput } from './collect-build-inputs.js';
import { matchDirPattern } from './match-dir-pattern.js';
import type { AppPlan, BuildPlan } from './plan-builds.js';
import { shippedPackageStages, stageClosure, type PackageStage } from './plan-package-stages.js';
import type { AppName, PackageName } from './types.js';

export interface FileChange {
  path: string;
  status: 'added' | 'modified' | 'deleted';
}

/** A resolved third-party package that changed for one lockfile importer. */
export interface ImporterChange {
  /** The importer (a package directory, `.` for the root). */
  importer: string;
  /** Human-readable, e.g. `express 4.21.1 → 4.21.2`. */
  description: string;
  /** The one app it affects (its install input changed); absent: every app installing the importer. */
  app?: AppName;
}

export interface AffectedInputs {
  changedFiles: readonly FileChange[];
  /** Every workspace package but the root: a file belongs to the deepest one containing it. */
  packages: readonly { name: PackageName; dir: string }[];
  /** Paths or globs whose change affects every app. */
  globalInputs: readonly string[];
  lockfilePath: string;
  /** Per-importer changes when the lockfile changed; undefined when it did not. */
  lockfileChanges: readonly ImporterChange[] | undefined;
  /**
   * Dockerfile stages whose text changed (a stage name, or '' for the lines before the first
   * FROM); undefined when the Dockerfile did not change.
   */
  changedDockerfileStages: ReadonlySet<string> | undefined;
}

export interface AppSelection {
  app: AppName;
  selected: boolean;
  /** Why it was selected, most direct first; empty when not selected. */
  reasons: string[];
}

const listedFiles = 3;

function describeFiles(files: readonly string[]): string {
  const shown = files.slice(0, listedFiles).join(', ');
  return files.length > listedFiles ? `${shown} and ${files.length - listedFiles} more` : shown;
}

/** The deepest workspace package whose directory contains `file`, if any. */
export function owningPackage(
  file: string,
  packages: AffectedInputs['packages'],
): { name: PackageName; dir: string } | undefined {
  let best: { name: PackageName; dir: string } | undefined;
  for (const pkg of packages) {
    if (pkg.dir === '.' || !file.startsWith(`${pkg.dir}/`)) continue;
    if (!best || pkg.dir.length > best.dir.length) best = pkg;
  }
  return best;
}

/**
 * The stages an app's target depends on: the header, the shared ones, the compiled package
 * stages it copies from (and theirs), and its own.
 */
export function appStageNames(plan: BuildPlan, app: AppPlan): string[] {
  const shipped = shippedPackageStages(plan.packageStages, app);
  return [
    '',
    'base',
    'pnpm',
    ...appPackageStages(plan, app).flatMap((stage) => [`${stage.stage}-deps`, stage.stage]),
    `${app.name}-deps`,
    `${app.name}-build`,
    ...(app.kind === 'node' ? [`${app.name}-prod`] : []),
    ...shipped.map(({ stage }) => `${stage.stage}-packed`),
    ...(shipped.length > 0 ? [`${app.name}-packages`] : []),
    app.name,
  ];
}

/**
 * The lockfile slices an app's target installs from, by name: its own (named after it) and
 * those of the package stages it builds, each with the importers it is cut for.
 */
export function appSlices(plan: BuildPlan, app: AppPlan): { name: string; importers: string[] }[] {
  return [
    { name: app.name, importers: app.packages.map((pkg) => pkg.dir) },
    ...appPackageStages(plan, app).map((stage) => ({
      name: stage.stage,
      importers: stage.packages.map((pkg) => pkg.dir),
    })),
  ];
}

/** The package stages an app's target builds (none for a static export, which builds nothing). */
export function appPackageStages(plan: BuildPlan, app: AppPlan): PackageStage[] {
  return app.nextOutput === 'export'
    ? []
    : stageClosure(plan.packageStages, app.built, app.packageName);
}

/**
 * Which apps a change affects, and why. Pure: each locator below answers "which apps
 * does this change touch", and an app is selected when any locator names it.
 */
export function selectAffectedApps(plan: BuildPlan, inputs: AffectedInputs): AppSelection[] {
  const reasons = new Map<AppName, string[]>(plan.apps.map((app) => [app.name, []]));
  const add = (app: AppName, reason: string) => reasons.get(app)?.push(reason);

  // Global inputs: every app.
  const globalFiles = inputs.changedFiles.filter((file) =>
    inputs.globalInputs.some(
      (pattern) => file.path === pattern || matchDirPattern(file.path, pattern),
    ),
  );
  for (const file of globalFiles) {
    for (const app of plan.apps) add(app.name, `global input ${file.path}`);
  }

  // Files: the app's own, or those of a workspace package in its closure.
  const filesByPackage = new Map<PackageName, string[]>();
  for (const file of inputs.changedFiles) {
    if (
      file.path === inputs.lockfilePath ||
      file.path === plan.dockerfilePath ||
      globalFiles.includes(file)
    )
      continue;
    const owner = owningPackage(file.path, inputs.packages);
    if (!owner) continue;
    const files = filesByPackage.get(owner.name) ?? [];
    files.push(file.path);
    filesByPackage.set(owner.name, files);
  }
  for (const app of plan.apps) {
    for (const pkg of app.packages) {
      const files = filesByPackage.get(pkg.name);
      if (!files) continue;
      add(
        app.name,
        pkg.name === app.packageName
          ? `files ${describeFiles(files)}`
          : `dependency ${pkg.name} changed (${describeFiles(files)})`,
      );
    }
  }

  // Root files outside the packages that an app's build reads (root tsconfigs, buildInputs).
  for (const file of inputs.changedFiles) {
    if (globalFiles.includes(file)) continue;
    for (const app of plan.apps)
      if (isBuildInput(file.path, app.buildInputs))
        add(app.name, `build input ${file.path} changed`);
  }

  // The lockfile: only apps whose importers resolve differently.
  for (const change of inputs.lockfileChanges ?? []) {
    for (const app of plan.apps) {
      if (
        change.app === undefined
          ? app.packages.some((pkg) => pkg.dir === change.importer)
          : change.app === app.name
      )
        add(app.name, `lockfile: ${change.description} for ${change.importer}`);
    }
  }

  // The generated Dockerfile: only apps whose stages changed.
  if (inputs.changedDockerfileStages) {
    for (const app of plan.apps) {
      const changed = appStageNames(plan, app).filter((stage) =>
        inputs.changedDockerfileStages!.has(stage),
      );
      if (changed.length > 0) {
        add(
          app.name,
          `${plan.dockerfilePath}: stage${changed.length > 1 ? 's' : ''} ${changed.map((stage) => stage || '(header)').join(', ')} changed`,
        );
      }
    }
  }

  return plan.apps.map((app) => {
    const appReasons = [...new Set(reasons.get(app.name))];
    return { app: app.name, selected: appReasons.length > 0, reasons: appReasons };
  });
}

/**
 * Splits a Dockerfile into its stages by name (`''`: the lines before the first FROM).
 * Comment lines are left out: they never change what a stage builds.
 */
export function splitDockerfileStages(text: string): Map<string, string> {
  const stages = new Map<string, string>();
  let name = '';
  // A stage's text is its runs of consecutive lines that are no comments, each one slice of
  // the Dockerfile: a generated Dockerfile of 2,000 stages is not split into lines first.
  let runs: string[] = [];
  let runStart = -1;
  let runEnd = 0;
  const endRun = () => {
    if (runStart !== -1) runs.push(text.slice(runStart, runEnd));
    runStart = -1;
  };
  const flush = () => {
    endRun();
    stages.set(name, runs.join('\n').trim());
  };
  for (let start = 0; start <= text.length;) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    commentLine.lastIndex = start;
    if (commentLine.test(text)) {
      endRun();
    } else {
      fromLine.lastIndex = start;
      const from = fromLine.exec(text);
      if (from) {
        flush();
        name = from[1] ?? `#${stages.size}`;
        runs = [];
      }
      if (runStart === -1) runStart = start;
      runEnd = end;
    }
    start = end + 1;
  }
  flush();
  return stages;
}

/** A line (from lastIndex) that is a comment; `[^\S\n]` is `\s` within one line. */
const commentLine = /[^\S\n]*#/y;
/** A line (from lastIndex) that starts a stage, and the stage's name when it has one. */
const fromLine = /FROM[^\S\n]+\S+(?:[^\S\n]+AS[^\S\n]+(\S+))?[^\S\n]*(?=\n|$)/iy;

/** Stage names whose text differs between two Dockerfiles (added and removed ones too). */
export function diffDockerfileStages(before: string | undefined, after: string): Set<string> {
  const a = splitDockerfileStages(before ?? '');
  const b = splitDockerfileStages(after);
  const changed = new Set<string>();
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(name) !== b.get(name)) changed.add(name);
  }
  return changed;
}
