import { createRequire } from 'node:module';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import {
  BuildImagesError,
  ExitCode,
  createBuildRequest,
  exitCodeForError,
  imageMembers,
  isBuildImagesError,
  lockfileSlicePath,
  renderCacheFrom,
  sliceRootManifestPath,
  supervisorPath,
  supervisorSource,
  type BuildPlan,
} from '@build-images/core';
import {
  createLockfileSlicer,
  findWorkspaceRoot,
  git,
  readToolConfig,
} from '@build-images/workspace';
import {
  successfulStatuses,
  summarizeResults,
  type AppResult,
  type Publisher,
} from '@build-images/runner';
import { parseCliOptions, renderHelp, type CliOptions } from './cli-options.js';
import {
  diffLines,
  readIfExists,
  writeGeneratedDockerfile,
  writeGeneratedFile,
} from './dockerfile-file.js';
import { preparePlan, type PreparedPlan } from './prepare-plan.js';
import { formatDuration } from './format-duration.js';
import { readSecrets, unmountedSecretIds } from './read-secrets.js';
import { renderReport, reportMarker } from './render-report.js';

export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: Writable;
  stderr: Writable;
  /** Whether stdout is an interactive terminal (the listr2 view is used only then). */
  isTTY: boolean;
  /** Aborted on SIGINT/SIGTERM: running builds are cancelled. */
  signal?: AbortSignal;
  /** Where --password-stdin reads from (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

function version(): string {
  const manifest = createRequire(import.meta.url)('../package.json') as { version: string };
  return manifest.version;
}

/** Runs the CLI and returns its exit code; the only place errors become exit codes. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (isBuildImagesError(error)) {
      io.stderr.write(formatError(error));
      return exitCodeForError(error);
    }
    io.stderr.write(
      `build-images: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return ExitCode.buildFailed;
  }
}

export function formatError(error: BuildImagesError): string {
  const lines = [`error: ${error.message}`, ...error.details.map((detail) => `  - ${detail}`)];
  if (error.hint) lines.push(`hint: ${error.hint}`);
  return `${lines.join('\n')}\n`;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const early = parseCliOptions(argv, io.env);
  if (early.help) {
    io.stdout.write(renderHelp(version()));
    return ExitCode.ok;
  }
  if (early.version) {
    io.stdout.write(`${version()}\n`);
    return ExitCode.ok;
  }
  const workspaceRoot = await findWorkspaceRoot(path.resolve(io.cwd, early.cwd ?? '.'));
  const config = await readToolConfig(workspaceRoot);
  const options = parseCliOptions(argv, io.env, config.config);

  const wantDigests = options.command === 'plan' || options.json;
  const prepared = await preparePlan(options, workspaceRoot, config, io.env, wantDigests);
  const { root, plan, dockerfile } = prepared;
  if (options.explain) io.stderr.write(formatExplain(prepared));

  switch (options.command) {
    case 'plan':
      io.stdout.write(
        options.json ? `${JSON.stringify(planJson(prepared), null, 2)}\n` : formatPlan(prepared),
      );
      return ExitCode.ok;
    case 'generate':
      return generate(root, plan, dockerfile, options, io);
    case 'build':
      break;
  }

  if (options.dryRun) {
    if (options.json) {
      io.stdout.write(
        `${JSON.stringify({ ...planJson(prepared), dockerfileText: dockerfile }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(
        `${formatPlan(prepared)}\n# ${plan.dockerfilePath} (not written: --dry-run)\n${dockerfile}`,
      );
    }
    return ExitCode.ok;
  }
  // Checked before anything is built, so a report path that would be refused costs no build.
  if (options.report !== undefined) await reportFile(io, options.report);
  if (prepared.selected.length === 0) {
    // Nothing changed: nothing is sent to the engine, which need not even be running.
    if (options.json)
      io.stdout.write(`${JSON.stringify({ results: [], summary: 'nothing to build' }, null, 2)}\n`);
    else io.stdout.write(`nothing to build: ${describeChange(prepared)}\n`);
    if (options.report !== undefined)
      await writeReport(
        io,
        options.report,
        renderReport([], {
          startedAt: Date.now(),
          finishedAt: Date.now(),
          title: reportTitle(root),
        }),
      );
    return ExitCode.ok;
  }

  // Loaded here, not at start-up: planning needs none of dockerode, listr2 or the runner.
  const secrets = await readSecrets(options.secrets, io.env, io.cwd);
  for (const id of unmountedSecretIds(secrets)) {
    io.stderr.write(
      `warning: --secret ${id}: the generated Dockerfile mounts only the secrets npmrc and npm_token\n`,
    );
  }
  const [
    { connectDocker, DockerImageBuilder, openBuildkitSession },
    { runBuilds },
    { createListrReporter, createPlainReporter },
    { createRegistryPublisher },
  ] = await Promise.all([
    import('@build-images/docker'),
    import('@build-images/runner'),
    import('./reporters.js'),
    import('./registry-publisher.js'),
  ]);
  const docker = await connectDocker(io.env);
  const slicer = await createLockfileSlicer(root);
  if (await writeGeneratedDockerfile(root, plan.dockerfilePath, dockerfile)) {
    io.stderr.write(`wrote ${plan.dockerfilePath}\n`);
  }
  const labels = await sourceLabels(root);
  const requests = await Promise.all(
    prepared.selected.map(async (name) => {
      const slices = new Map<string, { lockfile: string; rootManifest: string }>();
      for (const app of imageMembers(plan, name))
        slices.set(app.name, await slicer.slice(app.packages.map((pkg) => pkg.dir)));
      const request = createBuildRequest(plan, name, {
        root,
        nodeImage: options.baseImage,
        buildArgs: options.bundleImage ? { BUNDLE_IMAGE: options.bundleImage } : {},
        packageFiles: await prepared.packageFiles(name),
        lockfileSlices: slices,
        labels,
        cacheFrom: renderCacheFrom(options.cacheFrom, options.dev ? `${name}-dev` : name),
        inlineCache: options.inlineCache,
      });
      return options.dev ? { ...request, target: `${name}-dev` } : request;
    }),
  );
  let publisher: Publisher | undefined;
  if (options.push || options.skipExisting) {
    const digestTags = new Set(
      requests.flatMap((request) =>
        request.tags.filter((_, index) => options.tagTemplates[index]?.includes('{digest}')),
      ),
    );
    publisher = await createRegistryPublisher(docker, {
      tags: requests.flatMap((request) => request.tags),
      override:
        options.registryUser !== undefined
          ? { username: options.registryUser, password: await readPassword(io) }
          : undefined,
      env: io.env,
      push: options.push,
      skipExisting: options.skipExisting,
      isDigestTag: (tag) => digestTags.has(tag),
      onRetry: (message) => io.stderr.write(`push retry: ${message}\n`),
    });
  }
  const interactive = io.isTTY && !options.json && !io.env['CI'];
  const reporter = interactive ? createListrReporter() : createPlainReporter(io.stderr);
  reporter.start(prepared.selected);
  const startedAt = Date.now();
  // Always a session of our own: the Dockerfile's install steps mount optional secrets, and
  // dockerode's own session, which the engine drops after a second, would fail them.
  const session = await openBuildkitSession(docker, { secrets });
  const results = await runBuilds(
    requests,
    new DockerImageBuilder(docker, { sessionId: session.id }),
    {
      concurrency: options.concurrency,
      bail: options.bail,
      events: reporter.events,
      ...(io.signal ? { signal: io.signal } : {}),
      ...(publisher ? { publisher } : {}),
    },
  ).finally(() => session.close());
  await reporter.finish();
  const finishedAt = Date.now();

  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ results: results.map((result) => resultJson(result, prepared)), summary: summarizeResults(results) }, null, 2)}\n`,
    );
  } else {
    io.stdout.write(formatSummary(results));
  }
  if (options.report !== undefined)
    await writeReport(
      io,
      options.report,
      renderReport(results, { startedAt, finishedAt, title: reportTitle(root) }),
    );
  if (io.signal?.aborted) return ExitCode.interrupted;
  const succeeded = new Set<string>(successfulStatuses);
  return results.some((result) => !succeeded.has(result.status))
    ? ExitCode.buildFailed
    : ExitCode.ok;
}

async function generate(
  root: string,
  plan: BuildPlan,
  dockerfile: string,
  options: CliOptions,
  io: CliIo,
): Promise<number> {
  if (options.check) {
    const expected = [
      [plan.dockerfilePath, dockerfile],
      ...(plan.combined.length > 0 ? [[supervisorPath, supervisorSource]] : []),
    ] as const;
    let stale = 0;
    for (const [file, content] of expected) {
      const existing = await readIfExists(path.join(root, file));
      if (existing === content) {
        io.stderr.write(`${file} is up to date\n`);
        continue;
      }
      stale++;
      io.stderr.write(
        existing === undefined
          ? `${file} does not exist; run build-images generate\n`
          : `${file} is stale; run build-images generate\n${diffLines(existing, content, [`${file} (on disk)`, `${file} (generated)`])}`,
      );
    }
    return stale === 0 ? ExitCode.ok : ExitCode.buildFailed;
  }
  const changed = await writeGeneratedDockerfile(root, plan.dockerfilePath, dockerfile);
  io.stderr.write(`${plan.dockerfilePath} ${changed ? 'written' : 'already up to date'}\n`);
  // The lockfile slices the Dockerfile copies, for plain `docker build` (build-images itself
  // sends fresh ones with each build). They are derived files: keep them out of git.
  if (plan.combined.length > 0) {
    const changedSupervisor = await writeGeneratedFile(
      root,
      supervisorPath,
      supervisorSource,
      '// Generated by build-images',
    );
    io.stderr.write(`${supervisorPath} ${changedSupervisor ? 'written' : 'already up to date'}\n`);
  }
  if (plan.rootFiles.includes('pnpm-lock.yaml')) {
    const slicer = await createLockfileSlicer(root);
    for (const app of plan.apps) {
      const slice = await slicer.slice(app.packages.map((pkg) => pkg.dir));
      const file = path.join(root, lockfileSlicePath(plan, app));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, slice.lockfile);
      await writeFile(path.join(root, sliceRootManifestPath(plan, app)), slice.rootManifest);
    }
    io.stderr.write(
      `lockfile slices written to ${path.dirname(path.dirname(lockfileSlicePath(plan, plan.apps[0]!)))}/\n`,
    );
  }
  return ExitCode.ok;
}

function describeChange(prepared: PreparedPlan): string {
  const change = prepared.change;
  if (change === undefined) return 'no --changed';
  if ('fallback' in change) return `base unavailable, every app selected (${change.fallback})`;
  return `${change.files} changed file${change.files === 1 ? '' : 's'} since ${change.baseRef} (merge base ${change.mergeBase.slice(0, 12)}) affect no app`;
}

function planJson(prepared: PreparedPlan) {
  const { plan } = prepared;
  const selectedImages = prepared.selected.map((name) => {
    const app = plan.apps.find((candidate) => candidate.name === name);
    const image = plan.combined.find((candidate) => candidate.name === name);
    return { name, dir: app?.dir ?? null, tags: app?.tags ?? image?.tags ?? [] };
  });
  return {
    dockerfile: plan.dockerfilePath,
    baseImage: prepared.baseImage,
    change: prepared.change ?? null,
    combined: plan.combined.map((image) => ({
      name: image.name,
      apps: image.apps,
      target: image.name,
      selected: prepared.selected.includes(image.name),
      reasons: prepared.selections.find((entry) => entry.app === image.name)?.reasons ?? [],
      digest: prepared.digests?.get(image.name) ?? null,
      tags: image.tags,
    })),
    apps: plan.apps.map((app) => {
      const selection = prepared.selections.find((entry) => entry.app === app.name);
      return {
        name: app.name,
        package: app.packageName,
        dir: app.dir,
        kind: app.kind,
        target: app.name,
        devTarget: `${app.name}-dev`,
        selected: prepared.selected.includes(app.name),
        reasons: selection?.reasons ?? [],
        digest: prepared.digests?.get(app.name) ?? null,
        tags: app.tags,
        packages: app.packages
          .filter((pkg) => pkg.name !== app.packageName)
          .map((pkg) => ({ name: pkg.name, dir: pkg.dir })),
        port: app.port ?? null,
        healthPath: app.healthPath ?? null,
        command: app.command,
      };
    }),
    // Ready for a GitHub Actions matrix: strategy.matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}
    matrix: {
      include: selectedImages.map((image) => ({
        app: image.name,
        target: image.name,
        dir: image.dir,
        tags: image.tags.join(','),
      })),
    },
  };
}

function formatPlan(prepared: PreparedPlan): string {
  const { plan } = prepared;
  const lines = [`base image: ${prepared.baseImage}`];
  if (prepared.change)
    lines.push(
      `change: ${'fallback' in prepared.change ? prepared.change.fallback : `${prepared.change.files} files since ${prepared.change.baseRef} (${prepared.change.mergeBase.slice(0, 12)})`}`,
    );
  for (const app of plan.apps) {
    const mark = prepared.selected.includes(app.name) ? '*' : ' ';
    const deps = app.packages.filter((pkg) => pkg.name !== app.packageName).map((pkg) => pkg.name);
    lines.push(
      `${mark} ${app.name} (${app.packageName}, ${app.dir}${app.kind === 'node' ? '' : `, ${app.kind}`}) → ${app.tags.join(', ')}`,
    );
    lines.push(`    packages: ${deps.length > 0 ? deps.join(', ') : '(none)'}`);
    const digest = prepared.digests?.get(app.name);
    if (digest) lines.push(`    digest: ${digest}`);
  }
  for (const image of plan.combined) {
    const mark = prepared.selected.includes(image.name) ? '*' : ' ';
    lines.push(
      `${mark} ${image.name} (combined: ${image.apps.join(', ')}) → ${image.tags.join(', ')}`,
    );
  }
  const total = plan.apps.length + plan.combined.length;
  lines.push(`${prepared.selected.length} of ${total} images selected (*)`);
  return `${lines.join('\n')}\n`;
}

function formatExplain(prepared: PreparedPlan): string {
  const lines: string[] = [];
  for (const selection of prepared.selections) {
    if (prepared.selected.includes(selection.app)) {
      lines.push(`${selection.app}: selected`);
      for (const reason of selection.reasons) lines.push(`  - ${reason}`);
    } else if (selection.selected) {
      lines.push(`${selection.app}: not selected (another --shard builds it)`);
    } else if (selection.reasons.length > 0 || prepared.change) {
      lines.push(
        `${selection.app}: not selected (${selection.reasons.length > 0 ? 'not named on the command line' : 'nothing it is built from changed'})`,
      );
    } else {
      lines.push(`${selection.app}: not selected (not named on the command line)`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function resultJson(result: AppResult, prepared: PreparedPlan) {
  return {
    app: result.app,
    status: result.status,
    tags: result.tags,
    digest: prepared.digests?.get(result.app) ?? null,
    imageId: result.imageId ?? null,
    durationMs: result.durationMs,
    steps: result.steps.map((step) => ({
      name: step.name,
      cached: step.cached,
      durationMs:
        step.started !== undefined && step.completed !== undefined
          ? step.completed - step.started
          : null,
    })),
    stepsCached: result.progress?.stepsCached ?? null,
    contextBytes: result.contextBytes ?? null,
    published: result.published,
    error: result.error ?? null,
    logTail: result.logTail,
  };
}

function formatSummary(results: readonly AppResult[]): string {
  const rows = results.map((result) => [
    result.app,
    result.status,
    formatDuration(result.durationMs),
    result.progress ? `${result.progress.stepsCached}/${result.progress.steps}` : '-',
    result.tags.join(', '),
    result.imageId?.slice(0, 19) ?? '-',
  ]);
  const header = ['app', 'status', 'time', 'cached', 'tags', 'image'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const out = ['', line(header), ...rows.map(line)];
  for (const result of results) {
    for (const published of result.published)
      out.push(`${result.app}: ${published.tag}@${published.digest}`);
  }
  for (const result of results) {
    if (successfulStatuses.includes(result.status)) continue;
    out.push('', `${result.app} ${result.status}: ${result.error ?? ''}`);
    for (const logLine of result.logTail) out.push(`  | ${logLine}`);
  }
  out.push('', summarizeResults(results));
  return `${out.join('\n')}\n`;
}

/**
 * OCI labels for the source an image was built from: the commit, and the repository URL
 * (an ssh remote turned into its https form). Empty outside a git checkout.
 */
async function sourceLabels(root: string): Promise<Record<string, string>> {
  const labels: Record<string, string> = {};
  const head = await git(root, ['rev-parse', 'HEAD']).catch(() => undefined);
  if (head?.code === 0) labels['org.opencontainers.image.revision'] = head.stdout.trim();
  const remote = await git(root, ['remote', 'get-url', 'origin']).catch(() => undefined);
  if (remote?.code === 0 && remote.stdout.trim()) {
    labels['org.opencontainers.image.source'] = remote.stdout
      .trim()
      .replace(/^git@([^:]+):/, 'https://$1/')
      .replace(/^ssh:\/\/git@/, 'https://')
      .replace(/\.git$/, '')
      .replace(/\/\/[^@/]+@/, '//');
  }
  return labels;
}

function reportTitle(root: string): string {
  return `build-images report: ${path.basename(root)}`;
}

/**
 * The absolute path of the --report file (relative to the process's working directory, not
 * --cwd), after checking that what is there, if anything, is an earlier report: another file
 * of the user's is never overwritten.
 */
async function reportFile(io: CliIo, report: string): Promise<string> {
  const file = path.resolve(io.cwd, report);
  const refuse = (what: string) =>
    new BuildImagesError('USAGE', `--report ${report}: ${file} ${what}; it was left as it is`, {
      hint: 'build-images only overwrites its own earlier reports: pass --report another path, or move that file away.',
    });
  let head: string;
  try {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(1024), 0, 1024, 0);
      head = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return file;
    if (code === 'EISDIR') throw refuse('is a directory');
    throw new BuildImagesError(
      'USAGE',
      `--report ${report}: cannot read ${file} (${code ?? String(error)})`,
      { hint: 'Pass --report a path you can write.', cause: error },
    );
  }
  if (!head.includes(reportMarker)) throw refuse('exists and is not a build-images report');
  return file;
}

/** Writes the report (making its directories), checking the target again: the build took a while. */
async function writeReport(io: CliIo, report: string, html: string): Promise<void> {
  const file = await reportFile(io, report);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, html);
    await rename(temporary, file);
  } catch (error) {
    throw new BuildImagesError(
      'USAGE',
      `--report ${report}: cannot write ${file} (${(error as { code?: string }).code ?? String(error)})`,
      {
        hint: 'Pass --report a path in a directory you can write.',
        cause: error,
      },
    );
  }
  io.stderr.write(`wrote report ${report}\n`);
}

/** The registry password from standard input (--password-stdin), without its final newline. */
async function readPassword(io: CliIo): Promise<string> {
  const stdin = io.stdin ?? process.stdin;
  let text = '';
  for await (const chunk of stdin)
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  const password = text.replace(/\r?\n$/, '');
  if (password === '') {
    throw new BuildImagesError('USAGE', '--password-stdin read an empty password', {
      hint: 'Pipe it in: echo "$TOKEN" | build-images --push --registry-user <name> --password-stdin.',
    });
  }
  return password;
}
