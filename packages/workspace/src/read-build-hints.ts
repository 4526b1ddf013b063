import path from 'node:path';
import type { BuildHints } from '@build-images/core';
import { createFileReader, type FileReader } from './create-file-reader.js';

const nextConfigFiles = ['next.config.js', 'next.config.mjs', 'next.config.ts', 'next.config.cjs'];

/**
 * Reads what a package's build writes and ships from its own files: the manifest's `files`,
 * the tsconfig's outDir and next.config's `output`. The configs are code (or JSON with
 * comments): they are read as text, for plain values, and never run.
 */
export function readBuildHints(
  dir: string,
  manifest: Record<string, unknown>,
  reader: FileReader = createFileReader(),
): BuildHints {
  const hints: BuildHints = {};
  const files = manifest['files'];
  if (Array.isArray(files) && files.every((entry) => typeof entry === 'string'))
    hints.files = files as string[];
  // The build's own tsconfig when there is one (tsc -p tsconfig.build.json), else tsconfig.json.
  for (const file of ['tsconfig.build.json', 'tsconfig.json']) {
    const options = reader.jsonc(path.join(dir, file))?.['compilerOptions'];
    const outDir =
      typeof options === 'object' && options !== null
        ? (options as Record<string, unknown>)['outDir']
        : undefined;
    if (typeof outDir !== 'string' || outDir === '') continue;
    const normalized = path.posix.normalize(outDir).replace(/\/+$/, '');
    if (normalized !== '.' && !normalized.startsWith('../') && !path.posix.isAbsolute(normalized))
      hints.tsOutDir = normalized;
    break;
  }
  for (const file of nextConfigFiles) {
    const text = reader.text(path.join(dir, file));
    if (text === undefined) continue;
    hints.nextOutput = nextOutputOf(text);
    const condition = nextOutputConditionOf(text);
    if (condition !== undefined) hints.nextOutputEnv = condition;
    break;
  }
  // Next.js without a config file runs with `next start`.
  const dependsOnNext = ['dependencies', 'devDependencies'].some((field) => {
    const deps = manifest[field];
    return typeof deps === 'object' && deps !== null && 'next' in deps;
  });
  if (hints.nextOutput === undefined && dependsOnNext) hints.nextOutput = 'server';
  return hints;
}

/** A next.config's code without its comments. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

const outputPattern = /\boutput\s*:\s*([^,}]*?\?\s*)?['"`](standalone|export)['"`]/;
/** `...(process.env.NEXTJS_STANDALONE_BUILD === "1" ? { output: "standalone" } : {})` (jitsu). */
const spreadOutputPattern =
  /\.\.\.\s*\(\s*([^?{}]+?)\?\s*\{\s*output\s*:\s*['"`](?:standalone|export)['"`]/;

/** The `output` a next.config states (comments left out), `server` when it states none. */
export function nextOutputOf(text: string): NonNullable<BuildHints['nextOutput']> {
  const output = outputPattern.exec(withoutComments(text))?.[2];
  return output === 'standalone' || output === 'export' ? output : 'server';
}

/**
 * When a next.config's `output` is conditional (`output: process.env.SELF_HOST === "true" ?
 * "standalone" : undefined`), the environment variables the condition reads, directly or
 * through a constant of the same file; an empty list when it reads none that can be seen
 * (the build cannot know the outcome). Undefined when the output is not conditional.
 */
export function nextOutputConditionOf(text: string): string[] | undefined {
  const code = withoutComments(text);
  const condition = spreadOutputPattern.exec(code)?.[1] ?? outputPattern.exec(code)?.[1];
  if (condition === undefined) return undefined;
  const envNames = (expression: string) =>
    [
      ...expression.matchAll(
        /process\.env(?:\.([A-Za-z_$][\w$]*)|\[\s*['"`]([^'"`]+)['"`]\s*\])|import\.meta\.env\.([A-Za-z_$][\w$]*)/g,
      ),
    ].map((match) => match[1] ?? match[2] ?? match[3]!);
  const names = envNames(condition);
  // `output: isSelfHosted ? …` with `const isSelfHosted = process.env.… === "true"` above.
  const identifier = /^\s*!*\s*([A-Za-z_$][\w$]*)\s*\?\s*$/.exec(condition)?.[1];
  if (names.length === 0 && identifier !== undefined) {
    const declared = new RegExp(
      `\\b(?:const|let|var)\\s+${identifier.replace(/\$/g, '\\$')}\\s*=\\s*([^;\\n]+)`,
    ).exec(code)?.[1];
    if (declared !== undefined) names.push(...envNames(declared));
  }
  return [...new Set(names)];
}
