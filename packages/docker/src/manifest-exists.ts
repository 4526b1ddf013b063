import { createHash } from 'node:crypto';
import { parseImageReference, type ImageReference } from '@build-images/core';
import type { RegistryCredentials } from './registry-credentials.js';
import {
  manifestMediaTypes,
  RegistryClient,
  type RegistryClientOptions,
} from './registry-client.js';

export interface ManifestExistsResult {
  exists: boolean;
  /** The manifest's digest (`Docker-Content-Digest`), when it exists. */
  digest?: string;
  /** Its media type, when it exists. */
  mediaType?: string;
  /** Its size in bytes (`Content-Length`), when the registry says. */
  size?: number;
}

/** A reference string or a parsed one; the manifest is looked up by digest when it pins one, else by tag. */
export type ManifestReference = string | ImageReference;

export function toImageReference(reference: ManifestReference): ImageReference {
  return typeof reference === 'string' ? parseImageReference(reference) : reference;
}

export function manifestPath(reference: ImageReference): string {
  return `${reference.repository}/manifests/${reference.digest ?? reference.tag ?? 'latest'}`;
}

/**
 * Whether the registry has a manifest for this tag (or digest), asked with a HEAD through the
 * Registry HTTP API v2: nothing is pulled, and Docker Hub does not count a HEAD against the pull
 * rate limit. 404 → `{ exists: false }`; 401/403 are REGISTRY_AUTH_FAILED; 5xx and network
 * errors are retried (default 3 times) and then REGISTRY_UNAVAILABLE.
 */
export async function manifestExists(
  reference: ManifestReference,
  credentials: RegistryCredentials | undefined,
  options: RegistryClientOptions = {},
): Promise<ManifestExistsResult> {
  const ref = toImageReference(reference);
  const client = new RegistryClient(ref.registry, credentials, options);
  const request = { accept: manifestMediaTypes, scope: `repository:${ref.repository}:pull` };
  const head = await client.request('HEAD', manifestPath(ref), {
    ...request,
    okStatuses: [200, 404],
  });
  if (head.status === 404) return { exists: false };
  const result: ManifestExistsResult = { exists: true };
  const mediaType = head.headers.get('content-type');
  if (mediaType) result.mediaType = mediaType;
  const size = Number(head.headers.get('content-length') ?? Number.NaN);
  if (Number.isInteger(size) && size > 0) result.size = size;
  const digest = head.headers.get('docker-content-digest');
  if (digest) {
    result.digest = digest;
    return result;
  }
  // Some registries leave the digest out of a HEAD answer: it is the sha256 of the manifest's bytes.
  const get = await client.request('GET', manifestPath(ref), {
    ...request,
    okStatuses: [200, 404],
  });
  if (get.status === 404) return { exists: false };
  result.digest = `sha256:${createHash('sha256').update(get.body).digest('hex')}`;
  result.size = get.body.length;
  return result;
}
