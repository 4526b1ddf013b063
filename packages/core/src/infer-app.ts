import path from 'node:path';
import type { WorkspaceGraph, WorkspaceGraphNode } from './create-workspace-graph.js';
import type { WorkspacePackage } from './types.js';

/*
 * What a person reading a workspace would conclude about its packages: which ones are
 * deployable apps, and what command starts each in production. Pure: works on the manifests
 * and the few file facts the workspace reader records (Dockerfiles beside a package, Nest's
 * config, the TypeScript output directory).
 */

/** Dependencies that make a package a server when it also has something to run. */
const serverFrameworks = [
  // First: a Next.js app that also uses hono or express for its API routes is a next server.
  'next',
  '@nestjs/core',
  'express',
  'fastify',
  'hono',
  '@hono/node-server',
  'koa',
  '@hapi/hapi',
  'restify',
  '@remix-run/serve',
  '@react-router/serve',
  'h3',
  'nitropack',
  'ws',
  'socket.io',
  'bullmq',
];

/** Of those, the ones libraries use as clients as often: only a start script makes a server. */
const clientsToo = new Set(['ws', 'bullmq']);

/** Dependencies of packages that are never a container image of a Node process. */
const notDeployable: readonly [RegExp, string][] = [
  [/^(expo|react-native)$/, 'a mobile app (expo/react-native)'],
  [/^electron$/, 'a desktop app (electron)'],
  [/^@tauri-apps\/(api|cli)$/, 'a desktop app (tauri)'],
];

/**
 * A build script that makes static files for a web server or a browser, not a Node.js server
 * (`vite build`, `astro build`, a docs site, a browser extension): such a package is no app
 * unless a start script, its Dockerfile's command or a server framework runs node.
 */
const staticBuild =
  /(?:^|[\s;&|(])(?:npx\s+|pnpm\s+(?:exec\s+)?)?(vite|astro|vitepress|docusaurus|gatsby|vuepress|eleventy|wxt|plasmo|blume)\s+build\b/;

/**
 * Dependencies that make a `vite build` a server's build: SvelteKit's and Astro's node
 * adapters, full-stack frameworks on Nitro or Vinxi (TanStack Start, Analog, Nuxt), React
 * Router's and Remix's node servers.
 */
const serverBuilds =
  /^(@sveltejs\/adapter-node|svelte-adapter-bun|@astrojs\/node|@tanstack\/(react-|solid-)?start|nitro|nitropack|vinxi|nuxt|@analogjs\/platform|@react-router\/(node|serve)|@remix-run\/(node|serve))$/;

/** A script that publishes the package to a registry. */
const publishCommand = /\b(?:npm|pnpm|yarn)\s+publish\b|\bchangeset\s+publish\b/;

const runtimeFields = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;

const runtimeDependents = new WeakMap<WorkspaceGraph, Map<string, WorkspaceGraphNode[]>>();

/** Per package, the workspace packages that need it at run time; made once per graph. */
function runtimeDependentsOf(graph: WorkspaceGraph): Map<string, WorkspaceGraphNode[]> {
  let index = runtimeDependents.get(graph);
  if (index) return index;
  index = new Map();
  for (const node of graph.values()) {
    for (const dependency of node.dependencies) {
      if (
        !runtimeFields.some((field) => node.package.dependencies[field]?.[dependency] !== undefined)
      )
        continue;
      const list = index.get(dependency);
      if (list) list.push(node);
      else index.set(dependency, [node]);
    }
  }
  runtimeDependents.set(graph, index);
  return index;
}

/** A workspace package only tests use, by its name or directory: never built for an image. */
const testOnly =
  /(?:^|[-_/@.])(?:tests?|testing|test-?utils|mocks?|e2e|fixtures?|playwright|cypress|vitest|jest|storybook|stories)(?:[-_/.]|$)/i;

export function isTestOnly(pkg: Pick<WorkspacePackage, 'name' | 'dir'>): boolean {
  return testOnly.test(pkg.name) || testOnly.test(pkg.dir);
}

/** Scripts that may start the app in production, in the order they are tried. */
const startScripts = ['start:prod', 'start:production', 'prod', 'serve:prod', 'start', 'serve'];

/** Why a package is taken as an app (or left out), for `plan` and `--explain`. */
export interface AppDetection {
  app: boolean;
  reasons: string[];
}

function allDependencies(pkg: WorkspacePackage): string[] {
  return Object.values(pkg.dependencies).flatMap((deps) => Object.keys(deps ?? {}));
}

/** `next build` or `next start` in a script, after env setters (`dotenv -e ../../.env --`). */
const nextScript = /(?:^|[\s;&|(])(?:npx\s+|pnpm\s+(?:exec\s+)?)?next\s+(?:build|start)\b/;

/**
 * The scripts that running `names` runs: those names, and every script they run in turn
 * (`pnpm run codegen`, `npm run x`, `yarn x`, pnpm's `pnpm run '/^(codegen:.+)$/'`,
 * npm-run-all's `run-s build:*`), in the order found. Names the manifest lacks are left out.
 */
export function calledScripts(scripts: Record<string, string>, names: readonly string[]): string[] {
  const all = Object.keys(scripts);
  const found = new Set(names.filter((name) => typeof scripts[name] === 'string'));
  const queue = [...found];
  const add = (matched: string[]) => {
    for (const other of matched)
      if (!found.has(other) && typeof scripts[other] === 'string') {
        found.add(other);
        queue.push(other);
      }
  };
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const text = scripts[name]!;
    for (const match of text.matchAll(
      /\b(?:pnpm|npm|yarn)\s+(?:run\s+)?(?:-[-\w=]+\s+)*(?:'([^']+)'|"([^"]+)"|([^\s'";&|)]+))/g,
    )) {
      const target = (match[1] ?? match[2] ?? match[3])!;
      const regex = /^\/(.+)\/$/.exec(target);
      try {
        add(regex ? all.filter((other) => new RegExp(regex[1]!).test(other)) : [target]);
      } catch {
        // Not a regular expression pnpm could run either.
      }
    }
    for (const match of text.matchAll(/\b(?:run-s|run-p|npm-run-all)((?:\s+[^\s&|;]+)+)/g))
      for (const word of match[1]!.trim().split(/\s+/)) {
        if (word.startsWith('-')) continue;
        const pattern = new RegExp(
          `^${word
            .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
            .replace(/\*\*/g, '.*')
            .replace(/(?<!\.)\*/g, '[^:]*')}$`,
        );
        add(all.filter((other) => pattern.test(other)));
      }
  }
  return [...found];
}

/** The text of a script and of the scripts it runs in turn (see calledScripts). */
function scriptWithCalled(scripts: Record<string, string>, name: string): string {
  return calledScripts(scripts, [name])
    .map((called) => scripts[called])
    .join(' && ');
}

/** Programs a build script may call that node's slim images do not have. */
const systemTools =
  /(?:^|&&|\|\||[;|(]|\bthen|\bdo)\s*(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(python3?|pip3?|rsync|git|zip|unzip|curl|wget|jq|cargo|rustc|go|java|docker|bun|deno)(?=\s|$|;|&|\|)/g;

/**
 * The programs outside Node.js and pnpm that a package's build runs (its `prebuild`, `build`
 * and `postbuild` scripts and the scripts they run): better-auth's docs call git, hatchet's
 * python. A slim base image has none of them.
 */
export function buildSystemTools(pkg: Pick<WorkspacePackage, 'scripts'>): string[] {
  const text = ['prebuild', 'build', 'postbuild']
    .map((name) => scriptWithCalled(pkg.scripts, name))
    .join(' && ');
  return [...new Set([...text.matchAll(systemTools)].map((match) => match[1]!))].sort();
}

/**
 * A Next.js app: its build or start script runs `next build` or `next start` (following the
 * scripts they run), with the root's next too (postiz keeps every dependency in the root
 * manifest; the root importer's packages are in every install, and pnpm puts their binaries
 * on the PATH); or `next` among its dependencies, unless its build and start scripts run
 * something else (keystone's `keystone build` and `keystone start`, whose admin UI uses next).
 */
export function isNextApp(pkg: Pick<WorkspacePackage, 'dependencies' | 'scripts'>): boolean {
  const scripts = ['build', 'start'].map((name) => scriptWithCalled(pkg.scripts, name));
  if (scripts.some((text) => nextScript.test(text))) return true;
  return (
    Object.values(pkg.dependencies).some((deps) => deps !== undefined && 'next' in deps) &&
    !scripts.every((text) => text !== '')
  );
}

/**
 * Decides whether a package is a deployable app when the user has not listed the apps:
 * a Dockerfile beside it, a place under `apps/`, a server framework with something to run,
 * or a start script that runs node; and nothing in the workspace depends on it (a package
 * others import is a library), it is no mobile, desktop or storybook app, and it is not a
 * published library.
 */
export function detectApp(pkg: WorkspacePackage, graph: WorkspaceGraph): AppDetection {
  if (pkg.dir === '.') return { app: false, reasons: ['the workspace root'] };
  // Only what others need at run time makes a library: an app that an SPA, a test suite or
  // an e2e package lists among its devDependencies (for its types, say) is still an app.
  const dependents = (runtimeDependentsOf(graph).get(pkg.name) ?? []).filter(
    (node) => node.package.name !== pkg.name,
  );
  if (dependents.length > 0)
    return {
      app: false,
      reasons: [
        `a library: ${dependents.map((node) => node.package.name).join(', ')} depend on it`,
      ],
    };
  const deps = allDependencies(pkg);
  for (const [pattern, what] of notDeployable) {
    if (deps.some((dep) => pattern.test(dep))) return { app: false, reasons: [what] };
  }
  // Apps keep their stories beside them; a package named for storybook is the storybook.
  if (/(^|[/-])storybook($|-)/.test(pkg.name) || /storybook/.test(pkg.scripts['start'] ?? ''))
    return { app: false, reasons: ['a storybook'] };
  const facts = pkg.facts;
  // A Cloudflare Worker deploys with wrangler to Cloudflare's runtime, not in a container
  // (inbox-zero's apps/image-proxy), unless a Dockerfile beside it says otherwise.
  if (facts?.wranglerConfig !== undefined && !facts.dockerfiles.length)
    return {
      app: false,
      reasons: [`a Cloudflare Worker (${facts.wranglerConfig}): wrangler deploys it, not an image`],
    };
  // A test suite or test server (payload's test/, "payload-test-suite", a next server) is
  // no app, unless a Dockerfile beside it says it is deployed.
  if (isTestOnly(pkg) && !facts?.dockerfiles.length)
    return { app: false, reasons: ['a test package, by its name or folder'] };
  const reasons: string[] = [];
  if (facts?.dockerfiles.length) reasons.push(`${facts.dockerfiles.join(', ')} beside it`);
  if (pkg.dir.split('/')[0] === 'apps') reasons.push('under apps/');
  const framework =
    serverFrameworks.find((name) => deps.includes(name)) ?? (isNextApp(pkg) ? 'next' : undefined);
  const command = inferCommand(pkg);
  // A server with only a dev script (`tsx watch src/server.ts`) is still a server: listed
  // as needing a command rather than silently skipped. A client as often as a server (a
  // WebSocket or queue client library) counts only with a script that runs it.
  const runScript = [...startScripts, 'dev'].some((script) => pkg.scripts[script] !== undefined);
  // A build that runs `next build` makes a Next.js server whatever its scripts are named
  // (jitsu's console: `console:start`).
  const buildsNext = /\bnext\s+build\b/.test(scriptWithCalled(pkg.scripts, 'build'));
  if (framework && (clientsToo.has(framework) ? runScript : command || runScript || buildsNext))
    reasons.push(`${/^[aeiou]/i.test(framework) ? 'an' : 'a'} ${framework} server`);
  else if (command && command.source.startsWith('script'))
    reasons.push(
      `its ${command.source} runs ${command.command[0]!.startsWith('node_modules/.bin/') ? command.command[0]!.slice('node_modules/.bin/'.length) : 'node'}`,
    );
  if (reasons.length === 0) return { app: false, reasons: ['no sign of a server or worker'] };
  // A command-line tool under apps/ (Folo's folocli: a "bin", published, no server framework,
  // nothing that serves) is installed, not deployed as an image.
  const bins = [...ownBins(pkg).values()];
  const runsOwnBin =
    command !== undefined &&
    command.command[0] === 'node' &&
    bins.includes(path.posix.normalize((command.command[1] ?? '').replace(/^\.\//, '')));
  if (
    (command?.source === '"bin"' ? !runScript : runsOwnBin) &&
    !framework &&
    !facts?.dockerfiles.length &&
    pkg.private !== true
  )
    return {
      app: false,
      reasons: ['a command-line tool (a "bin" to install, no server framework or start script)'],
    };
  const runsNode =
    Boolean(framework) ||
    Boolean(command?.source.startsWith('script')) ||
    facts?.dockerfileCommand?.command[0] === 'node' ||
    deps.some((dep) => serverBuilds.test(dep));
  const builder = staticBuild.exec(pkg.scripts['build'] ?? '')?.[1];
  if (builder && !runsNode)
    return {
      app: false,
      reasons: [
        `static files for a web server or a browser (its build runs ${builder} build), and nothing runs node`,
      ],
    };
  // Under apps/ too, a package that publishes itself to a registry, with nothing that serves,
  // is a library (postiz's apps/sdk: "publish": "tsup && npm publish").
  if (
    !runsNode &&
    !facts?.dockerfiles.length &&
    pkg.private !== true &&
    Object.entries(pkg.scripts).some(
      ([name, text]) => ['prepublishOnly', 'publish'].includes(name) || publishCommand.test(text),
    )
  )
    return {
      app: false,
      reasons: ['a published library (not private, and a script of its own publishes it)'],
    };
  // Outside apps/, a package published to a registry is a library, unless it ships a Dockerfile.
  // A server that a start script runs (jitsu's services, "publishConfig" set but never
  // published) or a Next.js build is deployed all the same.
  const conventional = pkg.dir.split('/')[0] === 'apps' || Boolean(facts?.dockerfiles.length);
  const serves =
    framework !== undefined &&
    !clientsToo.has(framework) &&
    (Boolean(command?.source.startsWith('script')) || (framework === 'next' && buildsNext));
  if (
    !conventional &&
    !serves &&
    pkg.private !== true &&
    (pkg.publishable || pkg.exports !== undefined)
  )
    return {
      app: false,
      reasons: ['a published library (not private, with "files", "publishConfig" or "exports")'],
    };
  return { app: true, reasons };
}

export interface InferredCommand {
  command: string[];
  /** Where it came from: `script "start:prod"`, `"main"`, `Nest's dist/main.js`, … */
  source: string;
}

/**
 * The production command of a node app, as a person would read it from the package: a start
 * script that runs `node <file>` (through env setters such as cross-env or dotenv), Nest's
 * build output, then `main`, `exports` or a single `bin`. Watchers and dev servers never
 * count. Undefined when nothing says what to run.
 */
export function inferCommand(pkg: WorkspacePackage): InferredCommand | undefined {
  for (const script of startScripts) {
    const text = pkg.scripts[script];
    if (text === undefined) continue;
    const command = commandOfScript(pkg, text, 0, script);
    if (command) return { command, source: `script "${script}"` };
  }
  // A start script on deno or bun says "main" is not what runs.
  if (otherRuntimeOf(pkg)) return undefined;
  const own = dockerfileCommandOf(pkg);
  if (own) return { command: own.command, source: `the ${own.instruction} of ${own.file}` };
  const deps = allDependencies(pkg);
  if (deps.includes('@nestjs/core')) {
    const entry = pkg.facts?.nestEntry ?? 'main';
    const outDir = pkg.buildHints?.tsOutDir ?? 'dist';
    return { command: ['node', `${outDir}/${entry}.js`], source: "Nest's build output" };
  }
  const main = entryOf(pkg);
  if (main) return { command: ['node', main.file], source: main.source };
  return undefined;
}

/**
 * What the package's own Dockerfile runs, when that is node in the package's folder (its final
 * stage's WORKDIR ends with the package's path, as atproto's services/pds: `WORKDIR /app/services/pds`,
 * `CMD ["node", "--enable-source-maps", "index.ts"]`): the command the team deploys, with paths
 * that mean the same in the image's app folder. Elsewhere its paths may be another layout's.
 */
function dockerfileCommandOf(
  pkg: WorkspacePackage,
): { command: string[]; file: string; instruction: string } | undefined {
  const own = pkg.facts?.dockerfileCommand;
  if (own === undefined || !/(^|\/)node$/.test(own.command[0]!) || own.workdir === undefined)
    return undefined;
  const workdir = own.workdir.replace(/\/+$/, '');
  return pkg.dir !== '.' && (workdir === `/${pkg.dir}` || workdir.endsWith(`/${pkg.dir}`))
    ? {
        command: ['node', ...own.command.slice(1)],
        file: `${pkg.dir}/${own.file}`,
        instruction: own.instruction ?? 'CMD',
      }
    : undefined;
}

/** `main`, else the `.` entry of `exports`, else a single `bin`: a file inside the package. */
function entryOf(pkg: WorkspacePackage): { file: string; source: string } | undefined {
  const clean = (file: string) => file.replace(/^\.\//, '');
  if (pkg.main && browserBundle.test(pkg.main)) return undefined;
  if (pkg.main) return { file: clean(pkg.main), source: '"main"' };
  const exported = exportTarget(pkg.exports);
  if (exported) return { file: clean(exported), source: '"exports"' };
  if (typeof pkg.bin === 'string') return { file: clean(pkg.bin), source: '"bin"' };
  if (typeof pkg.bin === 'object' && pkg.bin !== null) {
    const bins = Object.values(pkg.bin).filter((value) => typeof value === 'string');
    if (bins.length === 1) return { file: clean(bins[0] as string), source: '"bin"' };
  }
  return undefined;
}

/** A file made for browsers (`dist/embed.umd.min.js`, `widget.iife.js`): nothing node serves with. */
const browserBundle = /[.-](?:umd|iife|min|browser)(?:\.min)?\.(?:c|m)?js$/;

/** The `.` entry of an `exports` field, a JavaScript file for node (the `node`, `import`, `require` or `default` condition). */
export function exportTarget(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (typeof exports !== 'object' || exports === null || Array.isArray(exports)) return undefined;
  const record = exports as Record<string, unknown>;
  const root = '.' in record ? record['.'] : record;
  if (typeof root === 'string') return root;
  if (typeof root !== 'object' || root === null) return undefined;
  for (const condition of ['node', 'import', 'require', 'default']) {
    const target = exportTarget((root as Record<string, unknown>)[condition]);
    if (target && /\.(c|m)?js$/.test(target)) return target;
  }
  return undefined;
}

const watchers =
  /(?:^|\s)(?:--watch\b|-w\b|nodemon|ts-node-dev|tsx|ts-node|vite(?:\s|$)|webpack(?:-dev-server|\s+serve)|next\s+dev|nest\s+start\b.*--watch|--inspect)/;

/**
 * The exec-form command a script runs, when it ends in `node <file>`: leading environment
 * assignments, `cross-env`, `dotenv … --` and `env-cmd` are dropped (the image sets its
 * environment itself), `--env-file` becomes `--env-file-if-exists` (no .env file is in an
 * image), and `pnpm run <script>` is followed within the package.
 */
function commandOfScript(
  pkg: WorkspacePackage,
  script: string,
  depth: number,
  name?: string,
): string[] | undefined {
  const { words, i, runner } = splitScript(script);
  // run-script-os runs `<script>:linux`, `:nix` or `:default` (Flowise's start).
  if (runner === 'run-script-os') {
    if (name === undefined || depth > 2) return undefined;
    for (const suffix of ['linux', 'nix', 'default']) {
      const target = pkg.scripts[`${name}:${suffix}`];
      if (target !== undefined) return commandOfScript(pkg, target, depth + 1, `${name}:${suffix}`);
    }
    return undefined;
  }
  const own = ownBinCommand(pkg, script, words, i);
  if (own) return own;
  // `tsx <file>` with tsx among the production dependencies (karakeep's workers): node with
  // tsx's loader, on the deployed tree. tsx in devDependencies is not in the image.
  if (runner === 'tsx') {
    const file = words[i + 1];
    if (
      file === undefined ||
      file === 'watch' ||
      file.startsWith('-') ||
      words.slice(i + 2).some((word) => /^--(watch|inspect)/.test(word)) ||
      pkg.dependencies.dependencies?.['tsx'] === undefined
    )
      return undefined;
    const args = words.slice(i + 2).map((word) => word.replace(/^(['"])(.*)\1$/, '$2'));
    return ['node', '--import', 'tsx', file.replace(/^\.\//, ''), ...args];
  }
  if (watchers.test(` ${words.join(' ')}`)) return undefined;
  if (runner === 'pnpm' || runner === 'npm' || runner === 'yarn') {
    const target = followedScript(pkg, words, i);
    if (target === undefined || depth > 2) return undefined;
    return commandOfScript(pkg, target, depth + 1);
  }
  if (runner === 'nest' && words[i + 1] === 'start') {
    const entry = pkg.facts?.nestEntry ?? 'main';
    return ['node', `${pkg.buildHints?.tsOutDir ?? 'dist'}/${entry}.js`];
  }
  if (runner !== 'node') return runner === undefined ? undefined : binCommand(pkg, words, i);
  const flags: string[] = [];
  let j = i + 1;
  for (; j < words.length && words[j]!.startsWith('-'); j++) {
    const flag = words[j]!;
    if (/^--env-file=/.test(flag)) flags.push(flag.replace('--env-file=', '--env-file-if-exists='));
    else if (flag === '-r' || flag === '--require' || flag === '--import') {
      flags.push(flag, words[j + 1] ?? '');
      j++;
    } else flags.push(flag);
  }
  let file = words[j];
  if (file === undefined) return undefined;
  if (file === '.' || file === './') {
    const entry = entryOf(pkg);
    if (!entry) return undefined;
    file = entry.file;
  }
  const args = words.slice(j + 1).map((word) => word.replace(/^(['"])(.*)\1$/, '$2'));
  return ['node', ...flags.filter(Boolean), file.replace(/^\.\//, ''), ...args];
}

/** The files of a package's own `bin`, without `./`. */
function ownBins(pkg: Pick<WorkspacePackage, 'bin' | 'name'>): Map<string, string> {
  const clean = (file: string) => path.posix.normalize(file.replace(/^\.\//, ''));
  if (typeof pkg.bin === 'string') return new Map([[pkg.name.split('/').at(-1)!, clean(pkg.bin)]]);
  if (typeof pkg.bin !== 'object' || pkg.bin === null) return new Map();
  return new Map(
    Object.entries(pkg.bin as Record<string, unknown>).flatMap(([command, file]) =>
      typeof file === 'string' ? [[command, clean(file)] as [string, string]] : [],
    ),
  );
}

/**
 * A start script that runs one of the package's own commands (its `bin`: Flowise's `cd bin &&
 * ./run start`, or `flowise start` by its name): node on that file, with its arguments.
 */
function ownBinCommand(
  pkg: WorkspacePackage,
  script: string,
  words: string[],
  i: number,
): string[] | undefined {
  const runner = words[i];
  const bins = ownBins(pkg);
  if (runner === undefined || bins.size === 0) return undefined;
  // The folder a `cd dir &&` before the command moves to.
  const cd = /(?:^|&&|;)\s*cd\s+([^\s;&|]+)\s*&&[^&;]*$/.exec(script)?.[1];
  const file = bins.has(runner)
    ? bins.get(runner)!
    : runner.includes('/')
      ? path.posix.normalize(path.posix.join(cd ?? '.', runner))
      : undefined;
  if (file === undefined || ![...bins.values()].includes(file)) return undefined;
  const args = words.slice(i + 1).map((word) => word.replace(/^(['"])(.*)\1$/, '$2'));
  return ['node', file, ...args];
}

/** Programs a start script may run that are build or dev tools, or have their own rule. */
const notServeCommands = new Set([
  'node',
  'next',
  'nest',
  'tsx',
  'ts-node',
  'nodemon',
  'vite',
  'vitest',
  'turbo',
  'nx',
  'concurrently',
  'run-p',
  'run-s',
  'npm-run-all',
  'npx',
  'pnpx',
  'sh',
  'bash',
  'docker',
  'astro',
  'nuxt',
  'nuxi',
  'prisma',
  'tsc',
  'esbuild',
  'webpack',
  'rollup',
  // Static site and front-end tools, whose start is their dev server.
  'docusaurus',
  'gatsby',
  'vuepress',
  'vitepress',
  'eleventy',
  'storybook',
  'react-scripts',
  'ng',
  'vue-cli-service',
  'parcel',
  'rsbuild',
  'rspack',
  'expo',
  'remix',
  'react-router',
  'wrangler',
]);

/** Programs that, among a command's arguments, say the command wraps another one. */
const wrappedPrograms = new Set(['--', 'pnpm', 'npm', 'yarn', 'npx', 'node', 'tsx', 'bun', 'deno']);

/** Commands whose package their names do not give. */
const knownBins: Record<string, string> = { 'pm2-runtime': 'pm2' };

/**
 * The production dependency whose command a start script runs (`react-router-serve` of
 * `@react-router/serve`, `remix-serve` of `@remix-run/serve`, `keystone` of `@keystone-6/core`,
 * `fastify` of `fastify-cli`, `pm2-runtime` of `pm2`, `serve` of `serve`), judged from the
 * names, as nothing installed is read at plan time. Undefined when no dependency or more than
 * one fits; a dependency only in devDependencies is not in the image.
 */
export function binPackageOf(
  pkg: Pick<WorkspacePackage, 'dependencies'>,
  bin: string,
  field: 'dependencies' | 'devDependencies' = 'dependencies',
): string | undefined {
  const fits = (name: string) => {
    if (name === bin || name === `${bin}-cli` || name.endsWith(`/${bin}`)) return true;
    const scoped = /^@([^/]+)\/(.+)$/.exec(name);
    if (!scoped) return false;
    const [, scope, rest] = scoped as unknown as [string, string, string];
    const first = scope.split('-')[0]!;
    return (
      bin === `${scope}-${rest}` ||
      bin === `${first}-${rest}` ||
      (bin === first && (rest === 'core' || rest === 'cli'))
    );
  };
  const found = Object.keys(pkg.dependencies[field] ?? {}).filter(
    (name) => fits(name) || knownBins[bin] === name,
  );
  return found.length === 1 ? found[0] : undefined;
}

/**
 * A start script that runs a production dependency's command (`PORT=3002 react-router-serve
 * ./build/server/index.js`, `keystone start`, `serve -s build/client -l 3001`): that command
 * from the deployed tree's `node_modules/.bin`, with its arguments.
 */
function binCommand(pkg: WorkspacePackage, words: string[], i: number): string[] | undefined {
  const bin = words[i]!;
  if (notServeCommands.has(bin) || otherRuntimes.has(bin) || !/^[a-z0-9][\w.-]*$/.test(bin))
    return undefined;
  if (binPackageOf(pkg, bin) === undefined) return undefined;
  const args = words.slice(i + 1).map((word) => word.replace(/^(['"])(.*)\1$/, '$2'));
  // A wrapper of another program (genkit's `genkit start -- pnpm dev`, a dev UI): that
  // program is what runs, and it is no production command.
  if (args.some((word) => wrappedPrograms.has(word))) return undefined;
  return [`node_modules/.bin/${bin}`, ...args];
}

/**
 * A start script whose command comes from a package only in devDependencies (`remix-serve` of
 * `@remix-run/serve`): the image installs production dependencies only, so it cannot run it.
 */
export function devOnlyStartCommand(
  pkg: WorkspacePackage,
): { script: string; bin: string; dependency: string } | undefined {
  const script = startScripts.find((name) => pkg.scripts[name] !== undefined);
  if (script === undefined) return undefined;
  const { runner } = splitScript(pkg.scripts[script]!);
  if (runner === undefined || notServeCommands.has(runner)) return undefined;
  if (binPackageOf(pkg, runner) !== undefined) return undefined;
  const dependency = binPackageOf(pkg, runner, 'devDependencies');
  return dependency === undefined ? undefined : { script, bin: runner, dependency };
}

/**
 * The port a start script gives its server: `PORT=3002` before the command (`env`: the image
 * sets PORT, as the script did), or the command's own `-p`, `--port`, `-l` or `--listen`
 * (`serve -s build/client -l 3001`, `next start -p 4200`). Undefined when it says none.
 */
export function startScriptPort(
  pkg: Pick<WorkspacePackage, 'scripts'>,
): { port: number; env: boolean } | undefined {
  for (const name of startScripts) {
    const text = pkg.scripts[name];
    if (text === undefined) continue;
    const last = text.split(/&&|;/).at(-1) ?? '';
    const assigned = /(?:^|\s)PORT=["']?(\d{2,5})\b/.exec(last);
    const flag = /\s(?:-p|--port|-l|--listen)(?:\s+|=)(?:tcp:\/\/[^\s:]*:)?(\d{2,5})\b/.exec(last);
    const port = Number((flag ?? assigned)?.[1]);
    return port > 0 && port < 65536 ? { port, env: flag === null } : undefined;
  }
  return undefined;
}

/**
 * The part of a script that stays running (of `a && b && node x`, the last) as words, and
 * the index and name of its program once leading environment assignments, `cross-env`,
 * `exec`, `dotenv … --` and `env-cmd` are skipped.
 */
function splitScript(script: string): { words: string[]; i: number; runner: string | undefined } {
  const last = script.split(/&&|;/).at(-1)?.trim() ?? '';
  const words = last.split(/\s+/).filter(Boolean);
  let i = 0;
  for (;;) {
    while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) i++;
    const word = words[i];
    if (word === 'cross-env' || word === 'exec') i++;
    else if (word === 'dotenv' || word === 'env-cmd') {
      const end = words.indexOf('--', i);
      if (end === -1) {
        // env-cmd -f file node x: skip the option and its value.
        i++;
        while (words[i]?.startsWith('-')) i += 2;
      } else i = end + 1;
    } else break;
  }
  return { words, i, runner: words[i] };
}

/** The script `pnpm run <name>` (or npm's, yarn's) names within the package. */
function followedScript(pkg: WorkspacePackage, words: string[], i: number): string | undefined {
  const rest = words.slice(i + 1).filter((word) => !word.startsWith('-'));
  const name = rest[0] === 'run' ? rest[1] : rest[0];
  return name === undefined ? undefined : pkg.scripts[name];
}

/** Programs that run an app on another runtime than Node.js. */
const otherRuntimes = new Set(['deno', 'bun', 'bunx', 'python', 'python3', 'uv', 'go', 'java']);

/**
 * The runtime other than Node.js that a start script runs (`deno run -A src/serve.ts`, `bun
 * src/index.ts`), when the first start script there is runs one: such a package is no Node.js
 * app to guess a command for from its "main".
 */
export function otherRuntimeOf(
  pkg: WorkspacePackage,
): { script: string; runtime: string } | undefined {
  const script = startScripts.find((name) => pkg.scripts[name] !== undefined);
  if (script === undefined) return undefined;
  let text = pkg.scripts[script]!;
  for (let depth = 0; depth < 3; depth++) {
    const { words, i, runner } = splitScript(text);
    if (runner === undefined) return undefined;
    if (otherRuntimes.has(runner)) return { script, runtime: runner };
    if (runner !== 'pnpm' && runner !== 'npm' && runner !== 'yarn') return undefined;
    const target = followedScript(pkg, words, i);
    if (target === undefined) return undefined;
    text = target;
  }
  return undefined;
}

/** The lines a user adds to say what an app runs, for a "needs configuration" report. */
export function commandSnippet(pkg: WorkspacePackage): string {
  // The app's own Dockerfile says what it runs (openpanel's apps/start: CMD ["node",
  // ".output/server/index.mjs"]); its paths are the app's when that is where it works.
  const own = pkg.facts?.dockerfileCommand;
  // A watcher over a TypeScript entry with tsx among the production dependencies (hey's api:
  // `tsx watch src/index.ts`): the same file without the watcher.
  const watched =
    pkg.dependencies.dependencies?.['tsx'] === undefined
      ? undefined
      : ['start', 'dev']
          .map(
            (name) =>
              /\btsx\s+watch\s+(?:--\S+\s+)*([\w./-]+\.[cm]?tsx?)\b/.exec(
                pkg.scripts[name] ?? '',
              )?.[1],
          )
          .find((file) => file !== undefined);
  const command =
    own?.command[0] === 'node'
      ? own.command
      : watched !== undefined
        ? ['node', '--import', 'tsx', watched.replace(/^\.\//, '')]
        : ['node', 'dist/index.js'];
  const why =
    own?.command[0] === 'node'
      ? ` (the ${own.instruction ?? 'CMD'} of ${pkg.dir}/${own.file})`
      : watched !== undefined
        ? " (its watcher's file, run once with the tsx of its dependencies)"
        : ' (with the file that starts it)';
  // Nothing says which file: the line is a pattern to fill in, and says so.
  return `${pkg.manifestPath}: "buildImages": { "command": [${command.map((word) => JSON.stringify(word)).join(', ')}] }${why}   (or leave it out: "buildImages": { "app": false })`;
}
