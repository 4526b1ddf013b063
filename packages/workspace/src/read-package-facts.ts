import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PackageFacts } from '@build-images/core';

/**
 * Reads what tells a person what a package is and how it runs: Dockerfiles beside its
 * manifest, Nest's nest-cli.json and the TypeScript output directory. Unreadable or invalid
 * files are simply not facts (the build reports them later, if they matter).
 */
export async function readPackageFacts(packageDir: string): Promise<PackageFacts> {
  const names = await readdir(packageDir).catch(() => [] as string[]);
  const facts: PackageFacts = {
    dockerfiles: names
      .filter((name) => /^(Dockerfile|Containerfile)(\..+)?$|\.Dockerfile$/.test(name))
      .sort(),
  };
  if (names.includes('nest-cli.json')) {
    const nest = await readJsonc(path.join(packageDir, 'nest-cli.json'));
    const entry = nest?.['entryFile'];
    facts.nestEntry = typeof entry === 'string' && entry !== '' ? entry : 'main';
  }
  for (const file of ['tsconfig.build.json', 'tsconfig.json']) {
    if (!names.includes(file)) continue;
    const options = (await readJsonc(path.join(packageDir, file)))?.['compilerOptions'];
    const outDir =
      typeof options === 'object' && options !== null
        ? (options as Record<string, unknown>)['outDir']
        : undefined;
    if (typeof outDir === 'string' && outDir !== '') {
      facts.outDir = path.posix.normalize(outDir.replace(/^\.\//, '')).replace(/\/$/, '');
      break;
    }
  }
  return facts;
}

/** JSON with comments and trailing commas, as tsconfig and nest-cli files are written. */
async function readJsonc(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    const stripped = text
      .replace(/"(?:[^"\\]|\\.)*"|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (match) =>
        match.startsWith('"') ? match : '',
      )
      .replace(/,(\s*[}\]])/g, '$1');
    const value: unknown = JSON.parse(stripped);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
