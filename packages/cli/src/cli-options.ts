import { availableParallelism } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  analyseImageReference,
  BuildImagesError,
  parseShard,
  renderCacheFrom,
  toolConfigFields,
  type Shard,
  type ToolConfig,
} from '@build-images/core';

/**
 * The one table of options: parsing and `--help` are both made from it, so they
 * cannot drift apart.
 */
export const optionTable = {
  'dry-run': {
    type: 'boolean',
    description: 'Print the plan and the Dockerfile; touch neither Docker nor docker/Dockerfile.',
  },
  json: {
    type: 'boolean',
    description: 'Print only JSON on stdout (the plan, or the build results).',
  },
  report: {
    type: 'string',
    value: 'file',
    description:
      "After the builds, write an HTML report there: a timeline of the parallel builds and their steps, the results, the failures' errors and logs.",
  },
  changed: {
    type: 'string',
    value: 'ref',
    optionalValue: true,
    description:
      'Only apps affected by changes since the merge base with <ref> (default: the CI target branch, else origin/HEAD, origin/main, main). Write --changed=<ref>.',
  },
  'changed-fallback': {
    type: 'string',
    value: 'mode',
    description:
      '"error" (default) or "all": what to do when the base ref is missing or shares no history with HEAD (a shallow clone).',
  },
  'global-input': {
    type: 'string',
    multiple: true,
    value: 'path',
    description:
      'Another file or glob whose change affects every app (adds to package.json, pnpm-workspace.yaml, .npmrc, .dockerignore); repeatable.',
  },
  explain: { type: 'boolean', description: 'Say why each app was selected or not (on stderr).' },
  shard: {
    type: 'string',
    value: 'i/n',
    description: 'Only the i-th of n equal parts of the selected apps, for CI matrices.',
  },
  dev: {
    type: 'boolean',
    description:
      "Build the apps' <app>-dev targets (all dependencies, the sources, the dev script) instead.",
  },
  concurrency: {
    type: 'string',
    value: 'n',
    description: 'Builds at once (default: the number of cores, at most 4).',
  },
  bail: {
    type: 'boolean',
    description: 'Stop at the first failed build (default: build the other apps anyway).',
  },
  'base-image': {
    type: 'string',
    value: 'ref',
    description:
      'Base image for every stage, passed as the NODE_IMAGE build argument (env BUILD_IMAGES_BASE_IMAGE).',
  },
  'bundle-image': {
    type: 'string',
    value: 'ref',
    description:
      'Runtime base of apps of kind "bundle", passed as the BUNDLE_IMAGE build argument (env BUILD_IMAGES_BUNDLE_IMAGE).',
  },
  tag: {
    type: 'string',
    multiple: true,
    value: 'template',
    description:
      'Image tag template, repeatable: {app}, {digest} (inputs digest, 16 hex digits), {version} (package.json), {sha}, {shortSha}, {branch}, {date} (default "{app}:latest").',
  },
  registry: {
    type: 'string',
    value: 'host[/path]',
    description: 'Put every tag under this registry and path, e.g. ghcr.io/acme.',
  },
  push: {
    type: 'boolean',
    description:
      'Push every tag after its build; credentials as docker reads them (~/.docker/config.json, credential helpers).',
  },
  'cache-from': {
    type: 'string',
    multiple: true,
    value: 'ref',
    description:
      'Reuse the build cache stored in this pushed image (built with inline cache), e.g. ghcr.io/acme/{app}:latest, and in the stage caches --cache-to pushed beside it (<tag>-<stage>); {app} is the image name; repeatable. A missing image is no error.',
  },
  'cache-to': {
    type: 'string',
    value: 'ref',
    description:
      'With --push: also push the image here with inline cache, and every intermediate stage of its target (installs, compiles, deploy) as <tag>-<stage>, so a fresh CI runner with --cache-from of this reference pulls those layers instead of running the steps; e.g. ghcr.io/acme/{app}:main on the main branch.',
  },
  'inline-cache': {
    type: 'boolean',
    description:
      'Store the build cache in the image (BUILDKIT_INLINE_CACHE=1) for a later --cache-from; on by default with --push.',
  },
  'skip-existing': {
    type: 'boolean',
    description:
      'Ask the registry for the {digest} tag first; when it is there, build and push nothing for that app.',
  },
  'registry-user': {
    type: 'string',
    value: 'name',
    description: 'User for the registries, with --password-stdin (instead of the docker config).',
  },
  'password-stdin': {
    type: 'boolean',
    description: 'Read the registry password (or token) from standard input.',
  },
  secret: {
    type: 'string',
    multiple: true,
    value: 'spec',
    description:
      'A secret for the install steps, as docker buildx writes it: id=npmrc,src=~/.npmrc (mounted as the .npmrc) or id=npm_token,env=NPM_TOKEN (as $NPM_TOKEN); repeatable. Never stored in the image.',
  },
  apps: {
    type: 'string',
    multiple: true,
    value: 'glob',
    description:
      'Globs of the app directories, matched as pnpm matches workspace globs (default: the deployable packages, detected; see Configuration); "!apps/docs" leaves one out, alone it narrows the default; repeatable.',
  },
  dockerfile: {
    type: 'string',
    value: 'path',
    description:
      'Where the generated Dockerfile lives, relative to the root (default "docker/Dockerfile", or ".build-images/Dockerfile" when that one is hand-written).',
  },
  check: {
    type: 'boolean',
    description:
      'With "generate": exit 1 with a diff when the Dockerfile on disk is stale, write nothing.',
  },
  cwd: { type: 'string', value: 'dir', description: 'Run as if started in this directory.' },
  help: { type: 'boolean', short: 'h', description: 'Show this help.' },
  version: { type: 'boolean', short: 'v', description: 'Show the version.' },
} as const satisfies Record<
  string,
  {
    type: 'string' | 'boolean';
    multiple?: boolean;
    short?: string;
    value?: string;
    optionalValue?: boolean;
    description: string;
  }
>;

/** The parsed value of each option of the table: a boolean flag, a string, or a repeatable string. */
export type OptionValues = {
  -readonly [Name in keyof typeof optionTable]?: (typeof optionTable)[Name] extends {
    type: 'boolean';
  }
    ? boolean
    : (typeof optionTable)[Name] extends { multiple: true }
      ? string[]
      : string;
};

export const commands = {
  build:
    "Generate docker/Dockerfile, then build the apps' images in parallel (the default command).",
  plan: 'Print the apps, their workspace packages and tags.',
  generate: 'Write docker/Dockerfile (with --check: verify it is up to date).',
} as const;
export type CommandName = keyof typeof commands;

export interface CliOptions {
  command: CommandName;
  /** undefined: no change detection; '': the default base; else the ref given. */
  changed: string | undefined;
  changedFallback: 'error' | 'all';
  globalInputs: string[];
  explain: boolean;
  shard: Shard | undefined;
  dev: boolean;
  apps: string[];
  dryRun: boolean;
  json: boolean;
  /** Where to write the HTML report, relative to the process's working directory. */
  report: string | undefined;
  concurrency: number;
  /** Whether --concurrency or the config chose it (else it is the default, which an old engine lowers). */
  concurrencyChosen: boolean;
  bail: boolean;
  baseImage: string | undefined;
  bundleImage: string | undefined;
  tagTemplates: string[];
  registry: string | undefined;
  push: boolean;
  skipExisting: boolean;
  /** --cache-from references, `{app}` not yet replaced. */
  cacheFrom: string[];
  /** --cache-to reference, `{app}` not yet replaced. */
  cacheTo: string | undefined;
  /** Whether builds add BUILDKIT_INLINE_CACHE=1 (--inline-cache, or --push). */
  inlineCache: boolean;
  registryUser: string | undefined;
  passwordStdin: boolean;
  /** --secret: where each secret's value is read from (run-cli reads them). */
  secrets: SecretSpec[];
  /** Globs of the apps' directories; undefined: detected. */
  appPatterns: string[] | undefined;
  /** --dockerfile or the config's; undefined: chosen by the workspace reader. */
  dockerfile: string | undefined;
  check: boolean;
  cwd: string | undefined;
  help: boolean;
  version: boolean;
}

/** One --secret: its id and where its value comes from. */
export interface SecretSpec {
  id: string;
  source: { file: string } | { env: string };
}

/** The secret ids the generated Dockerfile mounts; others are accepted but unused. */
export const mountedSecretIds = ['npmrc', 'npm_token'] as const;

/**
 * Parses `id=<id>,src=<path>` or `id=<id>,env=<VAR>` (docker buildx's syntax: `source`
 * for `src`, and `type=file|env` are accepted too). An env secret's variable must be set.
 */
export function parseSecretSpec(spec: string, env: NodeJS.ProcessEnv): SecretSpec {
  // Messages never repeat the spec: a mistyped one may hold the secret's value itself.
  const shown = describeSecretSpec(spec);
  const fields = new Map<string, string>();
  for (const part of spec.split(',')) {
    const equals = part.indexOf('=');
    const key = equals < 0 ? part : part.slice(0, equals);
    if (equals < 0 || !['id', 'src', 'source', 'env', 'type'].includes(key) || fields.has(key)) {
      throw usageError(
        `--secret ${shown}: "${equals < 0 ? '…' : `${key}=…`}" is not one of id=, src=, env=, type=`,
        'E.g. --secret id=npmrc,src=$HOME/.npmrc or --secret id=npm_token,env=NPM_TOKEN.',
      );
    }
    fields.set(key, part.slice(equals + 1));
  }
  const id = fields.get('id');
  if (!id || !/^[A-Za-z0-9_.-]+$/.test(id)) {
    throw usageError(
      `--secret ${shown} needs an id of letters, digits, "_", "." or "-"`,
      'E.g. --secret id=npmrc,src=$HOME/.npmrc.',
    );
  }
  const file = fields.get('src') ?? fields.get('source');
  const variable = fields.get('env');
  const type = fields.get('type') ?? (variable !== undefined ? 'env' : 'file');
  if (
    (type !== 'file' && type !== 'env') ||
    (file !== undefined) === (variable !== undefined) ||
    (type === 'env') !== (variable !== undefined)
  ) {
    throw usageError(
      `--secret ${shown} needs exactly one of src=<file> or env=<variable>`,
      'E.g. --secret id=npmrc,src=$HOME/.npmrc or --secret id=npm_token,env=NPM_TOKEN.',
    );
  }
  if (variable !== undefined) {
    if (env[variable] === undefined || env[variable] === '') {
      // A name that does not look like a variable's may be the value itself: not shown.
      const name = envName.test(variable) ? variable : '(a name that is not UPPER_CASE)';
      throw usageError(
        `--secret ${id}: the environment variable ${name} is not set`,
        `Set it, e.g. export ${envName.test(variable) ? variable : 'NPM_TOKEN'}=…, or give the secret as a file with src=.`,
      );
    }
    return { id, source: { env: variable } };
  }
  if (!file) throw usageError(`--secret ${shown}: src= is empty`);
  return { id, source: { file } };
}

/**
 * The first base image given (flag, then environment, then config), checked as every image
 * reference is: a valid reference, pinned by a version tag or a digest (no bare name, no
 * `latest`). The error names where the bad value came from.
 */
function checkedBaseImage(
  ...sources: [value: string | undefined, where: string][]
): string | undefined {
  const found = sources.find(([value]) => value !== undefined);
  if (found === undefined) return undefined;
  const [value, where] = found as [string, string];
  const shown = JSON.stringify(value.slice(0, 200));
  const parsed = analyseImageReference(value);
  if ('problem' in parsed)
    throw usageError(
      `${where}: ${shown} is not an image reference: ${parsed.problem}`,
      'Give a pinned image, e.g. node:24.21.0-bookworm-slim or node@sha256:<64 hex digits>.',
    );
  if (parsed.digest === undefined && (parsed.tag === undefined || parsed.tag === 'latest'))
    throw usageError(
      `${where}: ${shown} is not pinned (${/:[^/]*$/.test(value) ? 'the "latest" tag' : 'without a tag, it means "latest", which'} changes under you)`,
      'Give a version tag or a digest, e.g. node:24.21.0-bookworm-slim.',
    );
  return value;
}

/** What an environment variable's name looks like, as opposed to a token pasted in its place. */
const envName = /^[A-Z_][A-Z0-9_]*$/;

/**
 * A --secret spec as messages may show it: its field names and, for `id`, `src`, `env` and
 * `type`, their values (names and paths, not secrets); any other value as `…`.
 */
function describeSecretSpec(spec: string): string {
  const shown = spec.split(',').map((part) => {
    const equals = part.indexOf('=');
    if (equals < 0) return '…';
    const key = part.slice(0, equals);
    const value = part.slice(equals + 1);
    const safe =
      key === 'env'
        ? envName.test(value)
        : ['id', 'src', 'source', 'type'].includes(key) && /^[\w./~$-]*$/.test(value);
    return safe ? part : `${/^[\w-]+$/.test(key) ? key : '…'}=…`;
  });
  return `"${shown.join(',')}"`;
}

function usageError(
  message: string,
  hint = 'Run build-images --help for the options.',
): BuildImagesError {
  return new BuildImagesError('USAGE', message, { hint });
}

interface FlagProblem {
  message: string;
  hint: string;
}

/** Rules on how flags go together, each returning the problem it finds (checked in order). */
const flagRules: ((values: OptionValues, command: CommandName) => FlagProblem | undefined)[] = [
  (values, command) =>
    values['report'] !== undefined && (command !== 'build' || values['dry-run'] === true)
      ? {
          message:
            '--report goes with a build: plan, generate and --dry-run build nothing to report on',
          hint: 'Run build-images [app...] --report build-report.html.',
        }
      : undefined,
  (values) =>
    values['report'] === ''
      ? { message: '--report needs a file name', hint: 'E.g. --report build-report.html.' }
      : undefined,
  (values, command) =>
    values['dry-run'] === true && command === 'generate'
      ? {
          message: '--dry-run goes with a build: generate writes files, and has no dry run',
          hint: 'Run build-images --dry-run to see the Dockerfile without writing it, or build-images generate --check to compare it with the one on disk.',
        }
      : undefined,
  (values, command) =>
    values['check'] === true && command !== 'generate'
      ? {
          message: '--check goes with the "generate" command',
          hint: 'Run build-images generate --check.',
        }
      : undefined,
  (values) =>
    values['cache-to'] !== undefined && values['push'] !== true
      ? {
          message: '--cache-to pushes the build cache with the images: it goes with --push',
          hint: 'E.g. build-images --push --tag "{app}:main" --cache-to "ghcr.io/acme/{app}:main".',
        }
      : undefined,
  (values) =>
    (values['password-stdin'] === true) !== (values['registry-user'] !== undefined)
      ? {
          message: '--registry-user and --password-stdin go together',
          hint: 'E.g. echo "$TOKEN" | build-images --push --registry-user ci --password-stdin.',
        }
      : undefined,
];

/** A --cache-from or --cache-to template, checked with a stand-in image name before any work. */
function checkedCacheReference(flag: string, template: string, exampleTag: string): void {
  try {
    renderCacheFrom([template], 'app');
  } catch (error) {
    throw usageError(
      `${flag} "${template}": ${error instanceof Error ? error.message : String(error)}`,
      `E.g. ${flag} ghcr.io/acme/{app}:${exampleTag} (only {app} is replaced).`,
    );
  }
}

/** Options whose value is optional: a bare `--changed` means the default, so it never takes the next word. */
const optionalValueFlags = Object.entries(optionTable)
  .filter(([, option]) => 'optionalValue' in option)
  .map(([name]) => `--${name}`);

/**
 * Parses the command line. `config` (build-images.config.json) supplies defaults: a flag
 * given on the command line wins over it, and it over the built-in defaults.
 */
export function parseCliOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  config: ToolConfig = {},
): CliOptions {
  const parseConfig: ParseArgsConfig = {
    args: argv.map((arg) => (optionalValueFlags.includes(arg) ? `${arg}=` : arg)),
    options: Object.fromEntries(
      Object.entries(optionTable).map(([name, option]) => [
        name,
        {
          type: option.type,
          ...('short' in option ? { short: option.short } : {}),
          ...('multiple' in option ? { multiple: option.multiple } : {}),
        },
      ]),
    ),
    allowPositionals: true,
    strict: true,
  };
  let parsed;
  try {
    parsed = parseArgs(parseConfig);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const flag = /'(-{1,2}[^']+)'/.exec(text)?.[1];
    throw usageError(flag ? `Unknown or malformed option ${flag}: ${text.split('\n')[0]}` : text);
  }
  // parseArgs types its values loosely; the table says which shape each option has.
  const values = parsed.values as OptionValues;
  const positionals = [...parsed.positionals];
  let command: CommandName = 'build';
  if (positionals[0] !== undefined && Object.hasOwn(commands, positionals[0])) {
    command = positionals.shift() as CommandName;
  }
  if (command === 'generate' && positionals.length > 0) {
    throw usageError(
      `"generate" takes no app names (got ${positionals.join(' ')})`,
      'The Dockerfile always has a target for every app.',
    );
  }

  // As many builds as cores (one more ran a shared change 7 % faster on two cores, but more
  // builds at once meet the old engines' BuildKit races more often: see safeConcurrency).
  const defaultConcurrency = Math.min(4, availableParallelism());
  let concurrency = config.concurrency ?? defaultConcurrency;
  if (typeof values['concurrency'] === 'string') {
    concurrency = Number(values['concurrency']);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
      throw usageError(
        `--concurrency must be a whole number from 1 to 64, got "${values['concurrency']}"`,
      );
    }
  }
  const check = values['check'] === true;
  const report = values['report'];
  const problems = flagRules.flatMap((rule) => rule(values, command) ?? []);
  if (problems.length > 0) throw usageError(problems[0]!.message, problems[0]!.hint);
  const baseImage = checkedBaseImage(
    [values['base-image'], '--base-image'],
    [env['BUILD_IMAGES_BASE_IMAGE'] || undefined, 'BUILD_IMAGES_BASE_IMAGE'],
    [config.baseImage, 'baseImage in the config'],
  );
  const bundleImage = checkedBaseImage(
    [values['bundle-image'], '--bundle-image'],
    [env['BUILD_IMAGES_BUNDLE_IMAGE'] || undefined, 'BUILD_IMAGES_BUNDLE_IMAGE'],
    [config.bundleImage, 'bundleImage in the config'],
  );
  const tagTemplates = values['tag'] ?? config.tags ?? ['{app}:latest'];
  for (const template of tagTemplates) {
    if (!template.includes('{app}')) {
      throw usageError(
        `--tag "${template}" has no {app}: every app would get the same name`,
        'Use e.g. --tag "registry.example.com/team/{app}:{digest}".',
      );
    }
  }
  const registry = (values['registry'] ?? config.registry)?.replace(/\/+$/, '');
  if (
    registry !== undefined &&
    !/^(?:[a-zA-Z0-9.-]+|\[[a-fA-F0-9:]+\])(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(
      registry,
    )
  ) {
    throw usageError(
      `--registry "${registry}" is not a registry host with an optional path`,
      'E.g. --registry ghcr.io/acme, --registry 127.0.0.1:5000 or --registry [2001:db8::1]:5000/team.',
    );
  }
  const skipExisting = values['skip-existing'] === true;
  if (skipExisting && !tagTemplates.some((template) => template.includes('{digest}'))) {
    throw usageError(
      '--skip-existing needs a tag with {digest}: only the inputs digest says that the image in the registry is this one',
      'Add e.g. --tag "{app}:{digest}".',
    );
  }
  const cacheFrom = values['cache-from'] ?? [];
  for (const template of cacheFrom) checkedCacheReference('--cache-from', template, 'latest');
  const cacheTo = values['cache-to'];
  // The stage cache tags (<tag>-<stage>) are checked when the builds are planned.
  if (cacheTo !== undefined) checkedCacheReference('--cache-to', cacheTo, 'main');
  const registryUser = values['registry-user'];
  const passwordStdin = values['password-stdin'] === true;
  // Undefined: the workspace reader picks docker/Dockerfile, or a path of its own when that
  // one holds a hand-written Dockerfile or lies in a workspace package.
  const dockerfile = (values['dockerfile'] ?? config.dockerfile)?.replace(/^\.\//, '');
  // Named as the user gave it: the flag, or the config's key.
  const dockerfileSource =
    values['dockerfile'] !== undefined ? '--dockerfile' : '"dockerfile" in the config';
  if (
    dockerfile !== undefined &&
    (dockerfile.startsWith('/') || dockerfile.split('/').includes('..'))
  ) {
    throw usageError(
      `${dockerfileSource} "${dockerfile}" must be a path inside the workspace, relative to its root`,
    );
  }
  if (dockerfile !== undefined && (dockerfile === '' || dockerfile.endsWith('/'))) {
    throw usageError(
      `${dockerfileSource} "${dockerfile}" names a folder; it must name the Dockerfile, e.g. docker/Dockerfile`,
    );
  }
  const fallback = values['changed-fallback'] ?? 'error';
  if (fallback !== 'error' && fallback !== 'all') {
    throw usageError(`--changed-fallback must be "error" or "all", got "${fallback}"`);
  }
  const changed = values['changed'];
  if (changed !== undefined && changed.startsWith('-')) {
    throw usageError(`--changed=${changed}: a ref cannot start with "-"`);
  }
  // One base, not a range or a refspec: the apps changed since its merge base with HEAD.
  if (changed !== undefined && /\.\.|:|\s/.test(changed)) {
    throw usageError(
      `--changed=${changed}: give one ref, the base to compare HEAD with (a branch, tag or commit), e.g. --changed=origin/main`,
    );
  }
  return {
    command,
    changed,
    changedFallback: fallback,
    globalInputs: [
      ...checkedGlobalInputs(config.globalInputs, '"globalInputs" in the config'),
      ...checkedGlobalInputs(values['global-input'], '--global-input'),
    ],
    explain: values['explain'] === true,
    dev: values['dev'] === true,
    shard: typeof values['shard'] === 'string' ? parseShard(values['shard']) : undefined,
    apps: positionals,
    dryRun: values['dry-run'] === true,
    json: values['json'] === true,
    report,
    concurrency,
    concurrencyChosen:
      config.concurrency !== undefined || typeof values['concurrency'] === 'string',
    bail: values['bail'] === true,
    baseImage,
    bundleImage,
    tagTemplates,
    registry,
    push: values['push'] === true,
    skipExisting,
    cacheFrom,
    cacheTo,
    inlineCache: values['inline-cache'] === true || values['push'] === true,
    registryUser,
    passwordStdin,
    secrets: (values['secret'] ?? []).map((spec) => parseSecretSpec(spec, env)),
    appPatterns: appPatterns(values['apps'], config.apps),
    dockerfile,
    check,
    cwd: values['cwd'],
    help: values['help'] === true,
    version: values['version'] === true,
  };
}

/** The config reference of the README: a table made from the config's field table. */
/**
 * The app globs: --apps, else the config's, else `apps/*`. Negated globs alone
 * (`--apps '!apps/storybook'`) narrow the config's or the default list instead of replacing it.
 */
/**
 * The app globs: the flags, else the config's; negated flags alone narrow the config's (or,
 * without it, the detected apps). Undefined: detect the apps.
 */
function appPatterns(
  flags: string[] | undefined,
  configured: string[] | undefined,
): string[] | undefined {
  if (flags === undefined) return configured;
  if (!flags.every((pattern) => pattern.startsWith('!'))) return flags;
  return [...(configured ?? []), ...flags];
}

export function renderConfigReference(): string {
  const rows = Object.entries(toolConfigFields).map(
    ([key, field]) =>
      `| \`${key}\` | ${field.description.replaceAll('|', '\\|')} | ${field.default === undefined ? '—' : `\`${JSON.stringify(field.default)}\``} |`,
  );
  return `| key | meaning | default |\n|---|---|---|\n${rows.join('\n')}\n`;
}

/** The options part of --help, also kept in the README (a test compares them). */
export function renderOptionsHelp(): string {
  const lines: string[] = [];
  for (const [name, option] of Object.entries(optionTable)) {
    const short = 'short' in option ? `-${option.short}, ` : '    ';
    const value =
      'value' in option
        ? 'optionalValue' in option
          ? `[=${option.value}]`
          : ` <${option.value}>`
        : '';
    lines.push(`  ${short}--${`${name}${value}`.padEnd(22)} ${option.description}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderHelp(version: string): string {
  const lines = [
    `build-images ${version}: container images for every app of a pnpm monorepo`,
    '',
    'Usage: build-images [command] [app...] [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, text]) => `  ${name.padEnd(26)}${text}`),
    '',
    'Apps are named by image name (api), package name (@acme/api) or directory (apps/api).',
    '',
    'Options:',
  ];
  lines.push(renderOptionsHelp().trimEnd());
  lines.push(
    '',
    'Exit codes: 0 ok, 1 a build failed, 2 usage or configuration error, 3 no Docker Engine, 130 interrupted.',
  );
  return `${lines.join('\n')}\n`;
}

/** Global inputs: paths and globs relative to the workspace root, inside it. */
function checkedGlobalInputs(inputs: readonly string[] | undefined, source: string): string[] {
  for (const input of inputs ?? [])
    if (input.startsWith('/') || input.split('/').includes('..'))
      throw usageError(
        `${source} "${input}" must be a path or glob inside the workspace, relative to its root`,
      );
  return [...(inputs ?? [])];
}
