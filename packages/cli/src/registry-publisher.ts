import type Docker from 'dockerode';
import { parseImageReference, type ImageBuildRequest } from '@build-images/core';
import {
  addTagRemotely,
  checkRegistryAuth,
  manifestExists,
  pushImage,
  resolveRegistryCredentials,
  type RegistryCredentials,
} from '@build-images/docker';
import type { PublishedTag, Publisher } from '@build-images/runner';

export interface RegistryPublisherOptions {
  /** Tags of every image to build; their registries are checked before any build starts. */
  tags: readonly string[];
  /** Credentials given on the command line, else those of the docker config are used. */
  override: { username: string; password: string } | undefined;
  env: NodeJS.ProcessEnv;
  push: boolean;
  skipExisting: boolean;
  /** Which of an image's tags carries its inputs digest (for --skip-existing). */
  isDigestTag: (tag: string) => boolean;
  onRetry?: (message: string) => void;
  /** How long a push may send nothing before the attempt fails (undefined: for ever). */
  pushIdleMs?: number | undefined;
}

/**
 * Resolves credentials and checks them with every registry the tags name, before any
 * build: a wrong password fails in milliseconds, naming the registry, instead of after the
 * builds. Returns the publisher the runner calls around each build.
 */
export async function createRegistryPublisher(
  docker: Docker,
  options: RegistryPublisherOptions,
): Promise<Publisher> {
  const credentials = new Map<string, RegistryCredentials | undefined>();
  for (const registry of new Set(options.tags.map((tag) => parseImageReference(tag).registry))) {
    const found = await resolveRegistryCredentials(registry, {
      env: options.env,
      ...(options.override ? { override: options.override } : {}),
    });
    await checkRegistryAuth(docker, registry, found);
    credentials.set(registry, found);
  }
  const credentialsOf = (tag: string) => credentials.get(parseImageReference(tag).registry);
  // Each retry line names the image and so its registry: "push retry: ghcr.io/acme/api:1 (ghcr.io): …".
  const retryLog = (tag: string) => ({
    onRetry: (retry: { attempt: number; maxAttempts: number; delayMs: number; reason: string }) =>
      options.onRetry?.(
        `${tag} (${parseImageReference(tag).registry}): attempt ${retry.attempt} of ${retry.maxAttempts} in ${retry.delayMs} ms: ${retry.reason}`,
      ),
  });

  return {
    async findExisting(
      request: ImageBuildRequest,
      signal: AbortSignal,
    ): Promise<PublishedTag[] | undefined> {
      if (!options.skipExisting) return undefined;
      const digestTag = request.tags.find(options.isDigestTag);
      if (digestTag === undefined) return undefined;
      const found = await manifestExists(digestTag, credentialsOf(digestTag), { signal });
      if (!found.exists || found.digest === undefined) return undefined;
      const source = parseImageReference(digestTag);
      const published: PublishedTag[] = [{ tag: digestTag, digest: found.digest }];
      for (const tag of request.tags) {
        if (tag === digestTag) continue;
        const target = parseImageReference(tag);
        // The registry API can name a manifest again within its repository; elsewhere it takes a push.
        if (
          target.registry !== source.registry ||
          target.repository !== source.repository ||
          target.tag === undefined
        )
          return undefined;
        const added = await addTagRemotely(digestTag, target.tag, credentialsOf(tag), { signal });
        published.push({ tag, digest: added.digest });
      }
      return published;
    },
    async publish(request: ImageBuildRequest, signal: AbortSignal): Promise<PublishedTag[]> {
      if (!options.push) return [];
      const published: PublishedTag[] = [];
      for (const tag of request.tags) {
        const pushed = await pushImage(docker, tag, credentialsOf(tag), {
          signal,
          ...retryLog(tag),
          idleMs: options.pushIdleMs,
        });
        published.push({ tag, digest: pushed.digest });
      }
      return published;
    },
  };
}
