import { BuildImagesError } from '@build-images/core';
import { git } from './git.js';

export type ChangeStatus = 'added' | 'modified' | 'deleted';

export interface ChangedFile {
  /** Relative to the workspace root, POSIX. */
  path: string;
  status: ChangeStatus;
}

export interface ChangedFiles {
  /** The ref the change is measured against, as given or derived (e.g. origin/main). */
  baseRef: string;
  /** The commit compared with the working tree: the merge base of baseRef and HEAD. */
  mergeBase: string;
  files: ChangedFile[];
}

export interface ChangedFilesOptions {
  /** The base ref given by the user; empty or undefined: derived from CI variables or the default branch. */
  ref: string | undefined;
  env: NodeJS.ProcessEnv;
}

/** CI variables naming the target branch of a pull/merge request, in order of preference. */
const ciBaseVariables = [
  'GITHUB_BASE_REF',
  'CI_MERGE_REQUEST_TARGET_BRANCH_NAME',
  'BITBUCKET_PR_DESTINATION_BRANCH',
  'BUILDKITE_PULL_REQUEST_BASE_BRANCH',
];

async function revParse(root: string, ref: string): Promise<string | undefined> {
  const result = await git(root, [
    'rev-parse',
    '--verify',
    '--quiet',
    '--end-of-options',
    `${ref}^{commit}`,
  ]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

async function isShallow(root: string): Promise<boolean> {
  return (await git(root, ['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
}

/** `origin/main` → `git fetch origin main`; `main` → `git fetch origin main`. */
function fetchCommand(ref: string, shallow: boolean): string {
  const match = /^(?:refs\/remotes\/)?([^/]+)\/(.+)$/.exec(ref);
  const [remote, branch] = match ? [match[1], match[2]] : ['origin', ref];
  return shallow ? `git fetch --deepen=200 ${remote} ${branch}` : `git fetch ${remote} ${branch}`;
}

async function defaultBaseRef(root: string, env: NodeJS.ProcessEnv): Promise<string> {
  for (const variable of ciBaseVariables) {
    const branch = env[variable];
    if (!branch) continue;
    return (await revParse(root, `origin/${branch}`)) ? `origin/${branch}` : branch;
  }
  const originHead = await git(root, [
    'symbolic-ref',
    '--quiet',
    '--short',
    'refs/remotes/origin/HEAD',
  ]);
  if (originHead.code === 0 && originHead.stdout.trim()) return originHead.stdout.trim();
  for (const candidate of ['origin/main', 'origin/master', 'main', 'master']) {
    if (await revParse(root, candidate)) return candidate;
  }
  throw new BuildImagesError(
    'GIT_REF_NOT_FOUND',
    'Cannot tell which branch to compare with: no origin/HEAD, origin/main, origin/master, main or master',
    {
      hint: 'Name the base: --changed=<ref>, e.g. --changed=origin/develop.',
    },
  );
}

/**
 * The files changed since the merge base of `ref` and HEAD: committed since then, staged,
 * unstaged, and untracked files git does not ignore. Renames count as a deletion and an
 * addition, so both places are seen.
 */
export async function getChangedFiles(
  root: string,
  options: ChangedFilesOptions,
): Promise<ChangedFiles> {
  const inside = await git(root, ['rev-parse', '--is-inside-work-tree']);
  if (inside.code !== 0) {
    throw new BuildImagesError(
      'GIT_UNAVAILABLE',
      `--changed needs a git repository, and ${root} is not inside one`,
      {
        hint: 'Run it in a git checkout, or leave out --changed to build every app.',
      },
    );
  }
  const baseRef = options.ref || (await defaultBaseRef(root, options.env));
  const [shallow, baseCommit, head] = await Promise.all([
    isShallow(root),
    revParse(root, baseRef),
    revParse(root, 'HEAD'),
  ]);
  if (head === undefined) {
    throw new BuildImagesError(
      'GIT_REF_NOT_FOUND',
      `--changed compares HEAD with a base, and the repository at ${root} has no commit yet`,
      { hint: 'Commit first, or leave out --changed to build every app.' },
    );
  }
  // A branch can be fetched; HEAD~1, a tag's peel or a commit id cannot be fetched by name.
  const fetchable = /^[\w./-]+$/.test(baseRef) && !/^[0-9a-f]{7,40}$/.test(baseRef);
  if (baseCommit === undefined) {
    // `main` where only the remote's branch exists: the fetch would not create `main`.
    const remote = /^[^/]+$/.test(baseRef) ? `origin/${baseRef}` : undefined;
    const remoteExists = remote !== undefined && (await revParse(root, remote)) !== undefined;
    throw new BuildImagesError(
      'GIT_REF_NOT_FOUND',
      `Cannot diff against "${baseRef}": git does not know that ref${shallow ? ' (this clone is shallow)' : ''}${remoteExists ? `; did you mean ${remote}?` : ''}`,
      {
        hint: remoteExists
          ? `Pass --changed=${remote} (there is no local branch ${baseRef}, only the remote's).`
          : fetchable
            ? `Fetch it first: ${fetchCommand(baseRef, shallow)}; or pass --changed-fallback=all to build every app when the base is missing.`
            : 'Name a branch, tag or commit this clone has (git log --oneline shows them); or pass --changed-fallback=all to build every app when the base is missing.',
      },
    );
  }
  const mergeBase = await git(root, ['merge-base', baseCommit, 'HEAD']);
  if (mergeBase.code !== 0 || mergeBase.stdout.trim() === '') {
    throw new BuildImagesError(
      'GIT_NO_MERGE_BASE',
      `"${baseRef}" and HEAD have no common commit in this clone${shallow ? ' (it is shallow, so their history is cut off)' : ''}`,
      {
        hint: shallow
          ? `Deepen the clone until they meet: ${fetchCommand(baseRef, true)} (or git fetch --unshallow); or pass --changed-fallback=all.`
          : 'Compare with a ref that shares history with HEAD, or pass --changed-fallback=all.',
      },
    );
  }
  const base = mergeBase.stdout.trim();

  const [diff, untracked] = await Promise.all([
    git(root, ['diff', '--name-status', '-z', '--no-renames', '--relative', base, '--']),
    git(root, ['ls-files', '--others', '--exclude-standard', '-z']),
  ]);
  if (diff.code !== 0)
    throw new BuildImagesError(
      'GIT_FAILED',
      `git diff against ${baseRef} failed: ${diff.stderr.trim()}`,
      { hint: 'Check that the repository is not corrupt (git fsck).' },
    );
  if (untracked.code !== 0)
    throw new BuildImagesError('GIT_FAILED', `git ls-files failed: ${untracked.stderr.trim()}`, {
      hint: 'Check that the repository is not corrupt (git fsck).',
    });

  const files = new Map<string, ChangeStatus>();
  const fields = diff.stdout.split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const status = fields[i]!;
    const file = fields[i + 1]!;
    files.set(
      file,
      status.startsWith('A') ? 'added' : status.startsWith('D') ? 'deleted' : 'modified',
    );
  }
  for (const file of untracked.stdout.split('\0')) {
    if (file !== '') files.set(file, 'added');
  }
  return {
    baseRef,
    mergeBase: base,
    files: [...files]
      .map(([path, status]) => ({ path, status }))
      .sort((a, b) => (a.path < b.path ? -1 : 1)),
  };
}

/** A file's content at a commit, or undefined when it did not exist there. */
export async function readFileAtCommit(
  root: string,
  commit: string,
  relativePath: string,
): Promise<string | undefined> {
  const result = await git(root, ['show', `${commit}:./${relativePath}`]);
  return result.code === 0 ? result.stdout : undefined;
}
