/**
 * Benchmark (not a test) of whole image builds of the sample workspace's apps (api, web, worker)
 * on one Docker Engine, three ways (plus build-images --changed), in one run:
 *   - build-images:  the checkout's built CLI run with --cwd on a copy of the repository
 *                    (one generated Dockerfile, per-app lockfile slices and install stages,
 *                    BuildKit builds in parallel through the Engine API, --concurrency = cores);
 *   - turbo way:     per app `turbo prune <pkg> --docker`, one Dockerfile per app (json/ + the
 *                    pruned lockfile → pnpm install --frozen-lockfile with a store cache mount,
 *                    full/ → pnpm --filter <pkg>... run build, pnpm deploy --prod --legacy, a slim
 *                    runner as uid 1000), built one after another with `docker buildx build`
 *                    (buildx's docker driver: the engine's own BuildKit);
 *   - bake way:      pnpm's documented way (one hand-written Dockerfile, COPY . /repo, one install
 *                    with a store cache mount, one build of the apps' closure, a deploy and a runner
 *                    target per app), the three targets built in parallel by `docker buildx bake`;
 *   - and, as a fourth column, build-images --changed=main (the copy is a git repository whose base
 *     commit holds the generated Dockerfile): only the apps the edit affects reach the engine.
 * Scenarios: cold (bench images removed, builder cache pruned), nothing changed, one app's source
 * changed (apps/api/src/app.ts), a shared package changed (packages/sample/logger/src/create-logger.ts),
 * one app's third-party dependency added (ms@2.1.3 to apps/worker, lockfile from
 * `pnpm install --lockfile-only`, made once at the start). Every scenario starts from the same
 * state for the three ways: the copy is reset with git and the unchanged state is built (untimed)
 * first unless the last build already was of that state.
 *
 * Fresh-CI-runner scenarios (ci-unchanged, ci-app-source, ci-shared-package, ci-dependency-added):
 * the same edits, but before each timed build the engine is emptied (the bench's images, all
 * build cache and cache mounts), and a local registry holds the base commit's images, pushed by
 * an untimed build; every way uses inline registry cache and pushes, build-images with
 * --skip-existing and {digest} tags. Needs Debian's docker-registry (/usr/bin/docker-registry).
 *
 * "Rebuilt" = the app's final image id differs from the one built just before (for the cold
 * scenario: every app). build-images' own statuses and uncached step counts come from --json.
 *
 * Run at the repository root, after `pnpm build` and `bash scripts/bench/setup-buildx.sh`:
 *   pnpm bench [--runs N (default 3)] [--scenario <id>]… [--keep]        (or: node scripts/bench/build-bench.ts …)
 * Needs a Docker Engine, the local base image build-images-local/node:24.21.0, the npm registry
 * (pnpm resolves ms@2.1.3 and the builds' installs fetch packages).
 * Prints figures, asserts nothing. Results: scripts/bench/results/build-bench.json (not committed).
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const repo = path.resolve(import.meta.dirname, '../..');
const cliBin = path.join(repo, 'packages/cli/dist/bin.js');
const turboBin = path.join(repo, 'node_modules/.bin/turbo');
const baseImage = process.env['BUILD_IMAGES_BASE_IMAGE'] ?? 'build-images-local/node:24.21.0';
const apps = ['api', 'web', 'worker'] as const;
type App = (typeof apps)[number];
const packageOf: Record<App, string> = {
  api: '@acme/api',
  web: '@acme/web',
  worker: '@acme/worker',
};
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env['PATH'] ?? ''}`,
  TURBO_TELEMETRY_DISABLED: '1',
  DOCKER_BUILDKIT: '1',
  CI: 'true',
};
delete env['FORCE_COLOR'];

// ---------------------------------------------------------------- helpers

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  allowFail = false,
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0 && !allowFail) {
    // build-images --json: the failed apps' errors and log tails, which the progress hides.
    let failures = '';
    try {
      const output = JSON.parse(result.stdout) as {
        results?: { app: string; status: string; error: string | null; logTail?: string[] }[];
      };
      failures = (output.results ?? [])
        .filter((entry) => entry.error !== null)
        .map(
          (entry) =>
            `${entry.app} ${entry.status}: ${entry.error}\n${(entry.logTail ?? []).join('\n')}`,
        )
        .join('\n');
    } catch {
      // Not JSON: the tail below says it.
    }
    const tail = `${`${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-25).join('\n')}\n${failures}`;
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}:\n${tail}`);
  }
  return result;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const log = (text: string) => process.stderr.write(`[build-bench] ${text}\n`);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Image id and size of a tag, or undefined when there is no such image. */
function inspectImage(tag: string): { id: string; size: number } | undefined {
  const result = run(
    'docker',
    ['image', 'inspect', '--format', '{{.Id}} {{.Size}}', tag],
    repo,
    true,
  );
  if (result.status !== 0) return undefined;
  const [id, size] = result.stdout.trim().split(' ');
  return { id: id!, size: Number(size) };
}

// ---------------------------------------------------------------- the copy of the repository

interface Copy {
  dir: string;
  /** apps/worker/package.json and pnpm-lock.yaml with ms@2.1.3 added, made once. */
  depAdded: { manifest: string; lockfile: string };
}

function git(dir: string, ...args: string[]) {
  return run('git', ['-c', 'user.email=bench@localhost', '-c', 'user.name=bench', ...args], dir);
}

function makeCopy(scratch: string): Copy {
  const dir = path.join(scratch, 'repo');
  mkdirSync(dir);
  // git archive HEAD: the committed tree; the checkout's uncommitted edits stay out of it.
  const archive = spawnSync('git', ['archive', '--format=tar', 'HEAD'], {
    cwd: repo,
    maxBuffer: 1024 ** 3,
  });
  if (archive.status !== 0) throw new Error(`git archive failed: ${archive.stderr}`);
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  // The Dockerfile the CLI generates now (the committed one may be older) belongs to the base
  // commit, so that `--changed=main` on the unchanged copy finds nothing changed.
  run(process.execPath, [cliBin, 'generate', '--cwd', dir, '--base-image', baseImage], dir);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'bench base');
  // Scenario (e)'s edit, made once: the dependency and the lockfile pnpm resolves for it.
  log('scenario (e): adding ms@2.1.3 to apps/worker with pnpm install --lockfile-only (registry)…');
  const manifestPath = path.join(dir, 'apps/worker/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    dependencies: Record<string, string>;
  };
  manifest.dependencies = Object.fromEntries(
    Object.entries({ ...manifest.dependencies, ms: '2.1.3' }).sort(([a], [b]) =>
      a.localeCompare(b),
    ),
  );
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  run('pnpm', ['install', '--lockfile-only', '--ignore-scripts'], dir);
  const depAdded = {
    manifest: readFileSync(manifestPath, 'utf8'),
    lockfile: readFileSync(path.join(dir, 'pnpm-lock.yaml'), 'utf8'),
  };
  resetCopy(dir);
  return { dir, depAdded };
}

function resetCopy(dir: string): void {
  git(dir, 'reset', '-q', '--hard');
  git(dir, 'clean', '-fdxq');
}

// ---------------------------------------------------------------- the three ways

interface BuildOutcome {
  seconds: number;
  /** Per app: the final image id and size after the build. */
  images: Record<App, { id: string; size: number } | undefined>;
  /** build-images only: per app status and steps run (not cached). */
  details?: Record<
    string,
    { status: string; stepsRun: number; steps: number; durationMs: number; slowest?: string[] }
  >;
  /** build-images only: the summed durations of the distinct steps BuildKit ran (not cached). */
  uniqueWorkSeconds?: number;
}

interface Way {
  id: 'bi' | 'bi-changed' | 'turbo' | 'bake';
  label: string;
  tag: (app: App) => string;
  /** scenario: the scenario being measured, or undefined for an untimed build of the base state. */
  build: (copy: Copy, scratch: string, scenario: Scenario['id'] | undefined) => BuildOutcome;
  /** Scenarios this way does not measure (its row cell says n/a). */
  skip?: readonly Scenario['id'][];
  /**
   * The fresh-CI-runner build: registry cache only (the engine was emptied), pushing what it
   * builds. base: the untimed build of the base commit that a previous CI run pushed (the
   * `main` tags the cache comes from, and for build-images its {digest} tags).
   */
  ci: (copy: Copy, scratch: string, registry: string, base: boolean) => BuildOutcome;
}

function imagesOf(tag: (app: App) => string): BuildOutcome['images'] {
  return Object.fromEntries(
    apps.map((app) => [app, inspectImage(tag(app))]),
  ) as BuildOutcome['images'];
}

/** Steps of the Dockerfile's stages ("[api-deps 3/8] COPY …"), not BuildKit's own context steps. */
const isStageStep = (name: string) => /^\[[\w.-]+ \d+\/\d+\]/.test(name) && !/\] FROM /.test(name);

function buildImagesBuild(this: Way, copy: Copy, flags: string[], tags?: string[]): BuildOutcome {
  const started = now();
  const result = run(
    process.execPath,
    [
      cliBin,
      '--cwd',
      copy.dir,
      '--base-image',
      baseImage,
      ...(tags ?? [this.tag('{app}' as App)]).flatMap((tag) => ['--tag', tag]),
      ...flags,
      '--json',
    ],
    copy.dir,
  );
  const seconds = now() - started;
  const output = JSON.parse(result.stdout) as {
    results: {
      app: string;
      status: string;
      durationMs: number;
      steps?: { name: string; cached: boolean; durationMs: number | null }[];
    }[];
  };
  // Each step BuildKit ran (shared stages appear in every app's stream: counted once).
  const uniqueSteps = new Map<string, number>();
  for (const entry of output.results)
    for (const step of entry.steps ?? [])
      if (isStageStep(step.name) && !step.cached)
        uniqueSteps.set(step.name, Math.max(uniqueSteps.get(step.name) ?? 0, step.durationMs ?? 0));
  const details = Object.fromEntries(
    output.results.map((entry) => [
      entry.app,
      {
        status: entry.status,
        stepsRun: (entry.steps ?? []).filter((step) => isStageStep(step.name) && !step.cached)
          .length,
        steps: (entry.steps ?? []).filter((step) => isStageStep(step.name)).length,
        durationMs: entry.durationMs,
        // Where the time went, in the result file: the longest steps and engine phases
        // (cache imports, exports, pushes included).
        slowest: (entry.steps ?? [])
          .filter((step) => (step.durationMs ?? 0) >= 100)
          .sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0))
          .slice(0, 10)
          .map(
            (step) =>
              `${((step.durationMs ?? 0) / 1000).toFixed(1)} s${step.cached ? ' (cached)' : ''} ${step.name.slice(0, 90)}`,
          ),
      },
    ]),
  );
  const uniqueWorkSeconds = [...uniqueSteps.values()].reduce((sum, ms) => sum + ms, 0) / 1000;
  return { seconds, images: imagesOf(this.tag), details, uniqueWorkSeconds };
}

/**
 * build-images as CI runs it on a fresh runner: {digest} tags asked of the registry first
 * (--skip-existing), the cache from the base branch's pushed images, every build pushed.
 */
function buildImagesCi(
  this: Way,
  copy: Copy,
  registry: string,
  base: boolean,
  changedFlag: string[],
): BuildOutcome {
  const repository = `${registry}/${this.id}`;
  return buildImagesBuild.call(
    this,
    copy,
    [
      '--registry',
      repository,
      '--push',
      '--cache-from',
      `${repository}/{app}:main`,
      // The main branch's run also pushes the stage caches a fresh runner's --cache-from pulls.
      ...(base ? ['--cache-to', `${repository}/{app}:main`] : ['--skip-existing', ...changedFlag]),
    ],
    base ? ['{app}:{digest}', '{app}:main'] : ['{app}:{digest}'],
  );
}

const buildImagesWay: Way = {
  id: 'bi',
  label: 'build-images',
  tag: (app) => `bench-bi/${app}:t`,
  build(copy) {
    return buildImagesBuild.call(this, copy, []);
  },
  ci(copy, _scratch, registry, base) {
    return buildImagesCi.call(this, copy, registry, base, []);
  },
};

/** The same CLI with --changed=main: only the apps the edit affects are sent to the engine. */
const buildImagesChangedWay: Way = {
  id: 'bi-changed',
  label: 'build-images --changed',
  tag: (app) => `bench-bic/${app}:t`,
  skip: ['cold'],
  build(copy, _scratch, scenario) {
    return buildImagesBuild.call(this, copy, scenario === undefined ? [] : ['--changed=main']);
  },
  ci(copy, _scratch, registry, base) {
    return buildImagesCi.call(this, copy, registry, base, ['--changed=main']);
  },
};

function turboDockerfile(app: App): string {
  const pkg = packageOf[app];
  return `# Turborepo's way: context = the output of \`turbo prune ${pkg} --docker\`.
FROM ${baseImage} AS deps
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
WORKDIR /repo
COPY json/ .
RUN --mount=type=cache,id=pnpm-store-turbo,target=/pnpm/store \\
    pnpm install --frozen-lockfile --store-dir /pnpm/store

FROM deps AS build
COPY full/ .
RUN pnpm --filter "${pkg}..." run build
RUN --mount=type=cache,id=pnpm-store-turbo,target=/pnpm/store \\
    pnpm --filter "${pkg}" deploy --prod --legacy --store-dir /pnpm/store /out

FROM ${baseImage} AS runner
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out/ ./
USER 1000:1000
ENTRYPOINT ["tini", "--"]
CMD ["node", "dist/main.js"]
`;
}

/**
 * A baseline on a fresh CI runner: the base commit's images pushed as <way>/<app>:main, the
 * others as :pr, all with inline cache from :main.
 */
function baselineCi(
  way: string,
  registry: string,
  base: boolean,
): [(app: App) => string, { from: (app: App) => string; push: boolean }] {
  const image = (app: App, tag: string) => `${registry}/${way}/${app}:${tag}`;
  return [
    (app) => image(app, base ? 'main' : 'pr'),
    { from: (app) => image(app, 'main'), push: true },
  ];
}

function turboBuild(
  copy: Copy,
  scratch: string,
  tag: (app: App) => string,
  cache?: { from: (app: App) => string; push: boolean },
): BuildOutcome {
  const started = now();
  for (const app of apps) {
    const out = path.join(scratch, `turbo-${app}`);
    rmSync(out, { recursive: true, force: true });
    run(turboBin, ['prune', packageOf[app], '--docker', '--out-dir', out], copy.dir);
    const dockerfile = path.join(scratch, `turbo-${app}.Dockerfile`);
    writeFileSync(dockerfile, turboDockerfile(app));
    run(
      'docker',
      [
        'buildx',
        'build',
        '--progress=plain',
        ...(cache
          ? ['--cache-from', cache.from(app), '--build-arg', 'BUILDKIT_INLINE_CACHE=1']
          : []),
        '-f',
        dockerfile,
        '-t',
        tag(app),
        out,
      ],
      copy.dir,
    );
    if (cache?.push) run('docker', ['push', '--quiet', tag(app)], copy.dir);
  }
  return { seconds: now() - started, images: imagesOf(tag) };
}

const turboWay: Way = {
  id: 'turbo',
  label: 'turbo prune',
  tag: (app) => `bench-turbo/${app}:t`,
  build(copy, scratch) {
    return turboBuild(copy, scratch, this.tag);
  },
  ci(copy, scratch, registry, base) {
    return turboBuild(copy, scratch, ...baselineCi(this.id, registry, base));
  },
};

function bakeDockerfile(): string {
  const perApp = apps
    .map(
      (app) => `FROM build AS ${app}-deploy
RUN --mount=type=cache,id=pnpm-store-bake,target=/pnpm/store \\
    pnpm --filter "${packageOf[app]}" deploy --prod --legacy --store-dir /pnpm/store /out

FROM ${baseImage} AS ${app}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=${app}-deploy /out/ ./
USER 1000:1000
ENTRYPOINT ["tini", "--"]
CMD ["node", "dist/main.js"]
`,
    )
    .join('\n');
  return `# pnpm's documented way (pnpm.io/docker, example 2): the whole repository in one context.
FROM ${baseImage} AS base
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
COPY . /repo
WORKDIR /repo

FROM base AS build
# One install and one build for every app (filtered to the sample apps' closure).
RUN --mount=type=cache,id=pnpm-store-bake,target=/pnpm/store \\
    pnpm install --frozen-lockfile --store-dir /pnpm/store --filter "{./apps/**}..."
RUN pnpm --filter "{./apps/**}..." run build

${perApp}`;
}

function bakeBuild(
  copy: Copy,
  scratch: string,
  tag: (app: App) => string,
  cache?: { from: (app: App) => string; push: boolean },
): BuildOutcome {
  const dockerfile = path.join(scratch, 'bake.Dockerfile');
  writeFileSync(dockerfile, bakeDockerfile());
  const bakeFile = path.join(scratch, 'docker-bake.json');
  const target = Object.fromEntries(
    apps.map((app) => [
      app,
      {
        context: copy.dir,
        dockerfile,
        target: app,
        tags: [tag(app)],
        ...(cache ? { 'cache-from': [cache.from(app)], args: { BUILDKIT_INLINE_CACHE: '1' } } : {}),
      },
    ]),
  );
  writeFileSync(
    bakeFile,
    JSON.stringify({ group: { default: { targets: [...apps] } }, target }, null, 2),
  );
  const started = now();
  run('docker', ['buildx', 'bake', '--progress=plain', '-f', bakeFile], scratch);
  if (cache?.push) for (const app of apps) run('docker', ['push', '--quiet', tag(app)], scratch);
  return { seconds: now() - started, images: imagesOf(tag) };
}

const bakeWay: Way = {
  id: 'bake',
  label: 'buildx bake',
  tag: (app) => `bench-bake/${app}:t`,
  build(copy, scratch) {
    return bakeBuild(copy, scratch, this.tag);
  },
  ci(copy, scratch, registry, base) {
    return bakeBuild(copy, scratch, ...baselineCi(this.id, registry, base));
  },
};

// The baselines first: a failure of theirs shows early.
/** PRODUCT.md's speed targets, against the better of the two baselines (shown, never asserted). */
const targets: Record<
  Scenario['id'],
  { text: string; met: (seconds: number, best: number) => boolean }
> = {
  cold: { text: '<= 0.8x', met: (seconds, best) => seconds <= 0.8 * best },
  unchanged: { text: '< 0.3 s (--changed)', met: (seconds) => seconds < 0.3 },
  'app-source': { text: '<= 0.35x, only api', met: (seconds, best) => seconds <= 0.35 * best },
  'shared-package': { text: '<= 0.6x', met: (seconds, best) => seconds <= 0.6 * best },
  'dependency-added': { text: '<= 0.5x', met: (seconds, best) => seconds <= 0.5 * best },
  'ci-unchanged': { text: '<= 0.5x, no build', met: (seconds, best) => seconds <= 0.5 * best },
  'ci-app-source': { text: '<= 0.5x, only api', met: (seconds, best) => seconds <= 0.5 * best },
  'ci-shared-package': { text: '<= 0.5x', met: (seconds, best) => seconds <= 0.5 * best },
  'ci-dependency-added': {
    text: '<= 0.5x, only worker',
    met: (seconds, best) => seconds <= 0.5 * best,
  },
};

const ways: readonly Way[] = [bakeWay, turboWay, buildImagesWay, buildImagesChangedWay];

// ---------------------------------------------------------------- scenarios

type WarmScenario = 'unchanged' | 'app-source' | 'shared-package' | 'dependency-added';

interface Scenario {
  id: 'cold' | WarmScenario | `ci-${WarmScenario}`;
  label: string;
  /** Whether the scenario starts from the unchanged state, built (warm caches). */
  warm: boolean;
  /**
   * A fresh CI runner: the engine's images and build cache (cache mounts included) are emptied
   * before the timed build, and a local registry holds what the base commit's CI run pushed.
   */
  fresh?: boolean;
  change: (copy: Copy, way: Way) => void;
}

let scenarios: readonly Scenario[] = [
  {
    id: 'cold',
    label: '(a) cold',
    warm: false,
    change(_copy, way) {
      const images = apps.map((app) => way.tag(app)).filter((tag) => inspectImage(tag));
      if (images.length > 0) run('docker', ['image', 'rm', '-f', ...images], repo);
      // Every build cache record of the engine, cache mounts included; images stay.
      run('docker', ['builder', 'prune', '-af'], repo);
    },
  },
  { id: 'unchanged', label: '(b) nothing changed', warm: true, change() {} },
  {
    id: 'app-source',
    label: '(c) api source changed',
    warm: true,
    change(copy) {
      appendFileSync(path.join(copy.dir, 'apps/api/src/app.ts'), `// bench edit ${Date.now()}\n`);
    },
  },
  {
    id: 'shared-package',
    label: '(d) shared logger changed',
    warm: true,
    change(copy) {
      appendFileSync(
        path.join(copy.dir, 'packages/sample/logger/src/create-logger.ts'),
        `// bench edit ${Date.now()}\n`,
      );
    },
  },
  {
    id: 'dependency-added',
    label: '(e) worker dep added',
    warm: true,
    change(copy) {
      // A description of its own per measurement: the same added dependency every run would
      // otherwise find the previous run's layers in the cache (pnpm's store stays warm, as in CI).
      const manifest = JSON.parse(copy.depAdded.manifest) as Record<string, unknown>;
      manifest['description'] = `bench edit ${Date.now()}`;
      writeFileSync(
        path.join(copy.dir, 'apps/worker/package.json'),
        `${JSON.stringify(manifest, null, 2)}\n`,
      );
      writeFileSync(path.join(copy.dir, 'pnpm-lock.yaml'), copy.depAdded.lockfile);
    },
  },
];
// The same edits on a fresh CI runner (each edit is unique per run, so no run finds the previous
// run's {digest} tag in the registry).
scenarios = [
  ...scenarios,
  ...scenarios
    .filter((scenario) => scenario.warm)
    .map((scenario): Scenario => ({
      ...scenario,
      id: `ci-${scenario.id as WarmScenario}`,
      label: `(ci) ${scenario.label.replace(/^\([a-e]\) /, '')}`,
      warm: false,
      fresh: true,
    })),
];

interface Measurement {
  seconds: number;
  /** Apps whose image changed; on a fresh runner, the apps that were built (not skipped). */
  rebuilt: App[];
  sizes: Record<App, number | null>;
  details?: BuildOutcome['details'];
  uniqueWorkSeconds?: number;
}

function rebuiltApps(
  before: BuildOutcome['images'] | undefined,
  after: BuildOutcome['images'],
): App[] {
  return apps.filter((app) => !before?.[app] || before[app]!.id !== after[app]?.id);
}

/**
 * Every scenario, `runs` times, the ways alternating within each run (so a slow minute of the
 * shared machine falls on every way alike). Each way keeps the images of its last build of the
 * unchanged state; a cold run prunes the whole builder cache, so after one every way rebuilds
 * its unchanged state (untimed) before its next warm scenario.
 */
function measureWays(
  copy: Copy,
  scratch: string,
  runs: number,
  registry: string | undefined,
): Record<string, Record<string, Measurement[]>> {
  const results: Record<string, Record<string, Measurement[]>> = Object.fromEntries(
    ways.map((way) => [way.id, Object.fromEntries(scenarios.map((scenario) => [scenario.id, []]))]),
  );
  /** Per way: the images of its last build, when it was of the unchanged state and still cached. */
  const warmImages = new Map<string, BuildOutcome['images']>();
  for (const scenario of scenarios) {
    for (let index = 1; index <= runs; index++) {
      for (const way of ways) {
        if (way.skip?.includes(scenario.id)) continue;
        log(`${way.label}: ${scenario.label}, run ${index} of ${runs}`);
        if (scenario.fresh) {
          results[way.id]![scenario.id]!.push(
            measureFresh(copy, scratch, registry!, way, scenario),
          );
          // The engine was emptied: every way rebuilds its unchanged state before a warm scenario.
          warmImages.clear();
          continue;
        }
        let before: BuildOutcome['images'] | undefined;
        if (scenario.warm) {
          if (!warmImages.has(way.id)) {
            resetCopy(copy.dir);
            log(`${way.label}:   building the unchanged state first (untimed)`);
            warmImages.set(way.id, way.build(copy, scratch, undefined).images);
          }
          before = warmImages.get(way.id);
        } else {
          resetCopy(copy.dir);
          // The prune in the change takes every way's cache with it.
          warmImages.clear();
        }
        scenario.change(copy, way);
        const outcome = way.build(copy, scratch, scenario.id);
        const atBase = scenario.id === 'cold' || scenario.id === 'unchanged';
        if (atBase) warmImages.set(way.id, outcome.images);
        else warmImages.delete(way.id);
        resetCopy(copy.dir);
        const measurement: Measurement = {
          seconds: round(outcome.seconds),
          rebuilt: rebuiltApps(before, outcome.images),
          sizes: Object.fromEntries(
            apps.map((app) => [app, outcome.images[app]?.size ?? null]),
          ) as Record<App, number | null>,
          ...(outcome.details ? { details: outcome.details } : {}),
        };
        log(
          `${way.label}:   ${measurement.seconds} s, rebuilt: ${measurement.rebuilt.join(',') || 'none'}`,
        );
        results[way.id]![scenario.id]!.push(measurement);
      }
    }
  }
  return results;
}

/** The ways whose base commit's images the registry holds (pushed once, untimed). */
const publishedBase = new Set<string>();

/**
 * One fresh-CI-runner measurement: the base commit's images in the registry (pushed by an
 * earlier, untimed build), the engine emptied of the bench's images and of all build cache,
 * then the edit and the timed build with registry cache and push.
 */
function measureFresh(
  copy: Copy,
  scratch: string,
  registry: string,
  way: Way,
  scenario: Scenario,
): Measurement {
  resetCopy(copy.dir);
  if (!publishedBase.has(way.id)) {
    log(`${way.label}:   building and pushing the base commit first (untimed)`);
    way.ci(copy, scratch, registry, true);
    publishedBase.add(way.id);
  }
  emptyEngine(registry);
  scenario.change(copy, way);
  const outcome = way.ci(copy, scratch, registry, false);
  resetCopy(copy.dir);
  // Built: the apps that reached the engine (those build-images found up to date did not).
  const built = outcome.details
    ? apps.filter((app) => outcome.details![app] && outcome.details![app]!.status !== 'up-to-date')
    : [...apps];
  log(`${way.label}:   ${round(outcome.seconds)} s, built: ${built.join(',') || 'none'}`);
  return {
    seconds: round(outcome.seconds),
    rebuilt: built,
    sizes: Object.fromEntries(apps.map((app) => [app, null])) as Record<App, null>,
    ...(outcome.details ? { details: outcome.details } : {}),
    ...(outcome.uniqueWorkSeconds === undefined
      ? {}
      : { uniqueWorkSeconds: round(outcome.uniqueWorkSeconds) }),
  };
}

/** A fresh runner's engine: no image of the bench, no build cache (cache mounts included). */
function emptyEngine(registry: string): void {
  const listed = run('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], repo);
  const images = listed.stdout
    .split('\n')
    .filter((ref) => ref.startsWith(`${registry}/`) || /^bench-[a-z]+\//.test(ref));
  if (images.length > 0) run('docker', ['image', 'rm', '-f', ...images], repo);
  run('docker', ['image', 'prune', '-f'], repo);
  run('docker', ['builder', 'prune', '-af'], repo);
}

/** Debian's docker-registry on a loopback port (the engine pushes to 127.0.0.1 over HTTP). */
function startRegistry(scratch: string): { host: string; stop: () => void } {
  const dir = path.join(scratch, 'registry');
  mkdirSync(dir);
  const port = 5000 + Math.floor(Math.random() * 1000);
  const host = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  );
  const child = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: 'ignore' });
  const deadline = Date.now() + 15_000;
  while (run('curl', ['-sf', `http://${host}/v2/`], repo, true).status !== 0) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(
        `docker-registry did not answer on ${host} (apt-get install docker-registry)`,
      );
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  return { host, stop: () => child.kill('SIGTERM') };
}

// ---------------------------------------------------------------- reporting

function machineFacts() {
  const version = (command: string, args: string[]) =>
    spawnSync(command, args, { encoding: 'utf8', env }).stdout?.trim() ?? 'unknown';
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    dockerEngine: version('docker', ['version', '--format', '{{.Server.Version}}']),
    buildx: version('docker', ['buildx', 'version']),
    turbo: version(turboBin, ['--version']),
    pnpm: version('pnpm', ['--version']),
    buildImages: version(process.execPath, [cliBin, '--version']),
    baseImage,
  };
}

const differences = [
  "build-images: one generated Dockerfile; per compiled shared package an install stage from its own lockfile slice and a compile stage (BuildKit runs it once for all apps); per app an install stage from its own lockfile slice and its workspace packages' manifests, a build stage that copies the compiled packages and compiles the app, pnpm deploy --prod from the manifests (a compiled package is packed once in its stage and laid over the deployed tree, so its change deploys nothing); the apps built in parallel (--concurrency = cores) through the Engine API with a tar context per app.",
  "turbo way: turbo prune --docker per app (a pruned lockfile that still holds the root devDependencies: turbo, vitest, prettier, typescript), one Dockerfile per app, built one after another with `docker buildx build` (docker driver: the engine's BuildKit, context by filesync); prune time is included.",
  "bake way: one hand-written Dockerfile, COPY . /repo of the whole repository (any edit anywhere busts every app's install and build), ONE install (filtered to the apps' closure, making this baseline stronger than the doc's unfiltered install) and ONE build shared by the three targets, then pnpm deploy per target; `docker buildx bake` builds the three targets in parallel in one BuildKit session.",
  'Each way has its own pnpm store cache mount id; "cold" prunes all build cache (cache mounts included), so every cold build fetches packages from the registry.',
  "build-images --changed=main: the same CLI, selecting the apps the working tree's edits affect (the copy is a git repository whose base commit holds the generated Dockerfile); unaffected apps are not sent to the engine at all. Its cold row is not measured (nothing is changed there).",
  "(ci) rows, a fresh CI runner: before each timed build the engine loses the bench's images and all its build cache (cache mounts included: the pnpm store starts empty), and a local registry (Debian's docker-registry on loopback) holds what the base commit's build pushed (untimed, once per way). Every way builds with the engine's best registry cache, inline cache (--cache-from <app>:main, BUILDKIT_INLINE_CACHE=1; the engine's docker driver cannot export a registry cache of intermediate stages), and pushes what it built. build-images: the base commit pushed with --cache-to <app>:main (the stage caches beside the image), then --push --skip-existing with {digest} tags (an app whose digest tag is in the registry is neither built nor pushed) and --cache-from <app>:main, plain and with --changed=main; turbo: every app pruned, built and pushed; bake: the three targets built and pushed. For (ci) rows \"rebuilt\" lists the apps that were built (not found up to date).",
  '"rebuilt" = the final image id changed; the bake way may keep an app\'s image id although its install and build re-ran (BuildKit reuses the runner layer when the deployed files are identical).',
];

function main(): void {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true },
    },
  });
  // --scenario <id> (repeatable): measure only those, e.g. dependency-added.
  const only = values.scenario ?? [];
  const unknown = only.filter((id) => !scenarios.some((scenario) => scenario.id === id));
  if (unknown.length > 0)
    throw new Error(
      `unknown --scenario ${unknown.join(', ')}; known: ${scenarios.map((scenario) => scenario.id).join(', ')}`,
    );
  if (only.length > 0) scenarios = scenarios.filter((scenario) => only.includes(scenario.id));
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a whole number ≥ 1, got "${values.runs}"`);
  for (const [file, hint] of [
    [cliBin, 'run pnpm build first'],
    [turboBin, 'run pnpm install at the repository root'],
  ] as const) {
    if (!existsSync(file)) throw new Error(`missing ${file}: ${hint}`);
  }
  if (run('docker', ['buildx', 'version'], repo, true).status !== 0)
    throw new Error('docker buildx is missing: run bash scripts/bench/setup-buildx.sh');
  if (!inspectImage(baseImage))
    throw new Error(`no local image ${baseImage}: run bash scripts/setup.sh`);

  const startedAt = now();
  const loadBefore = round(os.loadavg()[0]!);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'build-bench-'));
  let registry: ReturnType<typeof startRegistry> | undefined;
  try {
    const copy = makeCopy(scratch);
    registry = scenarios.some((scenario) => scenario.fresh) ? startRegistry(scratch) : undefined;
    const byWay = measureWays(copy, scratch, runs, registry?.host);

    const rows = scenarios.map((scenario) => {
      const cell = (way: Way) => {
        const list = byWay[way.id]![scenario.id]!;
        const last = list.at(-1);
        if (!last) return undefined;
        return {
          medianSeconds: round(median(list.map((entry) => entry.seconds))),
          runsSeconds: list.map((entry) => entry.seconds),
          rebuilt: last.rebuilt,
          sizesMB: Object.fromEntries(
            apps.map((app) => [
              app,
              last.sizes[app] === null ? null : round(last.sizes[app]! / 1e6, 1),
            ]),
          ),
          ...(last.details ? { details: last.details } : {}),
          ...(last.uniqueWorkSeconds === undefined
            ? {}
            : {
                uniqueWorkSeconds: round(median(list.map((entry) => entry.uniqueWorkSeconds ?? 0))),
              }),
        };
      };
      const bi = cell(buildImagesWay)!;
      const biChanged = cell(buildImagesChangedWay);
      const turbo = cell(turboWay)!;
      const bake = cell(bakeWay)!;
      const best = Math.min(turbo.medianSeconds, bake.medianSeconds);
      const target = targets[scenario.id];
      return {
        id: scenario.id,
        scenario: scenario.label,
        buildImages: bi,
        buildImagesChanged: biChanged ?? null,
        turbo,
        bake,
        ratioVsTurbo: round(bi.medianSeconds / turbo.medianSeconds),
        ratioVsBake: round(bi.medianSeconds / bake.medianSeconds),
        ratioVsBest: round(bi.medianSeconds / best),
        changedRatioVsBest: biChanged ? round(biChanged.medianSeconds / best) : null,
        target: target.text,
        targetMet: {
          plain: target.met(bi.medianSeconds, best),
          changed: biChanged ? target.met(biChanged.medianSeconds, best) : null,
        },
      };
    });

    const machine = {
      ...machineFacts(),
      loadAverage: { before: loadBefore, after: round(os.loadavg()[0]!) },
    };
    const totalSeconds = round(now() - startedAt, 1);
    const list = (names: readonly string[]) => (names.length === 0 ? '-' : names.join(','));
    const verdict = (met: boolean | null) => (met === null ? 'n/a' : met ? 'met' : 'missed');
    const table = (header: string[], cells: string[][], leftFrom: number) => {
      const widths = header.map((title, column) =>
        Math.max(title.length, ...cells.map((cell) => cell[column]!.length)),
      );
      const line = (cell: readonly string[]) =>
        cell
          .map((text, column) =>
            column === 0 || column >= leftFrom
              ? text.padEnd(widths[column]!)
              : text.padStart(widths[column]!),
          )
          .join('  ')
          .trimEnd();
      return [
        line(header),
        widths.map((width) => '-'.repeat(width)).join('  '),
        ...cells.map(line),
      ].join('\n');
    };

    console.log(
      `machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGB} GB, ${machine.platform}, node ${machine.node}, pnpm ${machine.pnpm}, Docker Engine ${machine.dockerEngine}, ${machine.buildx}, turbo ${machine.turbo}, build-images ${machine.buildImages}, base ${baseImage}`,
    );
    console.log(
      `load average (1 min): ${machine.loadAverage.before} before, ${machine.loadAverage.after} after`,
    );
    console.log(
      `${runs} run(s) per scenario and way (median); wall seconds around the whole build of the three apps; "rebuilt" = final image id changed\n`,
    );
    console.log(
      table(
        [
          'scenario',
          'b-i s',
          'turbo s',
          'bake s',
          'bi/turbo',
          'bi/bake',
          'rebuilt: b-i',
          'turbo',
          'bake',
        ],
        rows.map((row) => [
          row.scenario,
          row.buildImages.medianSeconds.toFixed(1),
          row.turbo.medianSeconds.toFixed(1),
          row.bake.medianSeconds.toFixed(1),
          `${row.ratioVsTurbo.toFixed(2)}x`,
          `${row.ratioVsBake.toFixed(2)}x`,
          list(row.buildImages.rebuilt),
          list(row.turbo.rebuilt),
          list(row.bake.rebuilt),
        ]),
        6,
      ),
    );
    console.log(
      '\nagainst the better baseline, and build-images --changed=main (only the affected apps are sent to the engine):\n',
    );
    console.log(
      table(
        [
          'scenario',
          'best s',
          'b-i/best',
          '--changed s',
          '--changed/best',
          '--changed built',
          'target (PRODUCT.md)',
          'plain',
          '--changed',
        ],
        rows.map((row) => {
          const best = Math.min(row.turbo.medianSeconds, row.bake.medianSeconds);
          const changed = row.buildImagesChanged;
          return [
            row.scenario,
            best.toFixed(1),
            `${row.ratioVsBest.toFixed(2)}x`,
            changed ? changed.medianSeconds.toFixed(2) : 'n/a',
            row.changedRatioVsBest === null ? 'n/a' : `${row.changedRatioVsBest.toFixed(2)}x`,
            changed ? list(Object.keys(changed.details ?? {})) : 'n/a',
            row.target,
            verdict(row.targetMet.plain),
            verdict(row.targetMet.changed),
          ];
        }),
        5,
      ),
    );
    console.log(
      '\nbuild-images per app (last run): status, Dockerfile steps run (not cached) / steps',
    );
    for (const row of rows) {
      const details = row.buildImages.details ?? {};
      console.log(
        `  ${row.scenario.padEnd(26)}  ${apps.map((app) => `${app} ${details[app]?.status ?? '?'} ${details[app]?.stepsRun ?? '?'}/${details[app]?.steps ?? '?'}`).join(', ')}`,
      );
    }
    const cold = rows.find((row) => row.id === 'cold');
    if (cold)
      console.log(
        `\nimage sizes (MB, ${cold.scenario}): build-images ${JSON.stringify(cold.buildImages.sizesMB)}, turbo ${JSON.stringify(cold.turbo.sizesMB)}, bake ${JSON.stringify(cold.bake.sizesMB)}`,
      );
    const fresh = rows.filter((row) => row.id.startsWith('ci-'));
    if (fresh.length > 0) {
      console.log(
        '\nfresh CI runner: the unique work build-images ran (the summed durations of the distinct Dockerfile steps BuildKit ran, serially; pushes and registry checks excluded), beside its wall time:',
      );
      for (const row of fresh)
        console.log(
          `  ${row.scenario.padEnd(30)}  unique work ${row.buildImages.uniqueWorkSeconds?.toFixed(1) ?? '?'} s, wall ${row.buildImages.medianSeconds.toFixed(1)} s; --changed: unique work ${row.buildImagesChanged?.uniqueWorkSeconds?.toFixed(1) ?? '?'} s, wall ${row.buildImagesChanged?.medianSeconds.toFixed(1) ?? '?'} s`,
        );
    }
    console.log('\nwhat differs:');
    for (const text of differences) console.log(`- ${text}`);
    console.log(`\ntotal: ${totalSeconds} s`);

    const resultsFile = path.join(
      import.meta.dirname,
      `results/build-bench${only.length > 0 ? `-${only.join('-')}` : ''}.json`,
    );
    mkdirSync(path.dirname(resultsFile), { recursive: true });
    writeFileSync(
      resultsFile,
      `${JSON.stringify({ date: new Date().toISOString(), machine, runs, totalSeconds, differences, targets: Object.fromEntries(Object.entries(targets).map(([id, target]) => [id, target.text])), dockerfiles: { turbo: turboDockerfile('api'), bake: bakeDockerfile() }, scenarios: rows }, null, 2)}\n`,
    );
    console.log(`written: ${path.relative(process.cwd(), resultsFile)}`);
  } finally {
    registry?.stop();
    if (values.keep) console.log(`scratch kept at ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  console.error(`build-bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
