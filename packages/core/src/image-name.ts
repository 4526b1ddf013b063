/**
 * Maps a package name to an image name (the last path component of a Docker
 * reference): the npm scope is dropped, letters are lower-cased, and every run of
 * characters outside [a-z0-9._-] becomes one `-`; separators at either end are trimmed.
 * `@acme/API_v2` → `api_v2`, `@acme/web.app` → `web.app`. Returns undefined when nothing is left.
 */
export function toImageName(packageName: string): string | undefined {
  const unscoped = packageName.replace(/^@[^/]+\//, '');
  const mapped = unscoped
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '');
  return mapped === '' ? undefined : mapped;
}

// The distribution/reference grammar for one path component, and for a tag.
const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;

/** Whether `ref` is a valid `name[:tag]` image reference (optionally with a registry host and port). */
export function isValidImageReference(ref: string): boolean {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > slash;
  const name = hasTag ? ref.slice(0, colon) : ref;
  const tag = hasTag ? ref.slice(colon + 1) : undefined;
  if (tag !== undefined && !tagPattern.test(tag)) return false;
  const parts = name.split('/');
  const first = parts[0] ?? '';
  // A first component with a dot, a colon or "localhost" is a registry host.
  if (parts.length > 1 && (/[.:]/.test(first) || first === 'localhost')) {
    if (!/^[a-zA-Z0-9.-]+(?::\d+)?$/.test(first)) return false;
    parts.shift();
  }
  return parts.length > 0 && parts.every((part) => pathComponent.test(part));
}
