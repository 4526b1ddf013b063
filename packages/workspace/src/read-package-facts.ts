import path from 'node:path';
import {
  codegenScripts,
  exportTarget,
  generatedHeader,
  type PackageFacts,
} from '@build-images/core';
import { createFileReader, type FileReader } from './create-file-reader.js';

/**
 * Reads what tells a person what a package is and how it runs: Dockerfiles beside its
 * manifest and Nest's nest-cli.json. Unreadable or invalid
 * files are simply not facts (the build reports them later, if they matter).
 */
export function readPackageFacts(
  packageDir: string,
  manifest: Record<string, unknown> = {},
  reader: FileReader = createFileReader(),
): PackageFacts {
  const names = [...(reader.list(packageDir) ?? [])];
  const facts: PackageFacts = {
    dockerfiles: names
      .filter((name) => /^(Dockerfile|Containerfile)(\..+)?$|\.Dockerfile$/.test(name))
      .sort(),
  };
  if (names.includes('binding.gyp')) facts.nativeAddon = true;
  const entry = entryFileOf(manifest);
  const scripts = (manifest['scripts'] ?? {}) as Record<string, unknown>;
  if (
    entry !== undefined &&
    !['build', 'prepare', 'prepack', 'postinstall', 'install', ...codegenScripts].some(
      (name) => typeof scripts[name] === 'string',
    ) &&
    !reader.exists(path.join(packageDir, entry))
  )
    facts.unbuiltEntry = entry;
  const wrangler = names.filter((name) => /^wrangler\.(?:toml|json|jsonc)$/.test(name)).sort()[0];
  if (wrangler !== undefined) facts.wranglerConfig = wrangler;
  if (names.includes('nest-cli.json')) {
    const nest = reader.jsonc(path.join(packageDir, 'nest-cli.json'));
    const entry = nest?.['entryFile'];
    facts.nestEntry = typeof entry === 'string' && entry !== '' ? entry : 'main';
  }
  // A hand-written Dockerfile says what port the app serves and how its health is probed.
  for (const name of facts.dockerfiles) {
    const found = portOf(reader.text(path.join(packageDir, name)) ?? '');
    if (!found) continue;
    facts.dockerfilePort = { file: name, port: found.port };
    if (found.healthPath !== undefined) facts.dockerfileHealthPath = found.healthPath;
    break;
  }
  // What a hand-written Dockerfile runs: its final stage's exec-form ENTRYPOINT (an init such
  // as tini left out) and CMD, and the folder it runs them in.
  for (const name of facts.dockerfiles) {
    const final = finalStageOf(reader.text(path.join(packageDir, name)) ?? '');
    const entrypoint = withoutInit(final.entrypoint ?? []);
    const command = [...entrypoint, ...(final.cmd ?? [])];
    if (command.length === 0) continue;
    facts.dockerfileCommand = {
      file: name,
      command,
      instruction:
        entrypoint.length === 0 ? 'CMD' : final.cmd?.length ? 'ENTRYPOINT and CMD' : 'ENTRYPOINT',
      ...(final.workdir !== undefined && { workdir: final.workdir }),
    };
    break;
  }
  // What a hand-written Dockerfile copies from its context (read-workspace keeps it when that
  // context is the workspace root).
  for (const name of facts.dockerfiles) {
    const sources = copiedSources(reader.text(path.join(packageDir, name)) ?? '');
    if (sources.length === 0) continue;
    facts.dockerfileCopies = { file: name, sources };
    break;
  }
  // What a hand-written Dockerfile's build step is given (placeholders for an environment
  // check, SELF_HOST=true): the generated build would otherwise lack it.
  for (const name of facts.dockerfiles) {
    const env = buildEnvironmentOf(reader.text(path.join(packageDir, name)) ?? '');
    if (env === undefined) continue;
    facts.dockerfileBuildEnv = { file: name, env };
    break;
  }
  const configured = (manifest['prisma'] as { schema?: unknown } | undefined)?.schema;
  if (typeof configured === 'string') facts.prismaSchema = configured;
  else if (names.includes('schema.prisma')) facts.prismaSchema = 'schema.prisma';
  else if (
    names.includes('prisma') &&
    reader.list(path.join(packageDir, 'prisma'))?.has('schema.prisma') === true
  )
    facts.prismaSchema = 'prisma/schema.prisma';
  return facts;
}

/** The JavaScript file a manifest's `main`, else the `.` entry of `exports`, names. */
function entryFileOf(manifest: Record<string, unknown>): string | undefined {
  const main = manifest['main'];
  const file = typeof main === 'string' ? main : exportTarget(manifest['exports']);
  if (file === undefined || !/\.(c|m)?js$/.test(file)) return undefined;
  const clean = path.posix.normalize(file.replace(/^\.\//, ''));
  return clean.startsWith('../') || path.posix.isAbsolute(clean) ? undefined : clean;
}

/**
 * The port a Dockerfile exposes (its first `EXPOSE`, `${PORT}` read from its own `ENV PORT` or
 * `ARG PORT` default: botpress' `EXPOSE ${PORT}`) and the path its `HEALTHCHECK` probes there
 * (rallly: `http://localhost:${PORT}/api/status`).
 */
function portOf(text: string): { port: number; healthPath: string | undefined } | undefined {
  const envPort = /^\s*(?:ENV|ARG)\s+PORT[= ]["']?(\d{1,5})\b/im.exec(text)?.[1];
  const withPort = text
    .replace(/\\\r?\n/g, ' ')
    .replace(/\$\{PORT\}|\$PORT\b/g, envPort ?? '$PORT');
  const expose = /^\s*EXPOSE\s+(\d{1,5})(?:\/tcp)?\b/im.exec(withPort);
  if (!expose) return undefined;
  const port = Number(expose[1]);
  const probe =
    /^\s*HEALTHCHECK\b[^\n]*?(?:localhost|127\.0\.0\.1):(\d{1,5})(\/[^\s'"\\)]*)/im.exec(
      withPort.replace(/\$\{PORT\}|\$PORT\b/g, String(port)),
    );
  return { port, healthPath: probe && Number(probe[1]) === port ? probe[2] : undefined };
}

/** A Dockerfile outside every package, at the root or in a folder for deployment files. */
export interface SharedDockerfile {
  /** Root-relative path. */
  file: string;
  text: string;
}

/** Folders at the root that hold Dockerfiles for a repository's images (hatchet's build/package). */
const dockerfileFolders = [
  'docker',
  '.docker',
  'deploy',
  'deployment',
  'deployments',
  'dockerfiles',
  'build',
  'infra',
  'ops',
];
const dockerfileName =
  /^(Dockerfile|Containerfile)(\..+)?$|\.(Dockerfile|dockerfile|Containerfile)$/;

/**
 * The Dockerfiles outside the packages: at the root (jitsu's `all.Dockerfile`, a stage per
 * app), in `docker/`, `deploy/`, `build/`… and one folder below (`docker/worker/Dockerfile`).
 */
export function readSharedDockerfiles(
  root: string,
  reader: FileReader = createFileReader(),
): SharedDockerfile[] {
  const found: SharedDockerfile[] = [];
  const add = (relative: string) => {
    const text = reader.text(path.join(root, relative));
    // The Dockerfile this tool generates is no team's own.
    if (text !== undefined && !text.startsWith(generatedHeader))
      found.push({ file: relative, text });
  };
  const scan = (dir: string, depth: number) => {
    for (const name of [...(reader.list(path.join(root, dir)) ?? [])].sort()) {
      const relative = dir === '' ? name : `${dir}/${name}`;
      if (dockerfileName.test(name)) add(relative);
      else if (depth > 0 && (dir === '' ? dockerfileFolders.includes(name) : !name.includes('.')))
        scan(relative, depth - 1);
    }
  };
  scan('', 2);
  return found;
}

/** A Dockerfile's stages: name (lower case), the stage or image it stands on, its own lines. */
function stagesOf(text: string): { name: string | undefined; base: string; lines: string[] }[] {
  const stages: { name: string | undefined; base: string; lines: string[] }[] = [];
  for (const line of text.replace(/\\[ \t]*\r?\n/g, ' ').split(/\r?\n/)) {
    const from = /^\s*FROM\s+(.*)$/i.exec(line);
    if (from) {
      const words = from[1]!.split(/\s+/).filter((word) => word !== '' && !word.startsWith('--'));
      const as = words.findIndex((word) => word.toUpperCase() === 'AS');
      stages.push({
        name: as !== -1 ? words[as + 1]?.toLowerCase() : undefined,
        base: words[0]?.toLowerCase() ?? '',
        lines: [line],
      });
    } else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/**
 * What a shared Dockerfile says about one package: the stage named for it (jitsu's
 * all.Dockerfile: `FROM base AS rotor` … `EXPOSE 3401`, for services/rotor), or the final stage
 * of a file named for it (`Dockerfile.rotor`, `rotor.Dockerfile`, `docker/rotor/Dockerfile`),
 * when exactly one stage fits and it is an image's (it exposes a port or says what runs).
 * Read from it: the port, the health probe's path and the build step's environment. Its
 * command is not taken: its paths are that file's layout.
 */
export function sharedDockerfileFacts(
  pkg: { dir: string; name: string },
  shared: readonly SharedDockerfile[],
): Pick<PackageFacts, 'dockerfilePort' | 'dockerfileHealthPath' | 'dockerfileBuildEnv'> {
  const base = path.posix.basename(pkg.dir).toLowerCase();
  const short = pkg.name.split('/').at(-1)!.toLowerCase();
  const fits = new Set([base, short]);
  const matches: { file: string; text: string; label: string }[] = [];
  for (const { file, text } of shared) {
    const stages = stagesOf(text);
    const name = path.posix.basename(file).toLowerCase();
    const named =
      [...fits].some((fit) =>
        [
          `dockerfile.${fit}`,
          `${fit}.dockerfile`,
          `containerfile.${fit}`,
          `${fit}.containerfile`,
        ].includes(name),
      ) ||
      (/^(dockerfile|containerfile)$/.test(name) &&
        fits.has(path.posix.basename(path.posix.dirname(file)).toLowerCase()));
    const chosen = named
      ? stages.at(-1)
      : stages.find((stage) => stage.name !== undefined && fits.has(stage.name));
    if (chosen === undefined) continue;
    if (!chosen.lines.some((line) => /^\s*(EXPOSE|CMD|ENTRYPOINT)\b/i.test(line))) continue;
    // The stage with the stages it stands on, in the file's order.
    const chain = [chosen];
    for (let at = chosen; ;) {
      const parent = stages.find((stage) => stage.name !== undefined && stage.name === at.base);
      if (parent === undefined || chain.includes(parent)) break;
      chain.unshift(parent);
      at = parent;
    }
    // Its own EXPOSE first (with the ENV PORT it may inherit), then one it inherits.
    const inherited = chain.slice(0, -1).flatMap((stage) => stage.lines);
    const lines = [
      ...inherited.filter((line) => !/^\s*EXPOSE\b/i.test(line)),
      ...chosen.lines,
      ...inherited.filter((line) => /^\s*EXPOSE\b/i.test(line)),
    ];
    matches.push({
      file,
      text: lines.join('\n'),
      label: named ? file : `${file} (stage ${chosen.name})`,
    });
  }
  if (matches.length === 0) return filteredBuildFacts(pkg, shared);
  if (matches.length !== 1) return {};
  const [{ file, text, label }] = matches as [{ file: string; text: string; label: string }];
  const facts: Pick<
    PackageFacts,
    'dockerfilePort' | 'dockerfileHealthPath' | 'dockerfileBuildEnv'
  > = {};
  const found = portOf(text);
  if (found) {
    facts.dockerfilePort = { file: label, port: found.port };
    if (found.healthPath !== undefined) facts.dockerfileHealthPath = found.healthPath;
  }
  const env = buildEnvironmentOf(shared.find((entry) => entry.file === file)!.text);
  if (env !== undefined && Object.keys(env).length > 0)
    facts.dockerfileBuildEnv = { file: label, env, shared: true };
  return facts;
}

/**
 * The packages a Dockerfile's commands pick out: `--filter=@homarr/nextjs...`, `--filter
 * ./apps/web`, `turbo prune web`, `--scope=web`, as written (without pnpm's `...` and `^`).
 */
function selectedPackages(text: string): Set<string> {
  const found = new Set<string>();
  const pattern =
    /(?:--filter|--scope|-F)(?:=|\s+)["']?([^\s"']+)|\bturbo\s+prune\s+(?:--scope(?:=|\s+))?["']?([^\s"'-][^\s"']*)/g;
  for (const match of text.replace(/\\[ \t]*\r?\n/g, ' ').matchAll(pattern)) {
    const selector = (match[1] ?? match[2])!
      .replace(/^\^?\.\.\./, '')
      .replace(/\.\.\.\^?$/, '')
      .replace(/^\{(.*)\}$/, '$1');
    if (selector !== '') found.add(selector.replace(/^\.\//, './'));
  }
  return found;
}

/**
 * A shared Dockerfile that names the package only by the filter its build uses (useSend's
 * docker/Dockerfile: `turbo prune web`, `turbo run build --filter=web...`, with `ENV
 * SKIP_ENV_VALIDATION="true"`): its build step's environment, when exactly one file does.
 * Not its port: a file that builds one app may serve it behind a proxy of its own.
 */
function filteredBuildFacts(
  pkg: { dir: string; name: string },
  shared: readonly SharedDockerfile[],
): Pick<PackageFacts, 'dockerfileBuildEnv'> {
  const files = shared.filter(({ text }) => {
    const selected = selectedPackages(text);
    return selected.has(pkg.name) || selected.has(`./${pkg.dir}`) || selected.has(pkg.dir);
  });
  if (files.length !== 1) return {};
  const [{ file, text }] = files as [SharedDockerfile];
  const env = buildEnvironmentOf(text);
  return env !== undefined && Object.keys(env).length > 0
    ? { dockerfileBuildEnv: { file, env, shared: true } }
    : {};
}

/** Variables of a build's environment that are the image's plumbing, not the app's build input. */
const plumbing =
  /^(PATH|HOME|PNPM_HOME|CI|NEXT_TELEMETRY_DISABLED|COREPACK_.*|NPM_CONFIG_.*|PNPM_.*|YARN_.*)$/i;

/**
 * The environment a Dockerfile gives the step that builds the app (the first `RUN` that runs
 * `pnpm build`, `pnpm run build`, `turbo run build`, `next build`, …): the literal `ENV`
 * values and `ARG` defaults of its stage and the stages it stands on, and the assignments
 * before the command itself (`RUN SKIP_ENV_VALIDATION=1 pnpm build`). Values that refer to
 * others (`$SELF_HOSTED`) or hold quotes or backslashes are left out. Undefined without a
 * build step.
 */
export function buildEnvironmentOf(text: string): Record<string, string> | undefined {
  const lines = text.replace(/\\[ \t]*\r?\n/g, ' ').split(/\r?\n/);
  const stages = new Map<string, Map<string, string>>();
  let env = new Map<string, string>();
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = keyword.toUpperCase();
    if (instruction === 'FROM') {
      const words = rest.filter((word) => !word.startsWith('--'));
      const as = words.findIndex((word) => word.toUpperCase() === 'AS');
      env = new Map(stages.get(words[0]?.toLowerCase() ?? '') ?? []);
      if (as !== -1 && words[as + 1]) stages.set(words[as + 1]!.toLowerCase(), env);
    } else if (instruction === 'ENV' || instruction === 'ARG') {
      const body = line.slice(keyword.length).trim();
      const pairs =
        /^[A-Za-z_][\w]*\s+[^=\s]/.test(body) && instruction === 'ENV'
          ? [[body.split(/\s+/)[0]!, body.slice(body.split(/\s+/)[0]!.length).trim()]]
          : [...body.matchAll(/([A-Za-z_]\w*)=("([^"]*)"|'([^']*)'|(\S*))/g)].map((match) => [
              match[1]!,
              match[3] ?? match[4] ?? match[5] ?? '',
            ]);
      for (const [name, value] of pairs) {
        if (plumbing.test(name!) || /[$"'\\\n]/.test(value!)) env.delete(name!);
        else env.set(name!, value!);
      }
    } else if (instruction === 'RUN') {
      let script = line.slice(keyword.length).trim();
      // RUN <<EOF … EOF: the lines up to the delimiter.
      const heredoc = /<<-?\s*["']?(\w+)["']?/.exec(script);
      if (heredoc) {
        const body: string[] = [];
        for (index++; index < lines.length && lines[index]!.trim() !== heredoc[1]; index++)
          body.push(lines[index]!);
        script = body.join('\n');
      }
      const command = script
        .split(/&&|;|\n|\|\|/)
        .map((part) => part.trim())
        .find((part) =>
          /(?:^|\s)(?:(?:pnpm|npm|yarn)(?:\s+(?:-\S+|--filter\s+\S+))*\s+(?:run\s+)?(?:turbo\s+(?:run\s+)?)?build|turbo\s+(?:run\s+)?build|next\s+build|nx\s+(?:run-many\s+(?:-t|--target)\s+)?build)\b/.test(
            part,
          ),
        );
      if (command === undefined) continue;
      const found = new Map(env);
      // The assignments before the program: `SKIP_ENV_VALIDATION=1 pnpm build`.
      for (const word of command.split(/\s+/)) {
        const assignment = /^([A-Za-z_]\w*)=(["']?)(.*)\2$/.exec(word);
        if (!assignment) break;
        const [, name, , value] = assignment;
        if (!plumbing.test(name!) && !/[$"'\\]/.test(value!)) found.set(name!, value!);
      }
      return Object.fromEntries(found);
    }
  }
  return undefined;
}

/**
 * The sources a Dockerfile's `COPY` and `ADD` take from the build context (not `--from` another
 * stage or image), as written without a leading `./` or a trailing `/`; sources with variables,
 * globs or URLs are left out.
 */
export function copiedSources(text: string): string[] {
  const sources = new Set<string>();
  for (const raw of text.replace(/\\[ \t]*\r?\n/g, ' ').split(/\r?\n/)) {
    const match = /^\s*(?:COPY|ADD)\s+(.*)$/i.exec(raw);
    if (!match) continue;
    let rest = match[1]!.trim();
    const flags: string[] = [];
    for (
      let flag = /^--[\w-]+(?:=\S*)?\s+/.exec(rest);
      flag;
      flag = /^--[\w-]+(?:=\S*)?\s+/.exec(rest)
    ) {
      flags.push(flag[0].trim());
      rest = rest.slice(flag[0].length);
    }
    if (flags.some((flag) => flag.startsWith('--from'))) continue;
    let words: string[];
    if (rest.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(rest);
        words = Array.isArray(parsed) ? parsed.filter((word) => typeof word === 'string') : [];
      } catch {
        continue;
      }
    } else words = rest.split(/\s+/).filter((word) => word !== '');
    for (const source of words.slice(0, -1)) {
      if (/[$*?[\]{}]|^[a-z]+:\/\/|^<</i.test(source)) continue;
      const clean = source.replace(/^(?:\.\/)+/, '').replace(/\/+$/, '');
      if (clean !== '' && clean !== '.') sources.add(clean);
    }
  }
  return [...sources];
}

interface StageRun {
  workdir?: string;
  entrypoint?: string[];
  cmd?: string[];
  /** Whether `cmd` came from the stage it stands on (an ENTRYPOINT of its own resets it). */
  inheritedCmd?: boolean;
}

/**
 * What the last stage of a Dockerfile runs and where: its exec-form ENTRYPOINT and CMD and its
 * WORKDIR, each inherited from the stage of this file it stands on, as Docker does. A
 * shell-form one, or a WORKDIR with a variable, leaves that value unknown.
 */
export function finalStageOf(text: string): StageRun {
  const stages = new Map<string, StageRun>();
  let current: StageRun = {};
  const execForm = (rest: string): string[] | undefined => {
    try {
      const parsed: unknown = JSON.parse(rest);
      return Array.isArray(parsed) && parsed.every((word) => typeof word === 'string')
        ? (parsed as string[])
        : undefined;
    } catch {
      return undefined;
    }
  };
  for (const raw of text.replace(/\\[ \t]*\r?\n/g, ' ').split(/\r?\n/)) {
    const match = /^\s*(FROM|WORKDIR|ENTRYPOINT|CMD)\s+(.*?)\s*$/i.exec(raw);
    if (!match) continue;
    const instruction = match[1]!.toUpperCase();
    const rest = match[2]!;
    if (instruction === 'FROM') {
      const words = rest.split(/\s+/).filter((word) => !word.startsWith('--'));
      const parent = stages.get(words[0]!.toLowerCase());
      current = parent ? { ...parent, ...(parent.cmd && { inheritedCmd: true }) } : {};
      const as = words.findIndex((word) => word.toUpperCase() === 'AS');
      if (as !== -1 && words[as + 1]) stages.set(words[as + 1]!.toLowerCase(), current);
    } else if (instruction === 'WORKDIR') {
      const dir = rest.replace(/^["']|["']$/g, '');
      current.workdir =
        dir.includes('$') || (current.workdir === undefined && !dir.startsWith('/'))
          ? undefined
          : path.posix.resolve(current.workdir ?? '/', dir);
    } else if (instruction === 'ENTRYPOINT') {
      current.entrypoint = execForm(rest);
      if (current.inheritedCmd) {
        delete current.cmd;
        delete current.inheritedCmd;
      }
    } else {
      current.cmd = execForm(rest);
      delete current.inheritedCmd;
    }
  }
  const { inheritedCmd: _, ...final } = current;
  return Object.fromEntries(Object.entries(final).filter(([, value]) => value !== undefined));
}

/** An ENTRYPOINT without the init it starts with (`tini --`, `dumb-init --`), which the images bring. */
function withoutInit(entrypoint: readonly string[]): string[] {
  const first = entrypoint[0]?.split('/').at(-1) ?? '';
  if (!['tini', 'tini-static', 'dumb-init', 'docker-init'].includes(first)) return [...entrypoint];
  const dashes = entrypoint.indexOf('--');
  if (dashes !== -1) return entrypoint.slice(dashes + 1);
  let start = 1;
  while (entrypoint[start]?.startsWith('-')) start++;
  return entrypoint.slice(start);
}
