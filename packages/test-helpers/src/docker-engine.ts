import { Agent } from 'node:http';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { pack } from 'tar-stream';

export const testBaseImage =
  process.env['BUILD_IMAGES_BASE_IMAGE'] || 'build-images-local/node:24.21.0';

const localSocket = '/var/run/docker.sock';

/** Where an engine listens: a unix socket, or a plain (no TLS) tcp host and port. */
export type EngineAddress = { socketPath: string } | { host: string; port: number };

/**
 * The engine the Docker tests use: the one DOCKER_HOST names, else the local socket. The CLI
 * a test runs inherits the same environment, so both talk to one engine. Only the forms a test
 * can also proxy are taken (unix://, plain tcp://); anything else is an error that says so.
 */
export function testEngineAddress(env: NodeJS.ProcessEnv = process.env): EngineAddress {
  const host = env['DOCKER_HOST'];
  if (!host) {
    if (env['DOCKER_CONTEXT'] && env['DOCKER_CONTEXT'] !== 'default')
      throw new Error(
        `DOCKER_CONTEXT=${env['DOCKER_CONTEXT']} is set without DOCKER_HOST: the Docker tests follow DOCKER_HOST only; set it to the context's host`,
      );
    return { socketPath: localSocket };
  }
  if (host.startsWith('unix://'))
    return { socketPath: host.slice('unix://'.length) || localSocket };
  if (host.startsWith('tcp://') && env['DOCKER_TLS_VERIFY'] !== '1') {
    const url = new URL(host);
    // An IPv6 literal keeps its brackets in URL.hostname; node's net wants it bare.
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 2375) };
  }
  throw new Error(
    `DOCKER_HOST=${host}${env['DOCKER_TLS_VERIFY'] === '1' ? ' with DOCKER_TLS_VERIFY=1' : ''} is not an engine the Docker tests can use: give unix:///path/to.sock or a plain tcp://host:port`,
  );
}

/** A dockerode client for `address`; a fresh connection per request, as the CLI makes them. */
export function dockerAt(address: EngineAddress): Docker {
  return 'socketPath' in address
    ? new Docker({ socketPath: address.socketPath })
    : new Docker({
        protocol: 'http',
        host: address.host,
        port: address.port,
        // dockerode passes the agent on; its types do not list it.
        agent: new Agent({ keepAlive: false }),
      } as Docker.DockerOptions);
}

/**
 * Decides whether the Docker tests run, on the engine of testEngineAddress. With CI=true they
 * must: a missing engine or base image fails the run. Locally they skip, loudly, when no engine
 * answers.
 */
export async function dockerForTests(): Promise<Docker | undefined> {
  let problem: string | undefined;
  let docker: Docker | undefined;
  try {
    docker = dockerAt(testEngineAddress());
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
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
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

/**
 * Runs a container of `image` (labelled for cleanup) and returns what it has printed, on
 * stdout and stderr, once the text matches `until`.
 */
export async function outputOf(
  docker: Docker,
  image: string,
  label: string,
  until: RegExp,
): Promise<string> {
  const { container } = await startContainer(docker, image, label);
  return waitFor(`${image} to print ${String(until)}`, async () => {
    const text = demuxLogs((await container.logs({ stdout: true, stderr: true })) as Buffer);
    return until.test(text) ? text : undefined;
  });
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

/** Runs `command` in a running container as its image's user: its exit code and output. */
export async function execIn(
  container: Docker.Container,
  command: string[],
): Promise<{ exitCode: number | null; output: string }> {
  const exec = await container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.on('end', resolve));
  return { exitCode: (await exec.inspect()).ExitCode, output: demuxLogs(Buffer.concat(chunks)) };
}

export interface TestImageOptions {
  /** The label `removeTestResources` finds it by. */
  label: string;
  buildargs?: Record<string, string>;
  target?: string;
  /** File modes other than 0644 (`{ 'apt-get': 0o755 }`). */
  modes?: Record<string, number>;
}

/**
 * Builds an image with BuildKit through the Engine API from a Dockerfile and files sent as a
 * tar context (no files on disk); fails with the build's own error messages.
 */
export async function buildTestImage(
  engine: Docker,
  tag: string,
  files: Record<string, string>,
  options: TestImageOptions,
): Promise<string> {
  const context = pack();
  for (const [file, content] of Object.entries(files))
    context.entry({ name: file, mode: options.modes?.[file] ?? 0o644 }, content);
  context.finalize();
  const response = (await engine.buildImage(
    context as unknown as NodeJS.ReadableStream,
    {
      t: tag,
      version: '2',
      labels: { 'build-images.test': options.label },
      buildargs: options.buildargs ?? {},
      ...(options.target === undefined ? {} : { target: options.target }),
    } as Docker.ImageBuildOptions,
  )) as Readable;
  let text = '';
  for await (const chunk of response) text += String(chunk);
  const errors = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { error?: string; errorDetail?: { message?: string } })
    .flatMap((message) => message.errorDetail?.message ?? message.error ?? []);
  if (errors.length > 0) throw new Error(`building ${tag} failed: ${errors.join('\n')}`);
  return tag;
}
