/**
 * Generates a large synthetic pnpm workspace for the planning benchmark (plan-bench.ts).
 *
 * 1,000 packages: 200 apps (apps/app-NNN) and 800 libraries (packages/lib-NNN), deterministic
 * from a seed. The libraries form layers: a few core libraries that (almost) everything uses,
 * and layered libraries that depend only on lower layers, so there are no cycles. Each app uses
 * 5-15 libraries directly and many more transitively. Packages also use third-party packages
 * from a fixed pool of real npm packages at exact versions, so `pnpm-lock.yaml` (about 20,000
 * lines) is a real one, written by `pnpm install --lockfile-only` (needs the npm registry; a few
 * seconds, so it is not cached).
 *
 * The workspace is a git repository: everything committed on `main`, then a branch `change`
 * with one commit editing one source file of a mid-layer library, so some but not all apps
 * are affected (the generator returns which ones, as the ground truth).
 *
 * Standalone: node scripts/bench/generate-workspace.ts [dir]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const shape = {
  seed: 20_240_917,
  apps: 200,
  libs: 800,
  /** Layer 0: the core libraries, which every other library depends on. */
  coreLibs: 6,
  /** Layers 1..layers hold the other libraries; a library depends only on lower layers. */
  layers: 8,
  /** The changed library lies in this layer, chosen to affect about this share of the apps. */
  changedLayer: 4,
  changedShare: 0.25,
  pnpmVersion: '10.34.9',
};

/** Real npm packages at exact versions; the earlier ones are used more often. */
// prettier-ignore
const thirdPartyPool: readonly [string, string][] = [
  ['lodash', '4.17.21'], ['zod', '3.23.8'], ['dayjs', '1.11.13'], ['uuid', '10.0.0'],
  ['debug', '4.3.7'], ['semver', '7.6.3'], ['pino', '9.5.0'], ['axios', '1.7.7'],
  ['chalk', '5.3.0'], ['ms', '2.1.3'], ['yaml', '2.6.0'], ['commander', '12.1.0'],
  ['picocolors', '1.1.1'], ['nanoid', '5.0.7'], ['date-fns', '4.1.0'], ['ramda', '0.30.1'],
  ['immer', '10.1.1'], ['p-limit', '6.1.0'], ['eventemitter3', '5.0.1'], ['express', '4.21.1'],
  ['fastify', '5.1.0'], ['ioredis', '5.4.1'], ['pg', '8.13.1'], ['dotenv', '16.4.5'],
  ['jsonwebtoken', '9.0.2'], ['bcryptjs', '2.4.3'], ['ajv', '8.17.1'], ['rxjs', '7.8.1'],
  ['tslib', '2.8.1'], ['lru-cache', '11.0.2'], ['glob', '11.0.0'], ['minimist', '1.2.8'],
  ['ky', '1.7.2'], ['undici', '6.21.0'], ['ws', '8.18.0'], ['cookie', '1.0.1'],
  ['qs', '6.13.0'], ['mime', '4.0.4'], ['luxon', '3.5.0'], ['decimal.js', '10.4.3'],
];

export interface GeneratedWorkspace {
  dir: string;
  apps: number;
  libs: number;
  /** Lines of pnpm-lock.yaml. */
  lockfileLines: number;
  /** The library whose source the `change` branch edits, and the file edited. */
  changedLib: string;
  changedFile: string;
  /** Package names of the apps whose workspace closure holds the changed library. */
  affectedApps: string[];
  timingsMs: { files: number; lockfile: number; lockfileCheck: number; git: number; total: number };
}

interface Pkg {
  name: string;
  dir: string;
  layer: number;
  /** Workspace dependencies, by index into the package list. */
  deps: number[];
  thirdParty: string[];
  isApp: boolean;
}

// ---------------------------------------------------------------- the graph

/** mulberry32: a small seeded PRNG, so the workspace is the same on every run. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pickWeighted(random: () => number, weights: readonly number[]): number {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let at = random() * total;
  for (let i = 0; i < weights.length; i++) {
    at -= weights[i]!;
    if (at < 0) return i;
  }
  return weights.length - 1;
}

/** `count` distinct indices, each drawn by weight. */
function sampleWeighted(random: () => number, weights: readonly number[], count: number): number[] {
  const left = [...weights];
  const chosen: number[] = [];
  while (chosen.length < count && left.some((weight) => weight > 0)) {
    const index = pickWeighted(random, left);
    chosen.push(index);
    left[index] = 0;
  }
  return chosen.sort((a, b) => a - b);
}

const pad = (n: number) => String(n).padStart(3, '0');

function libLayer(index: number): number {
  if (index < shape.coreLibs) return 0;
  return 1 + Math.floor(((index - shape.coreLibs) * shape.layers) / (shape.libs - shape.coreLibs));
}

function pickThirdParty(random: () => number, count: number): string[] {
  const weights = thirdPartyPool.map((_, rank) => 1 / (rank + 1) ** 0.7);
  return sampleWeighted(random, weights, count).map((index) => thirdPartyPool[index]![0]);
}

/** Libraries first (index = library number), then apps. Dependencies point to lower indices. */
function createGraph(): Pkg[] {
  const random = createRandom(shape.seed);
  // Some libraries are far more popular than others (a long tail of fan-in).
  const popularity = Array.from({ length: shape.libs }, () => 0.2 + 5 * random() ** 3);
  const packages: Pkg[] = [];
  for (let i = 0; i < shape.libs; i++) {
    const layer = libLayer(i);
    const deps = new Set<number>();
    if (layer === 0) {
      if (i > 0) deps.add(0); // every core library builds on lib-000
    } else {
      deps.add(pickWeighted(random, [8, 4, 3, 2, 2, 1]));
      if (random() < 0.3) deps.add(pickWeighted(random, [8, 4, 3, 2, 2, 1]));
      const lower = layer === 1 ? 0 : pickWeighted(random, [1, 3, 3, 1]);
      const weights = packages.map((pkg, j) => {
        const distance = layer - pkg.layer;
        return pkg.layer === 0 || distance > 3 ? 0 : popularity[j]! * [0, 4, 2, 1][distance]!;
      });
      for (const dep of sampleWeighted(random, weights, lower)) deps.add(dep);
    }
    packages.push({
      name: `@bench/lib-${pad(i)}`,
      dir: `packages/lib-${pad(i)}`,
      layer,
      deps: [...deps].sort((a, b) => a - b),
      thirdParty: pickThirdParty(random, pickWeighted(random, [3, 4, 2])),
      isApp: false,
    });
  }
  // Apps mostly use the upper layers directly; some use a core library directly too.
  const appWeights = packages.map((pkg, i) =>
    pkg.layer === 0 ? 0 : pkg.layer ** 1.5 * popularity[i]!,
  );
  for (let i = 0; i < shape.apps; i++) {
    const deps = new Set(sampleWeighted(random, appWeights, 5 + Math.floor(random() * 11)));
    if (random() < 0.7) deps.add(pickWeighted(random, [8, 4, 3, 2, 2, 1]));
    packages.push({
      name: `@bench/app-${pad(i)}`,
      dir: `apps/app-${pad(i)}`,
      layer: shape.layers + 1,
      deps: [...deps].sort((a, b) => a - b),
      thirdParty: pickThirdParty(random, 1 + Math.floor(random() * 3)),
      isApp: true,
    });
  }
  return packages;
}

function closure(packages: readonly Pkg[], start: number): Set<number> {
  const seen = new Set<number>([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const dep of packages[queue.pop()!]!.deps) {
      if (!seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  return seen;
}

/** The library of the changed layer whose dependent apps come closest to the wanted share. */
function chooseChangedLib(packages: readonly Pkg[]): { lib: number; affectedApps: string[] } {
  const appClosures = packages
    .filter((pkg) => pkg.isApp)
    .map((app) => ({ app, deps: closure(packages, packages.indexOf(app)) }));
  const wanted = shape.changedShare * shape.apps;
  let best: { lib: number; affectedApps: string[] } | undefined;
  packages.forEach((pkg, lib) => {
    if (pkg.isApp || pkg.layer !== shape.changedLayer) return;
    const affectedApps = appClosures.filter(({ deps }) => deps.has(lib)).map(({ app }) => app.name);
    if (
      !best ||
      Math.abs(affectedApps.length - wanted) < Math.abs(best.affectedApps.length - wanted)
    )
      best = { lib, affectedApps };
  });
  return best!;
}

// ---------------------------------------------------------------- the files

function write(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const versionOf = (name: string) => thirdPartyPool.find(([candidate]) => candidate === name)![1];
const identifier = (name: string) => name.replace(/^@bench\//, '').replace(/-/g, '_');

function manifest(pkg: Pkg, packages: readonly Pkg[]): unknown {
  const dependencies: Record<string, string> = {};
  for (const dep of pkg.deps) dependencies[packages[dep]!.name] = 'workspace:*';
  for (const name of pkg.thirdParty) dependencies[name] = versionOf(name);
  return {
    name: pkg.name,
    version: '1.0.0',
    private: true,
    type: 'module',
    main: 'dist/index.js',
    ...(pkg.isApp ? {} : { types: 'dist/index.d.ts' }),
    files: ['dist'],
    scripts: {
      build: 'tsc -p tsconfig.json',
      ...(pkg.isApp ? { start: 'node dist/index.js' } : {}),
    },
    dependencies,
    ...(pkg.isApp ? { buildImages: { port: 3000, healthPath: '/health' } } : {}),
  };
}

function indexSource(pkg: Pkg, packages: readonly Pkg[]): string {
  const deps = pkg.deps.map((dep) => packages[dep]!);
  const lines = [
    ...deps.map((dep) => `import { ${identifier(dep.name)} } from '${dep.name}';`),
    `import { describe } from './helpers.js';`,
    '',
    `export function ${identifier(pkg.name)}(): string {`,
    `  return describe('${pkg.name}', [${deps.map((dep) => `${identifier(dep.name)}()`).join(', ')}]);`,
    '}',
  ];
  if (pkg.isApp) lines.push('', `console.log(${identifier(pkg.name)}());`);
  return `${lines.join('\n')}\n`;
}

const helpersSource = `export function describe(name: string, parts: string[]): string {
  return parts.length === 0 ? name : \`\${name}(\${parts.join(', ')})\`;
}
`;

const packageTsconfig = json({
  extends: '../../tsconfig.base.json',
  compilerOptions: { rootDir: 'src', outDir: 'dist' },
  include: ['src'],
});

function writeFiles(dir: string, packages: readonly Pkg[]): void {
  write(
    path.join(dir, 'package.json'),
    json({
      name: 'bench-workspace',
      private: true,
      packageManager: `pnpm@${shape.pnpmVersion}`,
      scripts: { build: 'turbo run build' },
      devDependencies: { typescript: '5.6.3' },
    }),
  );
  write(path.join(dir, 'pnpm-workspace.yaml'), 'packages:\n  - apps/*\n  - packages/*\n');
  write(
    path.join(dir, 'turbo.json'),
    json({
      $schema: 'https://turbo.build/schema.json',
      tasks: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } },
    }),
  );
  write(
    path.join(dir, 'tsconfig.base.json'),
    json({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        declaration: true,
      },
    }),
  );
  write(path.join(dir, '.gitignore'), 'node_modules/\ndist/\n.turbo/\n');
  for (const pkg of packages) {
    const at = path.join(dir, pkg.dir);
    write(path.join(at, 'package.json'), json(manifest(pkg, packages)));
    write(path.join(at, 'tsconfig.json'), packageTsconfig);
    write(path.join(at, 'src/index.ts'), indexSource(pkg, packages));
    write(path.join(at, 'src/helpers.ts'), helpersSource);
  }
}

// ---------------------------------------------------------------- lockfile and git

function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}) in ${cwd}:\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

/** Writes pnpm-lock.yaml with pnpm itself (it reads package metadata from the npm registry). */
function writeLockfile(dir: string): void {
  run('pnpm', ['install', '--lockfile-only', '--reporter=append-only'], dir);
}

/** Checks that pnpm accepts the lockfile as it is, as a frozen install would. */
function checkLockfile(dir: string): void {
  run('pnpm', ['install', '--lockfile-only', '--frozen-lockfile', '--reporter=append-only'], dir);
}

function git(dir: string, ...args: string[]): string {
  return run(
    'git',
    [
      '-c',
      'user.name=bench',
      '-c',
      'user.email=bench@example.invalid',
      '-c',
      'commit.gpgsign=false',
      ...args,
    ],
    dir,
  );
}

function commitBaseAndChange(dir: string, changedFile: string): void {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base: synthetic workspace');
  git(dir, 'checkout', '-q', '-b', 'change');
  const file = path.join(dir, changedFile);
  writeFileSync(file, `${readFileSync(file, 'utf8')}\nexport const changed = true;\n`);
  git(dir, 'commit', '-q', '-am', `change: edit ${changedFile}`);
}

// ---------------------------------------------------------------- entry point

export interface GenerateOptions {
  /** An empty or missing directory; default: a new temp directory. */
  dir?: string;
}

/** Runs `work` and returns how long it took, in ms. */
function timed(work: () => void): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

export function generateWorkspace(options: GenerateOptions = {}): GeneratedWorkspace {
  const started = performance.now();
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'plan-bench-'));
  mkdirSync(dir, { recursive: true });
  const packages = createGraph();
  const { lib, affectedApps } = chooseChangedLib(packages);
  const changedFile = `${packages[lib]!.dir}/src/helpers.ts`;
  const timingsMs = {
    files: timed(() => writeFiles(dir, packages)),
    lockfile: timed(() => writeLockfile(dir)),
    lockfileCheck: timed(() => checkLockfile(dir)),
    git: timed(() => commitBaseAndChange(dir, changedFile)),
    total: 0,
  };
  timingsMs.total = performance.now() - started;
  return {
    dir,
    apps: shape.apps,
    libs: shape.libs,
    lockfileLines: readFileSync(path.join(dir, 'pnpm-lock.yaml'), 'utf8').split('\n').length,
    changedLib: packages[lib]!.name,
    changedFile,
    affectedApps,
    timingsMs,
  };
}

if (import.meta.main) {
  const result = generateWorkspace(process.argv[2] ? { dir: path.resolve(process.argv[2]) } : {});
  console.log(JSON.stringify({ ...result, affectedApps: result.affectedApps.length }, null, 2));
}
