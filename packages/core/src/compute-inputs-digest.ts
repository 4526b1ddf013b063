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
  /** The digest of the app's slice of pnpm-lock.yaml (see lockfileSliceDigest). */
  lockfileSlice: string;
  /** The root install files but the lockfile. */
  rootFiles: readonly HashedFile[];
  /** Per workspace package directory of the app, the digest of its files (see digestFiles). */
  packages: ReadonlyMap<string, string>;
}

const digestVersion = 'build-images inputs digest v2';

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A digest of files: paths, executable bits and contents, in path order. */
export function digestFiles(files: readonly HashedFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => compare(a.path, b.path))) {
    hash.update(`${file.path}\0${file.executable ? 'x' : '-'}${file.hash}\0`);
  }
  return hash.digest('hex');
}

/**
 * The app's inputs digest, `sha256:<hex>`: the same inputs give the same digest on any
 * machine and checkout (no paths outside the workspace, no mtimes, a fixed order). Made of
 * digests of its parts, so apps sharing packages hash each package's files once.
 */
export function computeInputsDigest(inputs: DigestInputs): string {
  const hash = createHash('sha256');
  const field = (name: string, value: string) =>
    hash.update(`${name}\0${value.length}\0${value}\0`);
  field('version', digestVersion);
  field('base', inputs.baseImage);
  for (const key of Object.keys(inputs.buildArgs).sort(compare))
    field(`arg:${key}`, inputs.buildArgs[key]!);
  field('dockerfile', inputs.dockerfileStages);
  field('lockfile', inputs.lockfileSlice);
  field('root', digestFiles(inputs.rootFiles));
  for (const dir of [...inputs.packages.keys()].sort(compare))
    field(`package:${dir}`, inputs.packages.get(dir)!);
  return `sha256:${hash.digest('hex')}`;
}

/** The short form used in tags: the first 16 hex digits. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 16);
}
