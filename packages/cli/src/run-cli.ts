import { createRequire } from 'node:module';
import path from 'node:path';
import type { Writable } from 'node:stream';
import {
  BuildImagesError,
  ExitCode,
  createBuildRequest,
  createWorkspaceGraph,
  exitCodeForError,
  isBuildImagesError,
  planBuilds,
  renderDockerfile,
  defaultNodeImage,
  type BuildPlan,
} from '@build-images/core';
import { connectDocker, DockerImageBuilder } from '@build-images/docker';
import { runBuilds, summarizeResults, type AppResult } from '@build-images/runner';
import { findWorkspaceRoot, readWorkspace } from '@build-images/workspace';
import { parseCliOptions, renderHelp, type CliOptions } from './cli-options.js';
import { diffLines, readIfExists, writeGeneratedDockerfile } from './dockerfile-file.js';
import { createListrReporter, createPlainReporter, formatDuration } from './reporters.js';

export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: Writable;
  stderr: Writable;
  /** Whether stdout is an interactive terminal (the listr2 view is used only then). */
  isTTY: boolean;
  /** Aborted on SIGINT/SIGTERM: running builds are cancelled. */
  signal?: AbortSignal;
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
    io.stderr.write(`build-images: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.buildFailed;
  }
}

export function formatError(error: BuildImagesError): string {
  const lines = [`error: ${error.message}`, ...error.details.map((detail) => `  - ${detail}`)];
  if (error.hint) lines.push(`hint: ${error.hint}`);
  return `${lines.join('\n')}\n`;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const options = parseCliOptions(argv, io.env);
  if (options.help) {
    io.stdout.write(renderHelp(version()));
    return ExitCode.ok;
  }
  if (options.version) {
    io.stdout.write(`${version()}\n`);
    return ExitCode.ok;
  }

  const root = await findWorkspaceRoot(path.resolve(io.cwd, options.cwd ?? '.'));
  const workspace = await readWorkspace(root);
  const { graph, problems } = createWorkspaceGraph(workspace.packages);
  const plan = planBuilds(workspace, graph, problems, {
    appPatterns: options.appPatterns,
    only: options.apps,
    tagTemplate: options.tagTemplate,
    dockerfilePath: options.dockerfile,
  });
  const dockerfile = renderDockerfile(plan, { nodeImage: defaultNodeImage });

  switch (options.command) {
    case 'plan':
      io.stdout.write(options.json ? `${JSON.stringify(planJson(plan, options), null, 2)}\n` : formatPlan(plan, options));
      return ExitCode.ok;
    case 'generate':
      return generate(root, plan, dockerfile, options, io);
    case 'build':
      break;
  }

  if (options.dryRun) {
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ ...planJson(plan, options), dockerfile }, null, 2)}\n`);
    } else {
      io.stdout.write(`${formatPlan(plan, options)}\n# ${plan.dockerfilePath} (not written: --dry-run)\n${dockerfile}`);
    }
    return ExitCode.ok;
  }

  const docker = await connectDocker(io.env);
  if (await writeGeneratedDockerfile(root, plan.dockerfilePath, dockerfile)) {
    io.stderr.write(`wrote ${plan.dockerfilePath}\n`);
  }
  const requests = plan.selected.map((name) =>
    createBuildRequest(plan, plan.apps.find((app) => app.name === name)!, { root, nodeImage: options.baseImage }),
  );
  const interactive = io.isTTY && !options.json && !io.env['CI'];
  const reporter = interactive ? createListrReporter() : createPlainReporter(io.stderr);
  reporter.start(plan.selected);
  const results = await runBuilds(requests, new DockerImageBuilder(docker), {
    concurrency: options.concurrency,
    bail: options.bail,
    events: reporter.events,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  await reporter.finish();

  if (options.json) {
    io.stdout.write(`${JSON.stringify({ results: results.map(resultJson), summary: summarizeResults(results) }, null, 2)}\n`);
  } else {
    io.stdout.write(formatSummary(results));
  }
  if (io.signal?.aborted) return ExitCode.interrupted;
  return results.some((result) => result.status !== 'built') ? ExitCode.buildFailed : ExitCode.ok;
}

async function generate(root: string, plan: BuildPlan, dockerfile: string, options: CliOptions, io: CliIo): Promise<number> {
  if (options.check) {
    const existing = await readIfExists(path.join(root, plan.dockerfilePath));
    if (existing === dockerfile) {
      io.stderr.write(`${plan.dockerfilePath} is up to date\n`);
      return ExitCode.ok;
    }
    io.stderr.write(
      existing === undefined
        ? `${plan.dockerfilePath} does not exist; run build-images generate\n`
        : `${plan.dockerfilePath} is stale; run build-images generate\n${diffLines(existing, dockerfile, [`${plan.dockerfilePath} (on disk)`, `${plan.dockerfilePath} (generated)`])}`,
    );
    return ExitCode.buildFailed;
  }
  const changed = await writeGeneratedDockerfile(root, plan.dockerfilePath, dockerfile);
  io.stderr.write(`${plan.dockerfilePath} ${changed ? 'written' : 'already up to date'}\n`);
  return ExitCode.ok;
}

function planJson(plan: BuildPlan, options: CliOptions) {
  return {
    dockerfile: plan.dockerfilePath,
    baseImage: options.baseImage ?? defaultNodeImage,
    apps: plan.apps.map((app) => ({
      name: app.name,
      package: app.packageName,
      dir: app.dir,
      target: app.name,
      selected: plan.selected.includes(app.name),
      tags: app.tags,
      packages: app.packages.filter((pkg) => pkg.name !== app.packageName).map((pkg) => ({ name: pkg.name, dir: pkg.dir })),
      port: app.port ?? null,
      healthPath: app.healthPath ?? null,
      command: app.command,
    })),
  };
}

function formatPlan(plan: BuildPlan, options: CliOptions): string {
  const lines = [`base image: ${options.baseImage ?? defaultNodeImage}`];
  for (const app of plan.apps) {
    const mark = plan.selected.includes(app.name) ? '*' : ' ';
    const deps = app.packages.filter((pkg) => pkg.name !== app.packageName).map((pkg) => pkg.name);
    lines.push(`${mark} ${app.name} (${app.packageName}, ${app.dir}) → ${app.tags.join(', ')}`);
    lines.push(`    packages: ${deps.length > 0 ? deps.join(', ') : '(none)'}`);
  }
  lines.push(`${plan.selected.length} of ${plan.apps.length} apps selected (*)`);
  return `${lines.join('\n')}\n`;
}

function resultJson(result: AppResult) {
  return {
    app: result.app,
    status: result.status,
    tags: result.tags,
    imageId: result.imageId ?? null,
    durationMs: result.durationMs,
    steps: result.progress ? { total: result.progress.steps, cached: result.progress.stepsCached } : null,
    contextBytes: result.contextBytes ?? null,
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
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  const out = ['', line(header), ...rows.map(line)];
  for (const result of results) {
    if (result.status === 'built') continue;
    out.push('', `${result.app} ${result.status}: ${result.error ?? ''}`);
    for (const logLine of result.logTail) out.push(`  | ${logLine}`);
  }
  out.push('', summarizeResults(results));
  return `${out.join('\n')}\n`;
}
