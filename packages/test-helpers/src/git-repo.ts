import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeTree } from './write-tree.js';

/** Runs git in `cwd` with a fixed identity; returns stdout. */
export function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.email=test@example.com',
      '-c',
      'user.name=Test',
      '-c',
      'init.defaultBranch=main',
      ...args,
    ],
    {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/** A real git repository in a temp dir holding `files`, committed on `main`. */
export async function gitRepo(files: Record<string, string | object>): Promise<string> {
  const root = await writeTree(files);
  gitIn(root, 'init', '--quiet');
  gitIn(root, 'add', '-A');
  gitIn(root, 'commit', '--quiet', '-m', 'base');
  return root;
}

export async function writeFiles(
  root: string,
  files: Record<string, string | object>,
): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(root, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(
      target,
      typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`,
    );
  }
}

export async function removePath(root: string, file: string): Promise<void> {
  await rm(path.join(root, file), { recursive: true, force: true });
}

/** Commits everything on a new branch `change` (so `main` stays the base). */
export function commitChange(root: string, message = 'change'): void {
  if (gitIn(root, 'rev-parse', '--abbrev-ref', 'HEAD').trim() === 'main')
    gitIn(root, 'checkout', '--quiet', '-b', 'change');
  gitIn(root, 'add', '-A');
  gitIn(root, 'commit', '--quiet', '--allow-empty', '-m', message);
}
