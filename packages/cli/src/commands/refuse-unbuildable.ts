import { BuildImagesError, type RunPlan, type RunProblem } from '@build-images/core';

/**
 * Refuses, before anything is built or written, a run whose selected apps the images could not
 * install: no lockfile (every install stage runs `pnpm install --frozen-lockfile`), or a
 * lockfile that no longer matches an app's manifests. `build` and `generate` share it, so they
 * refuse the same inputs the same way; `generate` (only = 'lockfile') still writes the targets of
 * apps that cannot be built for reasons of their own, which the Dockerfile does not depend on.
 */
export function refuseUnbuildable(run: RunPlan, only?: RunProblem['kind']): void {
  const missing = run.warnings.find((warning) => warning.kind === 'lockfile-missing');
  if (missing !== undefined) {
    throw new BuildImagesError(
      'LOCKFILE_INVALID',
      `${missing.file} is missing: every image installs with pnpm install --frozen-lockfile, which fails without it`,
      { hint: `Run pnpm install at the workspace root and commit ${missing.file}.` },
    );
  }
  const blocked = run.problems.filter(
    (problem) =>
      run.selected.includes(problem.app) && (only === undefined || problem.kind === only),
  );
  if (blocked.length > 0) {
    const apps = new Set(blocked.map((problem) => problem.app)).size;
    throw new BuildImagesError(
      'LOCKFILE_INVALID',
      `${apps === 1 ? 'An app cannot' : `${apps} apps cannot`} be built as planned`,
      {
        details: blocked.map((problem) => `${problem.app}: ${problem.message}`),
        hint: blocked[0]!.hint,
      },
    );
  }
}
