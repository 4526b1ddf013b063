import { importerDependencyFields, isRecord, type Lockfile } from './lockfile.js';
import type { WorkspacePackage } from './types.js';

/** What makes `pnpm install --frozen-lockfile` refuse a package's importer, one sentence each. */
export interface StaleImporter {
  dir: string;
  problems: string[];
}

/**
 * What `pnpm install --frozen-lockfile` would find out of date, checked before any build:
 * for each workspace package, its manifest's dependencies against its importer in the lockfile,
 * specifier by specifier (a dependency added, removed or changed in package.json without
 * `pnpm install`). Peer dependencies that auto-install-peers put in an importer are not
 * mismatches, nor are `link:` dependencies a lockfile excludes. Pure.
 */
export function findStaleImporters(
  lockfile: Lockfile,
  packages: readonly Pick<WorkspacePackage, 'dir' | 'dependencies'>[],
): StaleImporter[] {
  const settings = lockfile.topLevel.get('settings');
  const excludeLinks = isRecord(settings) && settings['excludeLinksFromLockfile'] === true;
  const overrides = lockfile.topLevel.get('overrides');
  const overriddenNames = new Set(
    isRecord(overrides) ? Object.keys(overrides).map((selector) => overrideTarget(selector)) : [],
  );
  const overridden = (name: string) => overriddenNames.has(name);
  const stale: StaleImporter[] = [];
  for (const pkg of packages) {
    const importer = lockfile.importers.get(pkg.dir);
    if (importer === undefined) {
      stale.push({ dir: pkg.dir, problems: [`${lockfile.file} has no entry for ${pkg.dir}`] });
      continue;
    }
    const locked = new Map<string, string>();
    for (const field of importerDependencyFields)
      for (const [name, dep] of importer[field]) locked.set(name, dep.specifier);
    const problems: string[] = [];
    // A name in several fields counts as pnpm reads it: optionalDependencies over
    // dependencies over devDependencies (the lockfile keeps only that one).
    const declared = new Map<string, string>();
    for (const field of ['devDependencies', 'dependencies', 'optionalDependencies'] as const)
      for (const [name, spec] of Object.entries(pkg.dependencies[field] ?? {}))
        declared.set(name, spec);
    for (const [name, spec] of declared) {
      if (excludeLinks && spec.startsWith('link:')) continue;
      const lockedSpec = locked.get(name);
      if (lockedSpec === undefined) problems.push(`${name} ${spec} is not in ${lockfile.file}`);
      // An override or a catalog changes what pnpm writes as the specifier: not compared.
      else if (lockedSpec !== spec && !spec.startsWith('catalog:') && !overridden(name))
        problems.push(`${name} is ${spec} in package.json but ${lockedSpec} in ${lockfile.file}`);
    }
    const peers = pkg.dependencies.peerDependencies ?? {};
    for (const name of locked.keys()) {
      if (!declared.has(name) && !(name in peers))
        problems.push(`${name} is in ${lockfile.file} but no longer in package.json`);
    }
    if (problems.length > 0) stale.push({ dir: pkg.dir, problems });
  }
  return stale;
}

/** The package an override selector ends at: `react`, `undici@7` → `undici`, `a@1>@b/c` → `@b/c`. */
function overrideTarget(selector: string): string {
  // `>` also starts ranges (`dompurify@>=3 <3.4.13`): a parent>child step starts with a name.
  const steps = selector.split('>').filter((step) => /^[@a-z0-9]/i.test(step));
  const last = steps[steps.length - 1] ?? selector;
  const at = last.indexOf('@', 1);
  return at === -1 ? last : last.slice(0, at);
}
