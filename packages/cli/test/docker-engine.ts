import Docker from 'dockerode';

export const testBaseImage =
  process.env['BUILD_IMAGES_BASE_IMAGE'] || 'build-images-local/node:24.21.0';

/**
 * Decides whether the Docker tests run. With CI=true they must: a missing engine or
 * base image fails the run. Locally they skip, loudly, when no engine answers.
 */
export async function dockerForTests(): Promise<Docker | undefined> {
  const docker = new Docker();
  let problem: string | undefined;
  try {
    await docker.ping();
    try {
      await docker.getImage(testBaseImage).inspect();
    } catch {
      problem = `the base image ${testBaseImage} is missing: run scripts/make-base-image.sh`;
    }
  } catch (error) {
    problem = `no Docker Engine answers (${error instanceof Error ? error.message : String(error)}): run scripts/setup-docker.sh`;
  }
  if (problem === undefined) return docker;
  if (process.env['CI'] === 'true')
    throw new Error(`CI=true and the Docker tests cannot run: ${problem}`);
  console.warn(`\n!!! SKIPPING Docker tests: ${problem} !!!\n`);
  return undefined;
}

/** Runs a container of `image` and returns it started; it carries `label` so cleanup can find it. */
export async function startContainer(docker: Docker, image: string, label: string, port?: number) {
  const container = await docker.createContainer({
    Image: image,
    Labels: { 'build-images.test': label },
    ExposedPorts: port ? { [`${port}/tcp`]: {} } : {},
    HostConfig: port
      ? { PortBindings: { [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] } }
      : {},
  });
  await container.start();
  const info = await container.inspect();
  const hostPort = port
    ? Number(info.NetworkSettings.Ports[`${port}/tcp`]?.[0]?.HostPort)
    : undefined;
  return { container, hostPort };
}

/** Removes every container and image a test labelled or tagged. */
export async function removeTestResources(
  docker: Docker,
  label: string,
  repositoryPrefix: string,
): Promise<void> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`build-images.test=${label}`] },
  });
  await Promise.all(containers.map((info) => docker.getContainer(info.Id).remove({ force: true })));
  const images = await docker.listImages();
  for (const image of images) {
    for (const tag of image.RepoTags ?? []) {
      if (tag.startsWith(repositoryPrefix))
        await docker
          .getImage(tag)
          .remove({ force: true })
          .catch(() => undefined);
    }
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/** The text of a non-TTY container's log stream: frames of an 8-byte header (stream, size) and a payload. */
export function demuxLogs(buffer: Buffer): string {
  let text = '';
  for (let offset = 0; offset + 8 <= buffer.length;) {
    const size = buffer.readUInt32BE(offset + 4);
    text += buffer.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
  }
  return text;
}
