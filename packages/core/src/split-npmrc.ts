/** What a workspace `.npmrc` holds, split by where it may go. */
export interface NpmrcParts {
  /** The settings without credentials: what the install stages get, as a file in a layer. */
  settings: string;
  /** The lines that authenticate: given to the installs as the `npmrc` secret, never in a layer. */
  credentials: string[];
}

/** Keys that authenticate, alone or scoped to a registry (`//registry.npmjs.org/:_authToken`). */
const credentialKeys = new Set([
  '_auth',
  '_authtoken',
  '_password',
  'password',
  'username',
  'email',
  'certfile',
  'keyfile',
  'cert',
  'key',
  'otp',
  'tokenhelper',
  'always-auth',
]);

/**
 * Splits a `.npmrc` into settings and credentials. A line is a credential when its key is
 * scoped to a registry URL (`//host/path/:…`, every such key is about authenticating there)
 * or is one of npm's auth keys (`_authToken`, `_auth`, `_password`, `username`, `certfile`,
 * …). Comments and everything else are settings, in their order. Pure.
 */
export function splitNpmrc(text: string): NpmrcParts {
  const settings: string[] = [];
  const credentials: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      settings.push(line);
      continue;
    }
    const key = trimmed.split('=')[0]!.trim().toLowerCase();
    const bare = key.slice(key.lastIndexOf(':') + 1);
    if (key.startsWith('//') || credentialKeys.has(key) || credentialKeys.has(bare))
      credentials.push(trimmed);
    else settings.push(line);
  }
  return { settings: `${settings.join('\n').trimEnd()}\n`, credentials };
}
