import picomatch from 'picomatch';

/** `apps/*` → `apps/*\/package.json`, as pnpm's find-packages turns each glob into a manifest glob. */
function manifestGlob(pattern: string): string {
  return pattern.replace(/\/+$/, '').replace(/\/?$/, '/package.json');
}

function manifestOf(dir: string): string {
  return dir === '.' || dir === '' ? 'package.json' : `${dir}/package.json`;
}

const matchers = new Map<string, (path: string) => boolean>();

function matcher(pattern: string): (path: string) => boolean {
  let match = matchers.get(pattern);
  if (match === undefined) {
    match = picomatch(manifestGlob(pattern), { dot: true });
    matchers.set(pattern, match);
  }
  return match;
}

/**
 * Matches a workspace-relative directory against a pnpm-style glob such as `apps/*`,
 * `services/**` or `.`, the way pnpm matches its workspace globs: the glob names the
 * directory of a package.json, so `apps/**` matches `apps` itself and `**` the root.
 */
export function matchDirPattern(dir: string, pattern: string): boolean {
  return matcher(pattern)(manifestOf(dir));
}

/**
 * Matches a directory against a list of globs as pnpm does: it is selected when a positive
 * glob matches it and no negated one (`!apps/storybook`, `!**\/test/**`) does, whatever
 * their order.
 */
export function matchDirPatterns(dir: string, patterns: readonly string[]): boolean {
  const negated = patterns.filter((pattern) => pattern.startsWith('!'));
  return (
    patterns.some((pattern) => !pattern.startsWith('!') && matchDirPattern(dir, pattern)) &&
    !negated.some((pattern) => matchDirPattern(dir, pattern.slice(1)))
  );
}

/** The positive globs of a list that match none of `dirs` (after the negated globs). */
export function unmatchedPatterns(dirs: readonly string[], patterns: readonly string[]): string[] {
  const negated = patterns.filter((pattern) => pattern.startsWith('!'));
  return patterns.filter(
    (pattern) =>
      !pattern.startsWith('!') && !dirs.some((dir) => matchDirPatterns(dir, [pattern, ...negated])),
  );
}
