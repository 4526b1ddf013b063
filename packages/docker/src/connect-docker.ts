import Docker from 'dockerode';
import { BuildImagesError } from '@build-images/core';

/** Engine error codes that mean "nothing answers there", with what to tell the user. */
const unreachableReasons: Record<string, string> = {
  ENOENT: 'the socket does not exist',
  ECONNREFUSED: 'the connection was refused',
  ENOTFOUND: 'the host name does not resolve',
  EACCES: 'permission to the socket was denied',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
};

function describeEngine(env: NodeJS.ProcessEnv): string {
  return env['DOCKER_HOST'] ? `DOCKER_HOST=${env['DOCKER_HOST']}` : 'the local socket /var/run/docker.sock';
}

/**
 * Creates a dockerode client the way the docker CLI finds its engine (DOCKER_HOST,
 * DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) and checks that the engine answers, so that a
 * missing engine is one clear error before any build starts.
 */
export async function connectDocker(env: NodeJS.ProcessEnv = process.env): Promise<Docker> {
  let docker: Docker;
  try {
    docker = new Docker();
  } catch (error) {
    throw new BuildImagesError('ENGINE_UNREACHABLE', `Cannot use ${describeEngine(env)}: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'Set DOCKER_HOST to unix:///path/to.sock, tcp://host:port or ssh://user@host, or unset it to use the local engine.',
      cause: error,
    });
  }
  try {
    await docker.ping();
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const reason = unreachableReasons[code] ?? (error instanceof Error ? error.message : String(error));
    throw new BuildImagesError('ENGINE_UNREACHABLE', `No Docker Engine answers at ${describeEngine(env)}: ${reason}${code ? ` (${code})` : ''}`, {
      hint: 'Start the engine (e.g. scripts/setup-docker.sh), or point DOCKER_HOST at a running one.',
      cause: error,
    });
  }
  return docker;
}
