import { createHash } from 'node:crypto';
import { BuildImagesError, describeTagProblem, formatImageReference } from '@build-images/core';
import { manifestPath, toImageReference, type ManifestReference } from './manifest-exists.js';
import type { RegistryCredentials } from './registry-credentials.js';
import {
  manifestMediaTypes,
  RegistryClient,
  type RegistryClientOptions,
} from './registry-client.js';

export interface AddTagRemotelyResult {
  /** The new reference, as docker shows it: `127.0.0.1:5000/t/api:latest`. */
  reference: string;
  /** The digest of the manifest both tags now point at. */
  digest: string;
  mediaType: string;
}

/**
 * Points `newTag` of the same repository at the manifest `reference` names, in the registry
 * alone: the manifest is fetched (its exact bytes and media type) and put under the new tag.
 * No layer is pulled or pushed; the registry has them all. For `--skip-existing`: the image is
 * there under one tag, and its other tags are added without building or pushing.
 */
export async function addTagRemotely(
  reference: ManifestReference,
  newTag: string,
  credentials: RegistryCredentials | undefined,
  options: RegistryClientOptions = {},
): Promise<AddTagRemotelyResult> {
  const source = toImageReference(reference);
  const tagProblem = describeTagProblem(newTag);
  if (tagProblem !== undefined) {
    throw new BuildImagesError(
      'IMAGE_REFERENCE_INVALID',
      `Cannot tag ${formatImageReference(source)} as "${newTag}": ${tagProblem}`,
    );
  }
  const client = new RegistryClient(source.registry, credentials, options);
  const manifest = await client.request('GET', manifestPath(source), {
    accept: manifestMediaTypes,
    scope: `repository:${source.repository}:pull`,
    okStatuses: [200, 404],
  });
  if (manifest.status === 404) {
    throw new BuildImagesError(
      'REGISTRY_ERROR',
      `Cannot add the tag "${newTag}": ${formatImageReference(source)} does not exist in ${source.registry}`,
      {
        hint: 'Push the image first.',
      },
    );
  }
  const mediaType = manifest.headers.get('content-type') ?? mediaTypeOf(manifest.body);
  if (mediaType === undefined) {
    throw new BuildImagesError(
      'REGISTRY_ERROR',
      `Registry ${source.registry} sent the manifest of ${formatImageReference(source)} without a media type`,
    );
  }
  const digest = `sha256:${createHash('sha256').update(manifest.body).digest('hex')}`;
  const target = { ...source, tag: newTag, digest: undefined };
  const put = await client.request('PUT', manifestPath(target), {
    contentType: mediaType,
    body: manifest.body,
    scope: `repository:${source.repository}:pull,push`,
    okStatuses: [200, 201],
  });
  return {
    reference: formatImageReference({ name: source.name, tag: newTag }),
    digest: put.headers.get('docker-content-digest') ?? digest,
    mediaType,
  };
}

function mediaTypeOf(body: Uint8Array): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { mediaType?: unknown };
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined;
  } catch {
    return undefined;
  }
}
