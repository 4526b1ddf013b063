import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BuildImagesError } from '@build-images/core';
import { mountedSecretIds, type SecretSpec } from './cli-options.js';

/**
 * Reads the values of --secret: files (a leading `~/` is the home directory, since shells
 * do not expand it after `src=`) and environment variables. A file that cannot be read is a
 * usage error naming the flag.
 */
export async function readSecrets(
  specs: readonly SecretSpec[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<Map<string, Buffer>> {
  const secrets = new Map<string, Buffer>();
  for (const spec of specs) {
    if (secrets.has(spec.id))
      throw new BuildImagesError('USAGE', `--secret ${spec.id} is given twice`);
    if ('env' in spec.source) {
      secrets.set(spec.id, Buffer.from(env[spec.source.env] ?? '', 'utf8'));
      continue;
    }
    const home = env['HOME'] || os.homedir();
    const file = path.resolve(cwd, spec.source.file.replace(/^~(?=\/|$)/, home));
    try {
      secrets.set(spec.id, await readFile(file));
    } catch (error) {
      throw new BuildImagesError('USAGE', `--secret ${spec.id}: cannot read ${file}`, {
        hint: 'Give a readable file, e.g. --secret id=npmrc,src=$HOME/.npmrc.',
        cause: error,
      });
    }
  }
  return secrets;
}

/**
 * The ids among `secrets` that the generated Dockerfile does not mount (worth a warning): not
 * the installs' npmrc and npm_token, nor one of the apps' `buildSecrets`.
 */
export function unmountedSecretIds(
  secrets: ReadonlyMap<string, Buffer>,
  buildSecrets: readonly string[] = [],
): string[] {
  return [...secrets.keys()].filter(
    (id) => !(mountedSecretIds as readonly string[]).includes(id) && !buildSecrets.includes(id),
  );
}
