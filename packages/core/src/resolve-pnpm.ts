import semver from 'semver';
import { BuildImagesError } from './build-images-error.js';

/** The pnpm majors whose commands the generated Dockerfile knows. */
export const supportedPnpmMajors = [9, 10, 11] as const;

/**
 * The exact version installed for a major when the repository names only a range or a
 * lockfile format (each one tested by the pnpm-majors Docker test).
 */
export const defaultPnpmVersions: Readonly<Record<number, string>> = {
  9: '9.15.9',
  10: '10.34.9',
  11: '11.28.13',
};

/** The major a `lockfileVersion: '9.0'` lockfile gets when nothing pins pnpm. */
const defaultMajor = 10;

/** Which pnpm the images run, and where that choice came from. Plain data. */
export interface PnpmPlan {
  /** An exact version, installed with `npm install -g pnpm@<version>`. */
  version: string;
  major: number;
  /** `packageManager`, `engines.pnpm`, `lockfileVersion 9.0` or `default`. */
  source: string;
}

const upgradeHint =
  'Move the repository to pnpm 9 or newer: set "packageManager": "pnpm@10.34.9" in the root package.json and run `pnpm install` once (it rewrites pnpm-lock.yaml in the lockfile v9 format), then commit both.';

/**
 * Chooses the pnpm the images run: the root manifest's `packageManager` (`pnpm@9.11.0`,
 * `pnpm@10.32.1+sha512.…`), else `engines.pnpm` (an exact version, or the newest tested
 * version of the range's major), else the lockfile format. Pure.
 */
export function resolvePnpm(rootManifest: string, lockfile: string | undefined): PnpmPlan {
  let manifest: { packageManager?: unknown; engines?: { pnpm?: unknown } } = {};
  try {
    manifest = JSON.parse(rootManifest) as typeof manifest;
  } catch {
    // The workspace reader reports an unreadable root manifest itself.
  }
  const pinned =
    typeof manifest.packageManager === 'string'
      ? /^pnpm@(\d+\.\d+\.\d+(?:-[\w.]+)?)(?:\+.*)?$/.exec(manifest.packageManager)?.[1]
      : undefined;
  if (manifest.packageManager !== undefined) {
    const shown = JSON.stringify(manifest.packageManager).slice(0, 60);
    if (
      typeof manifest.packageManager !== 'string' ||
      !/^pnpm(@|$)/.test(manifest.packageManager)
    ) {
      const tool =
        typeof manifest.packageManager === 'string'
          ? /^([\w-]+)@/.exec(manifest.packageManager)?.[1]
          : undefined;
      throw new BuildImagesError(
        'PNPM_UNSUPPORTED',
        `package.json: packageManager ${shown} ${tool ? `names ${tool}, not pnpm` : 'is not "pnpm@<version>"'}; this workspace has a pnpm-workspace.yaml and build-images builds it with pnpm`,
        { hint: 'Pin the pnpm the repository uses, e.g. "packageManager": "pnpm@10.34.9".' },
      );
    }
    if (pinned === undefined || semver.valid(pinned) === null || semver.major(pinned) > 99) {
      throw new BuildImagesError(
        'PNPM_UNSUPPORTED',
        `package.json: packageManager ${shown} is not an exact pnpm version`,
        { hint: 'Pin an exact version, e.g. "packageManager": "pnpm@10.34.9".' },
      );
    }
  }
  let plan: PnpmPlan | undefined;
  if (pinned !== undefined) {
    plan = { version: pinned, major: semver.major(pinned), source: 'packageManager' };
  } else if (typeof manifest.engines?.pnpm === 'string') {
    const range = manifest.engines.pnpm;
    const exact = semver.valid(range);
    const min = semver.validRange(range) ? semver.minVersion(range) : null;
    if (exact) plan = { version: exact, major: semver.major(exact), source: 'engines.pnpm' };
    else if (min) {
      // The default major when the range allows it (logto's "^9.0.0 || ^10.0.0" builds with
      // 10, as its own CI does), else the newest tested version it allows, else its minimum.
      const preferred = defaultPnpmVersions[defaultMajor];
      const version =
        preferred && semver.satisfies(preferred, range)
          ? preferred
          : (semver.maxSatisfying(Object.values(defaultPnpmVersions), range) ?? min.version);
      plan = { version, major: semver.major(version), source: 'engines.pnpm' };
    }
  }
  if (plan === undefined) {
    const format = lockfile && /^lockfileVersion:\s*['"]?([\d.]+)/m.exec(lockfile)?.[1];
    if (format !== undefined && format !== '' && !format.startsWith('9.')) {
      throw new BuildImagesError(
        'PNPM_UNSUPPORTED',
        `pnpm-lock.yaml has lockfileVersion ${format}, written by pnpm ${format.startsWith('6.') ? '8' : '7 or older'}; build-images supports pnpm ${supportedPnpmMajors.join(', ')}`,
        { hint: upgradeHint },
      );
    }
    const version = defaultPnpmVersions[defaultMajor]!;
    plan = {
      version,
      major: defaultMajor,
      source: format ? `lockfileVersion ${format}` : 'default',
    };
  }
  if (!(supportedPnpmMajors as readonly number[]).includes(plan.major)) {
    throw new BuildImagesError(
      'PNPM_UNSUPPORTED',
      `package.json: ${plan.source} asks for pnpm ${plan.version}; build-images supports pnpm ${supportedPnpmMajors.join(', ')}`,
      {
        hint:
          plan.major < 9
            ? upgradeHint
            : `Pin a supported version, e.g. "packageManager": "pnpm@${defaultPnpmVersions[11]}".`,
      },
    );
  }
  return plan;
}
