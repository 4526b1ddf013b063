import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  BuildImagesError,
  generatedHeader,
  lockfilePath,
  nodeVersionFiles,
  type ChangeInputs,
  type NodeVersionFiles,
  type ImageFiles,
  type RunInputs,
  type RunPlan,
  type SourceInputs,
  type ToolConfig,
} from '@build-images/core';
import { getChangedFiles, readFileAtCommit, type ChangedFiles } from './get-changed-files.js';
import { git } from './git.js';
import { hashFiles } from './hash-files.js';
import { listContextFiles, readDockerignore, type IgnorePredicate } from './list-context-files.js';
import { lockfileCacheDir, readLockfileDocument } from './read-lockfile-document.js';
import { readWorkspace } from './read-workspace.js';
import { withoutBom } from './without-bom.js';

export interface RunInputsRequest {
  config: { config: ToolConfig; file: string };
  /** The Dockerfile path the user chose; undefined: {@link chooseDockerfilePath}. */
  dockerfilePath: string | undefined;
  /** `--changed[=ref]`: undefined without the flag, '' for the default base. */
  changed: string | undefined;
  /** `--changed-fallback=all`: a missing base selects every app instead of failing. */
  fallbackToAll: boolean;
  /** Which checkout values to read for tags and labels. */
  source: { revision: boolean; branch: boolean; remote: boolean; date: boolean };
  env: NodeJS.ProcessEnv;
}

/**
 * Reads everything a run is planned from, once, into a plain value: the manifests, the
 * config, the root manifest and lockfile texts, and with `--changed` the changed files and
 * the lockfile and Dockerfile at the merge base.
 */
export async function readRunInputs(root: string, request: RunInputsRequest): Promise<RunInputs> {
  // git runs in processes of its own: started first, its work overlaps the reading of the
  // manifests. Its outcome is looked at only after them, so their errors still come first.
  const changed =
    request.changed === undefined ? undefined : settled(readChangedFiles(root, request));
  const [workspace, rootManifest, lockfile, source, nodeVersions, npmrc] = await Promise.all([
    readWorkspace(root),
    readFile(path.join(root, 'package.json'), 'utf8').then(withoutBom, (error: unknown) => {
      throw new BuildImagesError(
        'WORKSPACE_INVALID',
        `${path.join(root, 'package.json')} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): the workspace root needs a package.json`,
        {
          hint:
            (error as NodeJS.ErrnoException).code === 'ENOENT'
              ? 'Create one at the workspace root (pnpm init), with "packageManager": "pnpm@<version>".'
              : 'Make it readable by the user running build-images.',
          cause: error,
        },
      );
    }),
    readFile(path.join(root, lockfilePath), 'utf8').catch(
      absentOnly(path.join(root, lockfilePath)),
    ),
    readSourceInputs(root, request.source, request.env),
    readNodeVersionFiles(root),
    readFile(path.join(root, '.npmrc'), 'utf8').catch(absentOnly(path.join(root, '.npmrc'))),
  ]);
  const dockerfile = request.dockerfilePath
    ? { path: request.dockerfilePath, note: undefined }
    : await chooseDockerfilePath(
        root,
        workspace.packages.map((pkg) => pkg.dir),
      );
  let change: RunInputs['change'];
  if (changed !== undefined) {
    try {
      change = await readChangeInputs(root, await changed, dockerfile.path, request.env);
    } catch (error) {
      const baseMissing =
        error instanceof BuildImagesError &&
        (error.code === 'GIT_REF_NOT_FOUND' || error.code === 'GIT_NO_MERGE_BASE');
      if (!baseMissing || !request.fallbackToAll) throw error;
      change = { fallback: error.message };
    }
  }
  return {
    workspace,
    config: request.config.config,
    configFile: request.config.file,
    rootManifest,
    nodeVersionFiles: nodeVersions,
    npmrc,
    dockerfile,
    lockfile,
    lockfileDocument:
      lockfile === undefined
        ? undefined
        : readLockfileDocument(lockfile, lockfileCacheDir(request.env)),
    change,
    source,
  };
}

/** A promise's outcome as a value: awaited later, a rejection is not unhandled meanwhile. */
function settled<T>(promise: Promise<T>): Promise<() => T> {
  return promise.then(
    (value) => () => value,
    (error: unknown) => () => {
      throw error;
    },
  );
}

function readChangedFiles(
  root: string,
  request: RunInputsRequest,
): Promise<[ChangedFiles, IgnorePredicate]> {
  return Promise.all([
    getChangedFiles(root, { ref: request.changed || undefined, env: request.env }),
    readDockerignore(root),
  ]);
}

async function readChangeInputs(
  root: string,
  outcome: () => [ChangedFiles, IgnorePredicate],
  dockerfilePath: string,
  env: NodeJS.ProcessEnv,
): Promise<ChangeInputs> {
  const [changed, ignores] = outcome();
  const [baseLockfile, baseDockerfile] = await Promise.all([
    changed.files.some((file) => file.path === lockfilePath)
      ? readFileAtCommit(root, changed.mergeBase, lockfilePath)
      : undefined,
    readFileAtCommit(root, changed.mergeBase, dockerfilePath),
  ]);
  return {
    baseRef: changed.baseRef,
    mergeBase: changed.mergeBase,
    files: changed.files.map((file) => ({ ...file, ignored: ignores(file.path) })),
    baseLockfile,
    baseLockfileDocument:
      baseLockfile === undefined
        ? undefined
        : readLockfileDocument(baseLockfile, lockfileCacheDir(env)),
    // A Dockerfile build-images did not write is no earlier version of its own.
    baseDockerfile: baseDockerfile?.startsWith(generatedHeader) ? baseDockerfile : undefined,
  };
}

/** Where build-images keeps its Dockerfile when docker/Dockerfile is taken. */
export const fallbackDockerfilePath = '.build-images/Dockerfile';

/**
 * docker/Dockerfile, unless a hand-written Dockerfile is there or docker/ is a workspace
 * package (files written there would count as that package's); then .build-images/Dockerfile,
 * with a note saying why. A user's file is never taken over.
 */
export async function chooseDockerfilePath(
  root: string,
  packageDirs: readonly string[],
): Promise<{ path: string; note: string | undefined }> {
  const preferred = 'docker/Dockerfile';
  const inPackage = packageDirs.find((dir) => dir !== '.' && preferred.startsWith(`${dir}/`));
  const existing = await readFile(path.join(root, preferred), 'utf8').catch(() => undefined);
  if (inPackage === undefined && (existing === undefined || existing.startsWith(generatedHeader)))
    return { path: preferred, note: undefined };
  return {
    path: fallbackDockerfilePath,
    note:
      inPackage !== undefined
        ? `${preferred} would lie in the workspace package ${inPackage}; using ${fallbackDockerfilePath} (set "dockerfile" in build-images.config.json to choose)`
        : `${preferred} is a hand-written Dockerfile, left as it is; using ${fallbackDockerfilePath} (set "dockerfile" in build-images.config.json to choose)`,
  };
}

/** `{sha}`, `{branch}`, the source label and `{date}` values, each read only when asked for. */
async function readSourceInputs(
  root: string,
  wanted: RunInputsRequest['source'],
  env: NodeJS.ProcessEnv,
): Promise<SourceInputs> {
  const source: SourceInputs = {};
  const output = async (args: string[]) => {
    const result = await git(root, args).catch(() => undefined);
    return result?.code === 0 && result.stdout.trim() !== '' ? result.stdout.trim() : undefined;
  };
  if (wanted.revision) {
    const head = await output(['rev-parse', 'HEAD']);
    if (head !== undefined) source.head = head;
  }
  if (wanted.branch) {
    // CI checkouts are often detached: their variables name the branch.
    const fromCi = env['GITHUB_HEAD_REF'] || env['GITHUB_REF_NAME'] || env['CI_COMMIT_REF_NAME'];
    const current = fromCi || (await output(['rev-parse', '--abbrev-ref', 'HEAD']));
    source.branch = current && current !== 'HEAD' ? current : 'detached';
  }
  if (wanted.remote) {
    const remote = await output(['remote', 'get-url', 'origin']);
    // An ssh remote turned into its https form, without credentials.
    if (remote !== undefined)
      source.remoteUrl = remote
        .replace(/^git@([^:]+):/, 'https://$1/')
        .replace(/^ssh:\/\/git@/, 'https://')
        .replace(/\.git$/, '')
        .replace(/\/\/[^@/]+@/, '//');
  }
  if (wanted.date) {
    const epoch = env['SOURCE_DATE_EPOCH'] ? Number(env['SOURCE_DATE_EPOCH']) * 1000 : Date.now();
    source.date = new Date(epoch).toISOString().slice(0, 10).replaceAll('-', '');
  }
  return source;
}

/**
 * The files the selected images' contexts hold below their workspace directories (after
 * .dockerignore), and the root files of their identity; hashed only when `hash` is set.
 */
export async function readImageFiles(
  root: string,
  run: Pick<RunPlan, 'inputDirs' | 'rootInputFiles'>,
  hash: boolean,
): Promise<ImageFiles> {
  const ignores = await readDockerignore(root);
  const cache = new Map();
  const read = (files: readonly string[]) =>
    hash
      ? hashFiles(root, files, cache)
      : files.map((file) => ({ path: file, hash: '', executable: false }));
  const packages: Record<string, ImageFiles['packages'][string]> = {};
  const leftOut: string[] = [];
  const listed = await Promise.all(
    run.inputDirs.map((dir) => listContextFiles(root, [dir], ignores, leftOut)),
  );
  run.inputDirs.forEach((dir, index) => (packages[dir] = read(listed[index]!)));
  // Folder inputs (`lexicons/`) as their files, under the same rules as a package's.
  const folders = run.rootInputFiles.filter((file) => file.endsWith('/'));
  const folderFiles = (
    await Promise.all(
      folders.map((dir) =>
        listContextFiles(root, [dir.slice(0, -1)], ignores, leftOut).catch(absentOnly(dir)),
      ),
    )
  ).flatMap((files) => files ?? []);
  let rootFiles;
  try {
    rootFiles = read([...run.rootInputFiles.filter((file) => !file.endsWith('/')), ...folderFiles]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new BuildImagesError(
      'CONFIG_INVALID',
      `A build input does not exist: ${path.relative(root, (error as NodeJS.ErrnoException).path ?? '')}`,
      {
        hint: "Fix buildInputs in the config or in the app's buildImages field (paths are relative to the workspace root).",
        cause: error,
      },
    );
  }
  return { packages, rootFiles, leftOut: [...new Set(leftOut)].sort() };
}

/** The root's `.nvmrc`, `.node-version` and `.tool-versions`, those that exist. */
async function readNodeVersionFiles(root: string): Promise<NodeVersionFiles> {
  const texts = await Promise.all(
    nodeVersionFiles.map((name) => readFile(path.join(root, name), 'utf8').catch(() => undefined)),
  );
  return Object.fromEntries(
    nodeVersionFiles.flatMap((name, index) =>
      texts[index] === undefined ? [] : [[name, texts[index]]],
    ),
  );
}

/** A file that is not there is undefined; one that cannot be read is an error naming it. */
function absentOnly(file: string): (error: unknown) => undefined {
  return (error) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    (error as NodeJS.ErrnoException).path ??= file;
    throw error;
  };
}
