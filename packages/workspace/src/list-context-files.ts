import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import dockerignore from '@balena/dockerignore';

/** Never part of a build context, whatever .dockerignore says: installed dependencies and VCS data. */
const alwaysSkipped = new Set(['node_modules', '.git']);

type IgnoreFactory = (options?: { ignorecase?: boolean }) => {
  add(patterns: string[]): unknown;
  ignores(path: string): boolean;
};
// The package is CommonJS with an ESM-style `export default` in its typings.
const createIgnore = ((dockerignore as unknown as { default?: IgnoreFactory }).default ??
  dockerignore) as unknown as IgnoreFactory;

export type IgnorePredicate = (relativePath: string) => boolean;

/**
 * Files that may hold secrets, never sent in a build context whatever .dockerignore says
 * (and when there is none): dotenv files (`.env`, `.env.local`, `.env.production.local`; the
 * committed `.env.production` or `.env.example` kinds stay), private keys and certificates,
 * credential files, a nested `.npmrc` and its variants (`.npmrc-cloud`, `ci.npmrc`), and the
 * directories of ssh, cloud CLIs and editors.
 */
export function sensitiveFile(relativePath: string): boolean {
  const parts = relativePath.split('/');
  const name = parts[parts.length - 1]!;
  if (parts.slice(0, -1).some((part) => sensitiveDirs.has(part))) return true;
  return (
    name === '.env' ||
    /^\.env(\.[\w-]+)?\.local$/.test(name) ||
    /^id_(rsa|dsa|ecdsa|ed25519)$/.test(name) ||
    /\.(pem|key|p12|pfx|jks|keystore)$/i.test(name) ||
    // Variants of a registry config hold tokens as well (novu's .npmrc-cloud).
    /^\.npmrc./.test(name) ||
    /\.npmrc$/.test(name) ||
    sensitiveNames.has(name)
  );
}

const editorDirs = new Set(['.vscode', '.idea']);
const sensitiveDirs = new Set(['.ssh', '.aws', '.gcloud', '.azure', ...editorDirs]);
const sensitiveNames = new Set([
  '.npmrc',
  '.yarnrc.yml',
  '.netrc',
  '.git-credentials',
  '.pgpass',
  'credentials.json',
  'service-account.json',
  '.htpasswd',
]);

/** Reads `<root>/.dockerignore` into a predicate on root-relative POSIX paths (Docker's matching rules). */
export async function readDockerignore(root: string): Promise<IgnorePredicate> {
  let text: string;
  try {
    text = await readFile(path.join(root, '.dockerignore'), 'utf8');
  } catch {
    return (relativePath) => relativePath.split('/').some((part) => alwaysSkipped.has(part));
  }
  const matcher = createIgnore({ ignorecase: false });
  matcher.add(text.split(/\r?\n/));
  return (relativePath) =>
    relativePath.split('/').some((part) => alwaysSkipped.has(part)) ||
    matcher.ignores(relativePath);
}

/**
 * The files a build context holds for these directories: every file below them, sorted,
 * minus what `ignores` excludes (with whole directories pruned early).
 */
export async function listContextFiles(
  root: string,
  dirs: readonly string[],
  ignores: IgnorePredicate,
  /** Collects the files left out as sensitive (see sensitiveFile). */
  leftOut: string[] = [],
): Promise<string[]> {
  const found: string[] = [];
  const visit = async (relativeDir: string): Promise<void> => {
    const entries = await readdir(path.join(root, relativeDir), { withFileTypes: true });
    const subdirs: string[] = [];
    for (const entry of entries) {
      const relativePath = relativeDir === '.' ? entry.name : `${relativeDir}/${entry.name}`;
      if (alwaysSkipped.has(entry.name) || ignores(relativePath)) continue;
      if (sensitiveFile(entry.isDirectory() ? `${relativePath}/x` : relativePath)) {
        // Editor settings are left out without a word: no build reads them, and a warning
        // for each app's .vscode is noise (payload: seven).
        if (!editorDirs.has(entry.name)) leftOut.push(relativePath);
        continue;
      }
      if (entry.isDirectory()) subdirs.push(relativePath);
      else if (entry.isFile() || entry.isSymbolicLink()) found.push(relativePath);
    }
    // Sibling directories are read at once: the walk waits on the disk, not on the CPU.
    await Promise.all(subdirs.map(visit));
  };
  await Promise.all(dirs.map(visit));
  return [...new Set(found)].sort();
}
