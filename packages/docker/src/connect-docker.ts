import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { homedir } from 'node:os';
import path from 'node:path';
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

/** Node's error codes of a certificate the client does not trust, or of a refused handshake. */
const tlsFailure =
  /^(?:CERT_|UNABLE_TO_(?:VERIFY|GET_ISSUER)|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|ERR_TLS_|ERR_SSL_)/;

const defaultSocket = '/var/run/docker.sock';
const hostForms =
  'unix:///path/to.sock, tcp://host:2375 (tcp://host:2376 with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH) or ssh://user@host';

/** The engine the docker CLI would talk to, and how to tell the user about it. */
export interface DockerEndpoint {
  /** Where the choice came from, for messages: `DOCKER_HOST=…`, `docker context "ci" (tcp://…)`, the local socket. */
  description: string;
  /** What to change when nothing answers there. */
  hint: string;
  /** Every connection option, given explicitly so that dockerode's own reading of process.env cannot mix in. */
  options: Docker.DockerOptions;
}

interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  skipVerify: boolean;
}

function invalid(message: string, hint: string): BuildImagesError {
  return new BuildImagesError('ENGINE_CONFIG_INVALID', message, { hint });
}

/** The docker CLI's configuration directory: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env['DOCKER_CONFIG'] || path.join(env['HOME'] || homedir(), '.docker');
}

/** The directory name the docker CLI stores a context under: the hex sha256 of its name. */
export function contextStoreId(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/**
 * Turns an engine address (`DOCKER_HOST` or a context's `Endpoints.docker.Host`) into dockerode
 * options. Only the forms the docker CLI accepts with a scheme are taken; anything else is a
 * configuration error naming `source`, before any connection is tried.
 */
export function parseDockerHost(
  value: string,
  source: string,
  tls: TlsMaterial | undefined,
  env: NodeJS.ProcessEnv,
): Docker.DockerOptions {
  const bad = (why: string) =>
    invalid(
      `${source} is not an engine address: ${why}`,
      `Use ${hostForms}; or unset it to use the local engine.`,
    );
  const scheme = /^([a-z]+):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) throw bad('it has no scheme');
  const none = {
    host: undefined,
    port: undefined,
    protocol: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    username: undefined,
  };
  if (scheme === 'unix' || scheme === 'npipe') {
    const socketPath = value.slice(scheme.length + 3);
    return {
      ...none,
      socketPath: socketPath || (scheme === 'unix' ? defaultSocket : '//./pipe/docker_engine'),
    };
  }
  if (scheme !== 'tcp' && scheme !== 'ssh')
    throw bad(`the scheme "${scheme}://" is not one of unix://, tcp://, ssh://`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad('it does not parse as a URL');
  }
  if (url.hostname === '') throw bad('it names no host');
  if (url.search || url.hash) throw bad('it has a query or fragment');
  const port = url.port === '' ? undefined : Number(url.port);
  // An IPv6 literal keeps its brackets in URL.hostname; node's http wants it bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (scheme === 'ssh') {
    return {
      ...none,
      socketPath: undefined,
      protocol: 'ssh',
      host,
      port: port ?? 22,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      sshOptions: env['SSH_AUTH_SOCK'] ? { agent: env['SSH_AUTH_SOCK'] } : {},
    } as Docker.DockerOptions;
  }
  if (url.pathname !== '' && url.pathname !== '/')
    throw bad(`a path ("${url.pathname}") is not supported`);
  // Node's default agents keep connections alive, and the session upgrade (POST /session) then
  // goes out on the connection the ping used: the engine answers 101 but the session never
  // becomes active ("no active session … context deadline exceeded"). A fresh connection per
  // request avoids that.
  if (tls === undefined)
    return {
      ...none,
      socketPath: undefined,
      protocol: 'http',
      host,
      port: port ?? 2375,
      agent: new HttpAgent({ keepAlive: false }),
    } as Docker.DockerOptions;
  return {
    ...none,
    socketPath: undefined,
    protocol: 'https',
    host,
    port: port ?? 2376,
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    // dockerode has no switch for an unverified server certificate; the agent does it.
    agent: new HttpsAgent({
      keepAlive: false,
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      ...(tls.skipVerify ? { rejectUnauthorized: false } : {}),
    }),
  } as Docker.DockerOptions;
}

function readJson(file: string, what: string, hint: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw invalid(
      `Cannot read ${what} ${file}: ${error instanceof Error ? error.message : String(error)}`,
      hint,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalid(
      `${what} ${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      hint,
    );
  }
}

/** TLS files of `DOCKER_TLS_VERIFY`/`DOCKER_TLS`: all three must be there, as the docker CLI requires. */
function envTls(env: NodeJS.ProcessEnv): TlsMaterial | undefined {
  const verify = Boolean(env['DOCKER_TLS_VERIFY']);
  if (!verify && !env['DOCKER_TLS']) return undefined;
  const dir = env['DOCKER_CERT_PATH'] || dockerConfigDir(env);
  const read = (name: string) => {
    const file = path.join(dir, name);
    try {
      return readFileSync(file);
    } catch {
      throw invalid(
        `DOCKER_TLS_VERIFY is set but ${file} cannot be read`,
        `Put ca.pem, cert.pem and key.pem in ${env['DOCKER_CERT_PATH'] ? 'DOCKER_CERT_PATH' : `${dir} or set DOCKER_CERT_PATH`}, or unset DOCKER_TLS_VERIFY.`,
      );
    }
  };
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem'), skipVerify: !verify };
}

/**
 * Finds the engine the way the docker CLI does: `DOCKER_HOST` (with `DOCKER_TLS_VERIFY` and
 * `DOCKER_CERT_PATH`); else the context named by `DOCKER_CONTEXT`, else `currentContext` in
 * `$DOCKER_CONFIG/config.json` (default ~/.docker); the context `default` is the local socket.
 * Reads only `env` and the files it points at, never process.env.
 */
export function resolveDockerEndpoint(env: NodeJS.ProcessEnv): DockerEndpoint {
  const dockerHost = env['DOCKER_HOST'];
  if (dockerHost) {
    return {
      description: `DOCKER_HOST=${dockerHost}`,
      hint: 'Start the engine there, or point DOCKER_HOST at a running one (unset it to use the local engine).',
      options: parseDockerHost(dockerHost, `DOCKER_HOST=${dockerHost}`, envTls(env), env),
    };
  }
  const configDir = dockerConfigDir(env);
  let name = env['DOCKER_CONTEXT'];
  let source = `DOCKER_CONTEXT=${name}`;
  if (!name) {
    const configFile = path.join(configDir, 'config.json');
    const config = readJson(
      configFile,
      'the docker config',
      'Fix or remove the file, or set DOCKER_HOST.',
    ) as { currentContext?: unknown } | undefined;
    if (typeof config?.currentContext === 'string' && config.currentContext !== '') {
      name = config.currentContext;
      source = `currentContext "${name}" in ${configFile}`;
    }
  }
  if (!name || name === 'default') {
    return {
      description: `the local socket ${defaultSocket}`,
      hint: 'Start the engine (e.g. scripts/setup-docker.sh), or point DOCKER_HOST at a running one.',
      options: {
        socketPath: defaultSocket,
        host: undefined,
        port: undefined,
        protocol: undefined,
        ca: undefined,
        cert: undefined,
        key: undefined,
      } as Docker.DockerOptions,
    };
  }
  const id = contextStoreId(name);
  const metaFile = path.join(configDir, 'contexts', 'meta', id, 'meta.json');
  const fixHint = `Create it with docker context create ${name} --docker host=…, pick another with DOCKER_CONTEXT (docker context ls), or set DOCKER_HOST.`;
  const meta = readJson(metaFile, `docker context "${name}"`, fixHint) as
    { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } } | undefined;
  if (meta === undefined) {
    throw invalid(
      `Docker context "${name}" (from ${source}) does not exist: there is no ${metaFile}`,
      fixHint,
    );
  }
  const endpoint = meta.Endpoints?.docker;
  if (typeof endpoint?.Host !== 'string' || endpoint.Host === '') {
    throw invalid(`Docker context "${name}" (${metaFile}) has no Endpoints.docker.Host`, fixHint);
  }
  const tlsDir = path.join(configDir, 'contexts', 'tls', id, 'docker');
  const tlsFile = (file: string) =>
    existsSync(path.join(tlsDir, file)) ? readFileSync(path.join(tlsDir, file)) : undefined;
  const ca = tlsFile('ca.pem');
  const cert = tlsFile('cert.pem');
  const key = tlsFile('key.pem');
  // As the docker CLI does: TLS when the context stores TLS material or asks to skip verification.
  const tls =
    ca || cert || key || endpoint.SkipTLSVerify === true
      ? { ca, cert, key, skipVerify: endpoint.SkipTLSVerify === true }
      : undefined;
  const description = `docker context "${name}" (${endpoint.Host})`;
  return {
    description,
    hint: `Start the engine at ${endpoint.Host}, fix the context (docker context inspect ${name}), or choose another with DOCKER_CONTEXT or DOCKER_HOST.`,
    options: parseDockerHost(endpoint.Host, `The host of ${description}`, tls, env),
  };
}

/**
 * Creates a dockerode client for the engine the docker CLI would use (see
 * `resolveDockerEndpoint`) and checks that it answers, so that a wrong address is one
 * clear error before any build starts: exit 2 when the address is malformed or the
 * context unknown, exit 3 when nothing answers.
 */
export async function connectDocker(env: NodeJS.ProcessEnv = process.env): Promise<Docker> {
  const endpoint = resolveDockerEndpoint(env);
  let docker: Docker;
  try {
    docker = new Docker(endpoint.options);
  } catch (error) {
    throw new BuildImagesError(
      'ENGINE_UNREACHABLE',
      `Cannot use ${endpoint.description}: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: endpoint.hint,
        cause: error,
      },
    );
  }
  let ping: { body: string; builderVersion: string | undefined };
  try {
    ping = await pingEngine(docker);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const message = error instanceof Error ? error.message : String(error);
    // Something answered, but the TLS handshake failed: the certificates, not the address.
    if (tlsFailure.test(code) || /certificate|tlsv1 alert|ssl3_read_bytes/i.test(message)) {
      throw new BuildImagesError(
        'ENGINE_UNREACHABLE',
        `The TLS handshake with the engine at ${endpoint.description} failed: ${message}${code ? ` (${code})` : ''}`,
        {
          hint: `Check the certificates (DOCKER_CERT_PATH, else ~/.docker, or the context's TLS files): ca.pem must be the CA that signed the engine's certificate, and cert.pem with key.pem a client certificate the engine trusts (dockerd --tlsverify --tlscacert).`,
          cause: error,
        },
      );
    }
    const reason = unreachableReasons[code] ?? message;
    throw new BuildImagesError(
      'ENGINE_UNREACHABLE',
      `No Docker Engine answers at ${endpoint.description}: ${reason}${code ? ` (${code})` : ''}`,
      {
        hint: endpoint.hint,
        cause: error,
      },
    );
  }
  // Something answered: it must be a Docker Engine, and one that builds with BuildKit.
  if (ping.body.trim() !== 'OK') {
    throw new BuildImagesError(
      'ENGINE_UNREACHABLE',
      `What answers at ${endpoint.description} is not a Docker Engine: its /_ping said ${JSON.stringify(ping.body.trim().slice(0, 80))}, where an engine says "OK"`,
      { hint: endpoint.hint },
    );
  }
  if (ping.builderVersion !== undefined && ping.builderVersion !== '2') {
    throw new BuildImagesError(
      'ENGINE_UNREACHABLE',
      `The Docker Engine at ${endpoint.description} does not build with BuildKit (its /_ping says Builder-Version: ${ping.builderVersion}), which every build of the generated Dockerfile needs`,
      {
        hint: 'Turn BuildKit on in the engine: "features": { "buildkit": true } in /etc/docker/daemon.json, then restart dockerd (it is the default since Engine 23).',
      },
    );
  }
  return docker;
}

/** GET /_ping: its body ("OK" from an engine) and its Builder-Version header ("2": BuildKit). */
function pingEngine(
  docker: Docker,
  timeoutMs = 30_000,
): Promise<{ body: string; builderVersion: string | undefined }> {
  return new Promise((resolve, reject) => {
    // An address that accepts the connection and never answers must not hang the run.
    const timer = setTimeout(() => {
      const error = new Error(`no answer to /_ping within ${timeoutMs / 1000} s`);
      (error as { code?: string }).code = 'ETIMEDOUT';
      reject(error);
    }, timeoutMs);
    timer.unref();
    docker.modem.dial(
      {
        path: '/_ping',
        method: 'GET',
        isStream: true,
        statusCodes: { 200: true, 500: 'server error', 503: 'engine unavailable' },
      } as unknown as Parameters<Docker['modem']['dial']>[0],
      (error: unknown, response: unknown) => {
        if (error) {
          clearTimeout(timer);
          return reject(error instanceof Error ? error : new Error(String(error)));
        }
        const stream = response as IncomingMessage;
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          // An engine says "OK"; anything long is not one, and is not read to its end.
          if (size < 4096) chunks.push(chunk);
          size += chunk.length;
        });
        stream.on('error', reject);
        stream.on('end', () => {
          clearTimeout(timer);
          const header = stream.headers['builder-version'];
          resolve({
            body: Buffer.concat(chunks).toString('utf8'),
            builderVersion: Array.isArray(header) ? header[0] : header,
          });
        });
      },
    );
  });
}
