import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { BuildImagesError, defaultRegistry } from '@build-images/core';

/** Credentials for one registry, as the engine's `X-Registry-Auth` and the Registry API take them. */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token stored by `docker login` (`identitytoken`, or a helper's `<token>` user). */
  identityToken?: string;
  /** A bearer token for the registry itself (`registrytoken`), sent as is. */
  registryToken?: string;
  /** Where they came from, for messages: `~/.docker/config.json (auths)`, `docker-credential-pass`, `--registry-user`. */
  source: string;
}

export interface ResolveCredentialsOptions {
  /** The docker config file; default `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
  configPath?: string;
  /** DOCKER_CONFIG, HOME and PATH (to find credential helpers) are read from here; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Credentials given on the command line; they win over every configured source. */
  override?: { username: string; password: string };
  /** How long a credential helper may take; default 30 s. */
  helperTimeoutMs?: number;
}

/** The key `docker login` stores Docker Hub credentials under. */
export const dockerHubAuthKey = 'https://index.docker.io/v1/';
const dockerHubHosts = new Set([defaultRegistry, 'index.docker.io', 'registry-1.docker.io']);

/**
 * The registry host a config key or server address names, the way the docker CLI compares them
 * (`ConvertToHostname`): scheme and path dropped, and every Docker Hub spelling is `docker.io`.
 * `https://index.docker.io/v1/` → `docker.io`, `http://127.0.0.1:5000/v2/` → `127.0.0.1:5000`.
 */
export function normalizeRegistryHost(serverAddress: string): string {
  const host = serverAddress.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0] ?? '';
  const lower = host.toLowerCase();
  return dockerHubHosts.has(lower) ? defaultRegistry : lower;
}

/** The server address docker uses for a registry in `auths` keys, helpers and `POST /auth`. */
export function registryServerAddress(registry: string): string {
  const host = normalizeRegistryHost(registry);
  return host === defaultRegistry ? dockerHubAuthKey : host;
}

interface DockerConfigFile {
  auths?: Record<
    string,
    {
      auth?: string;
      username?: string;
      password?: string;
      identitytoken?: string;
      registrytoken?: string;
    }
  >;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The docker config file the CLI would read: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function defaultDockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['DOCKER_CONFIG'] || path.join(env['HOME'] || homedir(), '.docker');
  return path.join(dir, 'config.json');
}

/**
 * Finds the credentials for `registry` as the docker CLI does: a credential helper named in
 * `credHelpers` for that registry, else the `credsStore` helper, else the `auths` entry
 * (base64 `auth`, or `username`/`password`, `identitytoken`). A helper replaces `auths` as
 * in docker, so an `auths` entry is used only when no helper applies. Keys match with or without
 * a scheme and path, and every Docker Hub spelling matches every other.
 * Returns undefined for anonymous access (no entry, or a helper that has none).
 */
export async function resolveRegistryCredentials(
  registry: string,
  options: ResolveCredentialsOptions = {},
): Promise<RegistryCredentials | undefined> {
  if (options.override) {
    return {
      username: options.override.username,
      password: options.override.password,
      source: 'the command line',
    };
  }
  const env = options.env ?? process.env;
  const configPath = options.configPath ?? defaultDockerConfigPath(env);
  const config = await readDockerConfig(configPath);
  if (config === undefined) return undefined;
  const host = normalizeRegistryHost(registry);

  const helper = findByRegistry(config.credHelpers, host) ?? config.credsStore;
  if (helper) {
    return runCredentialHelper(
      helper,
      registryServerAddress(host),
      env,
      options.helperTimeoutMs ?? 30_000,
      configPath,
    );
  }
  const entry = findByRegistry(config.auths, host);
  if (entry === undefined) return undefined;
  const source = `${configPath} (auths)`;
  const credentials: RegistryCredentials = { source };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new BuildImagesError(
        'CONFIG_INVALID',
        `${configPath}: the "auth" of "${host}" is not base64 of "user:password"`,
        {
          hint: `Run "docker login${host === defaultRegistry ? '' : ` ${host}`}" again, or remove the entry.`,
        },
      );
    }
    credentials.username = decoded.slice(0, colon);
    credentials.password = decoded.slice(colon + 1);
  } else {
    if (entry.username) credentials.username = entry.username;
    if (entry.password) credentials.password = entry.password;
  }
  if (entry.identitytoken) credentials.identityToken = entry.identitytoken;
  if (entry.registrytoken) credentials.registryToken = entry.registrytoken;
  const empty =
    !credentials.username &&
    !credentials.password &&
    !credentials.identityToken &&
    !credentials.registryToken;
  return empty ? undefined : credentials;
}

/** The exact key first (docker's own lookup), then any key naming the same host. */
function findByRegistry<T>(record: Record<string, T> | undefined, host: string): T | undefined {
  if (record === undefined) return undefined;
  const exact = record[registryServerAddress(host)] ?? record[host];
  if (exact !== undefined) return exact;
  for (const [key, value] of Object.entries(record)) {
    if (normalizeRegistryHost(key) === host) return value;
  }
  return undefined;
}

async function readDockerConfig(configPath: string): Promise<DockerConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BuildImagesError(
      'CONFIG_INVALID',
      `Cannot read the docker config ${configPath}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not a JSON object');
    return parsed as DockerConfigFile;
  } catch (error) {
    throw new BuildImagesError(
      'CONFIG_INVALID',
      `The docker config ${configPath} is not valid JSON: ${(error as Error).message}`,
      {
        hint: 'Fix the file, or point DOCKER_CONFIG at another directory.',
        cause: error,
      },
    );
  }
}

/**
 * Runs `docker-credential-<name> get` with the server address on stdin (an argument array,
 * no shell) and reads `{"Username","Secret"}`. "credentials not found" means anonymous, as in docker.
 */
async function runCredentialHelper(
  name: string,
  serverAddress: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  configPath: string,
): Promise<RegistryCredentials | undefined> {
  const program = `docker-credential-${name}`;
  const failed = (reason: string, cause?: unknown) =>
    new BuildImagesError(
      'REGISTRY_CREDENTIALS_FAILED',
      `The credential helper ${program} failed for ${serverAddress}: ${reason}`,
      {
        hint: `${configPath} names "${name}" in credHelpers or credsStore: install ${program} on PATH, fix it, or remove it from the file (or pass credentials explicitly).`,
        cause,
      },
    );
  if (!/^[\w.-]+$/.test(name)) throw failed(`"${name}" is not a helper name`);

  const { code, stdout, stderr, error } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    error?: NodeJS.ErrnoException;
  }>((resolve) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    // A timer of our own, not spawn's `timeout`: that one outlives a helper that never started
    // (ENOENT) and kept the process alive for the whole bound after the error was reported.
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    timer.unref();
    child.once('error', () => clearTimeout(timer));
    child.once('close', () => clearTimeout(timer));
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.stdin.on('error', () => undefined); // a helper that exits without reading stdin
    child.once('error', (spawnError: NodeJS.ErrnoException) =>
      resolve({ code: null, stdout: out, stderr: err, error: spawnError }),
    );
    child.once('close', (exitCode, signal) =>
      resolve({
        code: exitCode,
        stdout: out,
        stderr: signal
          ? `${err}killed by ${signal}${signal === 'SIGTERM' ? ` (timed out after ${timeoutMs} ms)` : ''}`
          : err,
      }),
    );
    child.stdin.end(serverAddress);
  });
  if (error?.code === 'ENOENT') throw failed(`${program} was not found on PATH`, error);
  if (error) throw failed(error.message, error);
  const output = `${stdout}\n${stderr}`.trim();
  if (code !== 0) {
    if (/credentials not found/i.test(output)) return undefined;
    throw failed(
      `exit code ${code ?? 'none'}${output ? `: ${output.split('\n').slice(-3).join(' ')}` : ''}`,
    );
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    throw failed(`it printed no JSON ("${stdout.trim().slice(0, 80)}")`);
  }
  if (typeof parsed.Secret !== 'string' || parsed.Secret === '') return undefined;
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  // Helpers store an identity token with the user name "<token>" (docker/cli credentials/native_store.go).
  if (username === '<token>') return { identityToken: parsed.Secret, source: program };
  return { username, password: parsed.Secret, source: program };
}

/** The engine's `X-Registry-Auth` / `POST /auth` body; `{}` for anonymous access. */
export interface EngineAuthConfig {
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  serveraddress?: string;
}

export function toEngineAuthConfig(
  registry: string,
  credentials: RegistryCredentials | undefined,
): EngineAuthConfig {
  if (credentials === undefined) return {};
  const config: EngineAuthConfig = { serveraddress: registryServerAddress(registry) };
  if (credentials.username !== undefined) config.username = credentials.username;
  if (credentials.password !== undefined) config.password = credentials.password;
  if (credentials.identityToken !== undefined) config.identitytoken = credentials.identityToken;
  if (credentials.registryToken !== undefined) config.registrytoken = credentials.registryToken;
  return config;
}
