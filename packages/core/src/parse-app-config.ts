import { isValidImageReference } from './image-name.js';
import { isNextApp } from './infer-app.js';
import type { WorkspacePackage } from './types.js';

export const appKinds = ['node', 'next', 'bundle'] as const;
export type AppKind = (typeof appKinds)[number];

/** What an app may say about its image in the `buildImages` field of its package.json. */
/** Build argument names that say they hold a secret. */
const secretArgName =
  /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|PRIVATE|CREDENTIAL|(^|_)(API_?)?KEY($|_)|(^|_)AUTH$/i;
/** Values frameworks inline into client code, public by design (NEXT_PUBLIC_POSTHOG_KEY). */
const publicArgName = /^(NEXT_PUBLIC_|VITE_|PUBLIC_|NUXT_PUBLIC_|EXPO_PUBLIC_|REACT_APP_)/;

/** A build argument name that says it holds a secret (and is no public client value). */
export function isSecretArgName(name: string): boolean {
  return secretArgName.test(name) && !publicArgName.test(name);
}

export interface AppConfig {
  /** How the runtime image is made; default: `next` when the app depends on next, else `node`. */
  kind: AppKind;
  /** The port the app listens on: `EXPOSE` and the health check use it. */
  port: number | undefined;
  /** An HTTP path answered with 2xx when the app is healthy; needs `port`. */
  healthPath: string | undefined;
  /** The container command, run by node directly (exec form); default `node <main>`. */
  command: string[] | undefined;
  /** The runtime base image of this app (pinned), instead of the shared one. */
  baseImage: string | undefined;
  /** Paths below the app directory copied into the runtime as they are (e.g. node_modules/.prisma). */
  keep: string[];
  /** Build arguments the app's build reads, with their defaults. */
  buildArgs: Record<string, string>;
  /** For `bundle`: the file esbuild starts from, relative to the app (default: its main). */
  entry: string | undefined;
  /** Pins whether the package is an app: true takes it, false leaves it out; default: detected. */
  app: boolean | undefined;
  /** Files outside the workspace packages that the build reads, relative to the workspace root. */
  buildInputs: string[];
  /** Shell commands run in the app's directory before its build (code generation the tool cannot see). */
  prebuild: string[];
  /**
   * Environment variables the app's build (and prebuild commands) get from the BuildKit secret
   * of the same id (`--secret id=NAME,env=NAME`): never in the Dockerfile, a layer or history.
   */
  buildSecrets: string[];
}

/** Secret ids the install steps mount already (the .npmrc and its token). */
const reservedSecretIds: readonly string[] = ['npmrc', 'npm_token'];

const knownKeys = [
  'kind',
  'port',
  'healthPath',
  'command',
  'baseImage',
  'keep',
  'buildArgs',
  'entry',
  'app',
  'buildInputs',
  'prebuild',
  'buildSecrets',
] as const;

/** The known key nearest to a mistyped one (edit distance ≤ 3), for "did you mean". */
export function nearest(key: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j]!;
        row[j] = Math.min(
          row[j]! + 1,
          row[j - 1]! + 1,
          previous + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
        );
        previous = current;
      }
    }
    return row[b.length]!;
  };
  const best = candidates
    .map((candidate) => ({ candidate, score: distance(key, candidate) }))
    .sort((a, b) => a.score - b.score)[0];
  return best && best.score <= 3 ? best.candidate : undefined;
}

/** A relative path inside the app: no absolute paths, no `..`, no quotes or spaces. */
const safeRelativePath = /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[\w@.+/-]+$/;

/** A list of files relative to the workspace root: no absolute paths, no `..`, no globs. */
export function isRootFileList(value: unknown): value is string[] {
  return (
    Array.isArray(value) &&
    value.every(
      (item) =>
        typeof item === 'string' &&
        safeRelativePath.test(item.replace(/^\.\//, '')) &&
        !item.endsWith('/'),
    )
  );
}

/** Parses and validates `buildImages`; each problem names the manifest and the field. */
export function parseAppConfig(pkg: WorkspacePackage): { config: AppConfig; problems: string[] } {
  const problems: string[] = [];
  const config: AppConfig = {
    kind: isNextApp(pkg) ? 'next' : 'node',
    port: undefined,
    healthPath: undefined,
    command: undefined,
    baseImage: undefined,
    keep: [],
    buildArgs: {},
    entry: undefined,
    app: undefined,
    buildInputs: [],
    prebuild: [],
    buildSecrets: [],
  };
  const raw = pkg.buildImages;
  const where = (field: string) => `${pkg.manifestPath}: buildImages.${field}`;
  if (raw === undefined) return { config, problems };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { config, problems: [`${pkg.manifestPath}: "buildImages" must be an object`] };
  }
  const fields = raw as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!(knownKeys as readonly string[]).includes(key)) {
      const suggestion = nearest(key, knownKeys);
      problems.push(
        `${where(key)} is not a known option${suggestion ? ` (did you mean "${suggestion}"?)` : ''} (known: ${knownKeys.join(', ')})`,
      );
    }
  }
  const {
    kind,
    port,
    healthPath,
    command,
    baseImage,
    keep,
    buildArgs,
    entry,
    buildInputs,
    app,
    prebuild,
    buildSecrets,
  } = fields;
  if (buildSecrets !== undefined) {
    if (
      Array.isArray(buildSecrets) &&
      buildSecrets.every(
        (item) =>
          typeof item === 'string' &&
          /^[A-Za-z_][A-Za-z0-9_]*$/.test(item) &&
          !reservedSecretIds.includes(item),
      )
    )
      config.buildSecrets = [...new Set(buildSecrets as string[])];
    else
      problems.push(
        `${where('buildSecrets')} must be a list of environment variable names (letters, digits and _; not npmrc or npm_token, which the installs mount), e.g. ["SENTRY_AUTH_TOKEN"]`,
      );
  }
  if (prebuild !== undefined) {
    if (
      Array.isArray(prebuild) &&
      prebuild.every(
        (item) => typeof item === 'string' && item.trim() !== '' && !/[\n\r]/.test(item),
      )
    )
      config.prebuild = [...(prebuild as string[])];
    else
      problems.push(
        `${where('prebuild')} must be a list of one-line shell commands, e.g. ["pnpm run codegen"]`,
      );
  }
  if (app !== undefined) {
    if (typeof app === 'boolean') config.app = app;
    else problems.push(`${where('app')} must be true or false, got ${JSON.stringify(app)}`);
  }
  if (kind !== undefined) {
    if (typeof kind === 'string' && (appKinds as readonly string[]).includes(kind))
      config.kind = kind as AppKind;
    else
      problems.push(
        `${where('kind')} must be one of ${appKinds.join(', ')}, got ${JSON.stringify(kind)}`,
      );
  }
  if (port !== undefined) {
    if (typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536) {
      config.port = port;
    } else {
      problems.push(
        `${where('port')} must be a whole number from 1 to 65535, got ${JSON.stringify(port)}`,
      );
    }
  }
  if (healthPath !== undefined) {
    if (
      typeof healthPath === 'string' &&
      /^\/[\x21-\x7e]*$/.test(healthPath) &&
      !/['"\\]/.test(healthPath)
    ) {
      config.healthPath = healthPath;
    } else {
      problems.push(
        `${where('healthPath')} must be a URL path starting with "/", got ${JSON.stringify(healthPath)}`,
      );
    }
    if (port === undefined)
      problems.push(`${where('healthPath')} needs buildImages.port to be set too`);
  }
  if (command !== undefined) {
    if (
      Array.isArray(command) &&
      command.length > 0 &&
      command.every((part) => typeof part === 'string' && part !== '')
    ) {
      config.command = command as string[];
    } else {
      problems.push(
        `${where('command')} must be a non-empty array of strings (exec form), e.g. ["node", "dist/main.js"]`,
      );
    }
  }
  if (baseImage !== undefined) {
    if (
      typeof baseImage !== 'string' ||
      !isValidImageReference(baseImage.replace(/@sha256:[a-f0-9]{64}$/, ''))
    ) {
      problems.push(
        `${where('baseImage')} must be an image reference, got ${JSON.stringify(baseImage)}`,
      );
    } else if (
      !/@sha256:[a-f0-9]{64}$/.test(baseImage) &&
      (!/:[\w][\w.-]*$/.test(baseImage.slice(baseImage.lastIndexOf('/') + 1)) ||
        baseImage.endsWith(':latest'))
    ) {
      problems.push(
        `${where('baseImage')} "${baseImage}" is not pinned: give a version tag (not latest) or a digest`,
      );
    } else {
      config.baseImage = baseImage;
    }
  }
  if (keep !== undefined) {
    if (
      Array.isArray(keep) &&
      keep.every((item) => typeof item === 'string' && safeRelativePath.test(item))
    ) {
      config.keep = [...(keep as string[])];
    } else {
      problems.push(
        `${where('keep')} must be a list of paths inside the app, e.g. ["node_modules/.prisma"]`,
      );
    }
  }
  if (buildArgs !== undefined) {
    const valid =
      typeof buildArgs === 'object' &&
      buildArgs !== null &&
      !Array.isArray(buildArgs) &&
      Object.entries(buildArgs).every(
        ([name, value]) =>
          /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) &&
          typeof value === 'string' &&
          !/[\n"\\$]/.test(value),
      );
    const secretLike = valid
      ? Object.keys(buildArgs as Record<string, string>).filter((name) => isSecretArgName(name))
      : [];
    if (secretLike.length > 0)
      // The value is never repeated: it is written into the committed Dockerfile otherwise.
      problems.push(
        `${where('buildArgs')}: ${secretLike.join(', ')} look${secretLike.length === 1 ? 's' : ''} like a secret; a build argument's value is written into the Dockerfile and the image history. List it in buildImages.buildSecrets instead and give it with --secret id=${secretLike[0]},env=${secretLike[0]}: the build reads it as $${secretLike[0]}, and no layer keeps it`,
      );
    else if (valid) config.buildArgs = { ...(buildArgs as Record<string, string>) };
    else {
      const bad =
        typeof buildArgs === 'object' && buildArgs !== null && !Array.isArray(buildArgs)
          ? Object.entries(buildArgs).find(
              ([name, value]) =>
                !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ||
                typeof value !== 'string' ||
                /[\n"\\$]/.test(value),
            )?.[0]
          : undefined;
      problems.push(
        `${where('buildArgs')}${bad === undefined ? '' : ` (${JSON.stringify(bad)})`} must map NAMES to default values (strings without quotes, "$" or newlines)`,
      );
    }
  }
  if (entry !== undefined) {
    if (typeof entry === 'string' && safeRelativePath.test(entry.replace(/^\.\//, '')))
      config.entry = entry.replace(/^\.\//, '');
    else
      problems.push(
        `${where('entry')} must be a path inside the app, got ${JSON.stringify(entry)}`,
      );
  }
  if (buildInputs !== undefined) {
    if (isRootFileList(buildInputs)) config.buildInputs = [...buildInputs];
    else
      problems.push(
        `${where('buildInputs')} must be a list of files relative to the workspace root, e.g. [".configs/tsconfig.base.json"]`,
      );
  }
  if (config.kind !== 'bundle' && entry !== undefined)
    problems.push(`${where('entry')} applies to kind "bundle" only`);
  return { config, problems };
}
