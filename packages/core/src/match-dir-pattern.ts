/**
 * Matches a workspace-relative directory against a pnpm-style glob such as `apps/*`
 * or `services/**`: `*` is one path segment, `**` any number of them.
 */
export function matchDirPattern(dir: string, pattern: string): boolean {
  const normalized = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
  let source = '';
  for (let i = 0; i < normalized.length; i++) {
    const char = normalized[i] as string;
    if (char === '*' && normalized[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`).test(dir);
}
