import path from 'node:path';
import type { PlannedPackage } from './plan-builds.js';
import type { WorkspacePackage } from './types.js';

/** A closure member as the plan lists it: name, folder and the files of its commands. */
export function plannedPackage(pkg: WorkspacePackage): PlannedPackage {
  const bins = binFiles(pkg.bin);
  return { name: pkg.name, dir: pkg.dir, ...(bins.length > 0 && { bins }) };
}

/** The files a manifest's `bin` names (a string or an object of them), inside the package only. */
export function binFiles(bin: unknown): string[] {
  const values =
    typeof bin === 'string'
      ? [bin]
      : typeof bin === 'object' && bin !== null
        ? Object.values(bin).filter((value): value is string => typeof value === 'string')
        : [];
  const files = values
    .map((value) => path.posix.normalize(value.replace(/^\.\//, '')))
    .filter(
      (file) =>
        file !== '.' &&
        !file.startsWith('..') &&
        !path.posix.isAbsolute(file) &&
        /^[\w@.+/-]+$/.test(file),
    );
  return [...new Set(files)].sort();
}
