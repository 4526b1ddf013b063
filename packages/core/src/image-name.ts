import { BuildImagesError } from './build-images-error.js';

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

/** A parsed image reference, normalized the way the docker CLI does (distribution/reference). */
export interface ImageReference {
  /** The registry's host[:port]; `docker.io` when the reference names none (`index.docker.io` is normalized to it). */
  registry: string;
  /** The repository inside the registry, with `library/` for official single-name images on Docker Hub. */
  repository: string;
  /** The tag; `latest` when the reference has neither a tag nor a digest, undefined for `name@digest`. */
  tag?: string;
  /** `algorithm:hex`, when the reference pins one. */
  digest?: string;
  /** The repository as docker shows it and the engine takes it: `node`, `acme/api`, `127.0.0.1:5000/t/base`. */
  name: string;
}

export const defaultRegistry = 'docker.io';
export const maxTagLength = 128;
const maxNameLength = 255;

// The distribution/reference grammar for one path component, a tag, a domain and a digest.
const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const domainPattern =
  /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;
const digestPattern = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const tagCharacters = 'a tag may only contain letters, digits, "_", "." and "-"';

/**
 * Parses `[registry/]repository[:tag][@digest]` into its parts, or says, in one sentence
 * that can follow "Invalid image reference "…": ", why it is not one.
 */
export function analyseImageReference(ref: string): ImageReference | { problem: string } {
  const problem = (text: string) => ({ problem: text });
  if (ref === '') return problem('it is empty');
  if (/\s/.test(ref)) return problem('it contains white space');

  const at = ref.indexOf('@');
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  if (digest !== undefined) {
    const digestProblem = describeDigestProblem(digest);
    if (digestProblem !== undefined) return problem(digestProblem);
  }

  // A first component with a dot, a colon, "localhost" or a bracketed IPv6 address is a registry host.
  let registry: string | undefined;
  let remainder = rest;
  const slash = rest.indexOf('/');
  const first = slash > 0 ? rest.slice(0, slash) : '';
  if (slash > 0 && (/[.:[]/.test(first) || first === 'localhost')) {
    if (!domainPattern.test(first)) {
      // "app:feature/x" reads as host "app:feature": the real mistake is the "/" in a tag.
      const colon = rest.indexOf(':');
      if (colon >= 0 && colon < slash && !/^\d+$/.test(first.slice(first.indexOf(':') + 1))) {
        return problem(
          describeTagProblem(rest.slice(colon + 1)) ??
            `"${first}" is not a valid registry host[:port]`,
        );
      }
      return problem(`"${first}" is not a valid registry host[:port]`);
    }
    registry = first;
    remainder = rest.slice(slash + 1);
  }

  const colon = remainder.indexOf(':');
  const path = colon >= 0 ? remainder.slice(0, colon) : remainder;
  const tag = colon >= 0 ? remainder.slice(colon + 1) : undefined;
  if (tag !== undefined) {
    const tagProblem = describeTagProblem(tag);
    if (tagProblem !== undefined) return problem(tagProblem);
  }

  if (path === '') return problem('the repository name is empty');
  if (/[A-Z]/.test(path))
    return problem(
      `the repository name "${path}" has upper-case letters; repository names must be lower-case`,
    );
  const components = path.split('/');
  if (components.some((component) => component === ''))
    return problem(`the repository name "${path}" has an empty path component`);
  const bad = components.find((component) => !pathComponent.test(component));
  if (bad !== undefined) {
    return problem(
      `"${bad}" is not a valid path component: lower-case letters and digits, separated by ".", "_", "__" or "-", with no separator at either end`,
    );
  }
  const fullName = registry === undefined ? path : `${registry}/${path}`;
  if (fullName.length > maxNameLength)
    return problem(
      `the name is ${fullName.length} characters long; at most ${maxNameLength} are allowed`,
    );
  if (registry === undefined && /^[a-f0-9]{64}$/.test(path))
    return problem('a 64-digit hexadecimal name is an image id, not a repository name');

  const normalizedRegistry =
    registry === undefined || registry === 'index.docker.io' ? defaultRegistry : registry;
  const onHub = normalizedRegistry === defaultRegistry;
  const repository = onHub && components.length === 1 ? `library/${path}` : path;
  const name = onHub
    ? repository.replace(/^library\/(?=[^/]+$)/, '')
    : `${normalizedRegistry}/${repository}`;
  const reference: ImageReference = { registry: normalizedRegistry, repository, name };
  if (tag !== undefined) reference.tag = tag;
  else if (digest === undefined) reference.tag = 'latest';
  if (digest !== undefined) reference.digest = digest;
  return reference;
}

/** Why `tag` is not a valid tag, or undefined when it is one. */
export function describeTagProblem(tag: string): string | undefined {
  if (tagPattern.test(tag)) return undefined;
  if (tag === '') return 'the tag after ":" is empty';
  if (tag.length > maxTagLength)
    return `the tag is ${tag.length} characters long; at most ${maxTagLength} are allowed`;
  if (tag.includes('/'))
    return `the tag "${tag}" contains "/"; ${tagCharacters} (replace "/" with "-")`;
  if (/^[.-]/.test(tag))
    return `the tag "${tag}" starts with "${tag[0]}"; a tag must start with a letter, a digit or "_"`;
  const invalid = [...tag].find((char) => !/[\w.-]/.test(char));
  return `the tag "${tag}" contains "${invalid ?? '?'}"; ${tagCharacters}`;
}

function describeDigestProblem(digest: string): string | undefined {
  if (!digestPattern.test(digest)) return `the digest "${digest}" is not "algorithm:hex"`;
  if (digest.startsWith('sha256:') && !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    return `the digest "${digest}" is not a sha256 digest of 64 lower-case hex digits`;
  }
  return undefined;
}

/** Parses an image reference; an invalid one is an IMAGE_REFERENCE_INVALID error that says why. */
export function parseImageReference(ref: string): ImageReference {
  const result = analyseImageReference(ref);
  if ('problem' in result) {
    throw new BuildImagesError(
      'IMAGE_REFERENCE_INVALID',
      `Invalid image reference "${ref}": ${result.problem}`,
      {
        hint: 'A reference is [registry[:port]/]lower-case/path[:tag] with a tag of at most 128 letters, digits, "_", "." or "-", not starting with "." or "-".',
      },
    );
  }
  return result;
}

/** Formats a reference as docker shows it: `name:tag`, `name@digest` or `name:tag@digest`. */
export function formatImageReference(
  reference: Pick<ImageReference, 'name' | 'tag' | 'digest'>,
): string {
  return `${reference.name}${reference.tag === undefined ? '' : `:${reference.tag}`}${reference.digest === undefined ? '' : `@${reference.digest}`}`;
}

/** Whether `ref` is a valid `name[:tag]` image reference (optionally with a registry host and port); digests are not tags. */
export function isValidImageReference(ref: string): boolean {
  const result = analyseImageReference(ref);
  return !('problem' in result) && result.digest === undefined;
}
