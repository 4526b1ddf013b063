import { createHash } from 'node:crypto';

export interface HashedFile {
  path: string;
  /** sha256 of the content, hex. */
  hash: string;
  executable: boolean;
}

/** Everything that determines an app's image, already read and hashed by the caller. */
export interface DigestInputs {
  baseImage: string;
  buildArgs: Readonly<Record<string, string>>;
  /** The text of the Dockerfile stages the app's target uses. */
  dockerfileStages: string;
  /** The app's slice of pnpm-lock.yaml (see lockfileSliceText). */
  lockfileSlice: string;
  /** The root install files (but the lockfile) and every file of the app's workspace packages. */
  files: readonly HashedFile[];
}

const digestVersion = 'build-images inputs digest v1';

/**
 * The app's inputs digest, `sha256:<hex>`: the same inputs give the same digest on any
 * machine and checkout (no paths outside the workspace, no mtimes, files in a fixed order).
 */
export function computeInputsDigest(inputs: DigestInputs): string {
  const hash = createHash('sha256');
  const field = (name: string, value: string) => hash.update(`${name}\0${value.length}\0${value}\0`);
  field('version', digestVersion);
  field('base', inputs.baseImage);
  for (const key of Object.keys(inputs.buildArgs).sort()) field(`arg:${key}`, inputs.buildArgs[key]!);
  field('dockerfile', inputs.dockerfileStages);
  field('lockfile', inputs.lockfileSlice);
  for (const file of [...inputs.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    field(`file:${file.path}`, `${file.executable ? 'x' : '-'}${file.hash}`);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The short form used in tags: the first 16 hex digits. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 16);
}
