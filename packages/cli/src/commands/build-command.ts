import {
  BuildImagesError,
  ExitCode,
  createBuildRequest,
  renderCacheFrom,
  stageCacheReference,
  stageCacheTargets,
  type ImageBuildRequest,
  type RunPlan,
  type SourceInputs,
} from '@build-images/core';
import { successfulStatuses, summarizeResults, type Publisher } from '@build-images/runner';
import type { CliOptions } from '../cli-options.js';
import { writeGeneratedDockerfile } from '../dockerfile-file.js';
import { describeChange, formatPlan, planJson } from '../format/plan-output.js';
import { formatSummary, resultJson } from '../format/results-output.js';
import { readPassword } from '../read-password.js';
import { readSecrets, unmountedSecretIds } from '../read-secrets.js';
import { renderReport } from '../render-report.js';
import { reportFile, reportTitle, writeReport } from '../report-file.js';
import type { CliIo } from '../run-cli.js';
import type { CommandContext } from './command-context.js';
import { refuseUnbuildable } from './refuse-unbuildable.js';

/** `build-images [app...]`: builds the selected images in parallel (or prints the plan with --dry-run). */
export async function buildCommand({ root, options, io, plan }: CommandContext): Promise<number> {
  if (options.dryRun) {
    const { run } = await plan({ digests: options.json, files: false, labels: false });
    io.stdout.write(
      options.json
        ? `${JSON.stringify({ ...planJson(run), dockerfileText: run.dockerfile }, null, 2)}\n`
        : `${formatPlan(run)}\n# ${run.plan.dockerfilePath} (not written: --dry-run)\n${run.dockerfile}`,
    );
    // What the build would refuse, the dry run says too (it still prints the plan).
    try {
      refuseUnbuildable(run);
    } catch (error) {
      if (!(error instanceof BuildImagesError)) throw error;
      io.stderr.write(
        [error.message, ...(error.details ?? [])]
          .map((line) => `warning: the build would refuse this: ${line}\n`)
          .join(''),
      );
    }
    return ExitCode.ok;
  }
  // Checked before anything is built, so a report path that would be refused costs no build.
  if (options.report !== undefined) await reportFile(io, options.report);
  const { run, inputs } = await plan({ digests: options.json, files: true, labels: true });
  if (run.selected.length === 0) {
    // Nothing changed: nothing is sent to the engine, which need not even be running.
    io.stdout.write(
      options.json
        ? `${JSON.stringify({ results: [], summary: 'nothing to build' }, null, 2)}\n`
        : `nothing to build: ${describeChange(run)}\n`,
    );
    if (options.report !== undefined) {
      const now = Date.now();
      await writeReport(
        io,
        options.report,
        renderReport([], { startedAt: now, finishedAt: now, title: reportTitle(root) }),
      );
    }
    return ExitCode.ok;
  }

  refuseUnbuildable(run);
  const secrets = withWorkspaceCredentials(
    await readSecrets(options.secrets, io.env, io.cwd),
    run.npmrc?.credentials ?? [],
  );
  const buildSecrets = [...new Set(run.plan.apps.flatMap((app) => app.buildSecrets))].sort();
  for (const id of unmountedSecretIds(secrets, buildSecrets)) {
    io.stderr.write(
      `warning: --secret ${id}: the generated Dockerfile mounts only the secrets npmrc and npm_token${buildSecrets.length > 0 ? ` and the apps' buildSecrets (${buildSecrets.join(', ')})` : ''}; list it in an app's "buildImages": { "buildSecrets": […] } for its build to read it\n`,
    );
  }
  // Loaded here, not at start-up: planning needs none of dockerode, listr2 or the runner.
  const [
    { connectDocker, DockerImageBuilder, idleBoundMs, openBuildkitSession },
    { runBuilds },
    { createListrReporter, createPlainReporter },
    { createRegistryPublisher },
  ] = await Promise.all([
    import('@build-images/docker'),
    import('@build-images/runner'),
    import('../reporters.js'),
    import('../registry-publisher.js'),
  ]);
  // How long an engine's build or push stream may say nothing (checked before the engine is dialled).
  const bounds = {
    buildIdleMs: idleBoundMs(io.env, 'BUILD_IMAGES_BUILD_IDLE_TIMEOUT', 1800),
    pushIdleMs: idleBoundMs(io.env, 'BUILD_IMAGES_PUSH_IDLE_TIMEOUT', 120),
  };
  const docker = await connectDocker(io.env);
  if (await writeGeneratedDockerfile(root, run.plan.dockerfilePath, run.dockerfile)) {
    io.stderr.write(`wrote ${run.plan.dockerfilePath}\n`);
  }
  const requests = buildRequests(root, run, options, inputs.source);
  let publisher: Publisher | undefined;
  if (options.push || options.skipExisting) {
    const digestTags = new Set(
      requests.flatMap((request) =>
        request.tags.filter((_, index) => options.tagTemplates[index]?.includes('{digest}')),
      ),
    );
    publisher = await createRegistryPublisher(docker, {
      tags: requests.flatMap((request) => [
        ...request.tags,
        ...(request.stageCaches ?? []).map((stage) => stage.tag),
      ]),
      override:
        options.registryUser !== undefined
          ? { username: options.registryUser, password: await readPassword(io) }
          : undefined,
      env: io.env,
      push: options.push,
      skipExisting: options.skipExisting,
      isDigestTag: (tag) => digestTags.has(tag),
      onRetry: (message) => io.stderr.write(`push retry: ${message}\n`),
      pushIdleMs: bounds.pushIdleMs,
    });
  }
  const concurrency = await safeConcurrency(docker, options, requests, io);
  const interactive = io.isTTY && !options.json && !io.env['CI'];
  const reporter = interactive ? createListrReporter() : createPlainReporter(io.stderr);
  reporter.start(run.selected);
  const startedAt = Date.now();
  // Always a session of our own: the Dockerfile's install steps mount optional secrets, and
  // dockerode's own session, which the engine drops after a second, would fail them.
  const session = await openBuildkitSession(docker, { secrets });
  const results = await runBuilds(
    requests,
    new DockerImageBuilder(docker, { sessionId: session.id, idleMs: bounds.buildIdleMs }),
    {
      concurrency,
      bail: options.bail,
      events: reporter.events,
      ...(io.signal ? { signal: io.signal } : {}),
      ...(publisher ? { publisher } : {}),
    },
  ).finally(() => session.close());
  await reporter.finish();
  const finishedAt = Date.now();

  io.stdout.write(
    options.json
      ? `${JSON.stringify({ results: results.map((result) => resultJson(result, run)), summary: summarizeResults(results) }, null, 2)}\n`
      : formatSummary(results),
  );
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

/** One build request per selected image: its target, tags, context files and lockfile slices. */
function buildRequests(root: string, run: RunPlan, options: CliOptions, source: SourceInputs) {
  // OCI labels for the source an image was built from: the commit and the repository URL.
  const labels: Record<string, string> = {
    ...(source.head ? { 'org.opencontainers.image.revision': source.head } : {}),
    ...(source.remoteUrl ? { 'org.opencontainers.image.source': source.remoteUrl } : {}),
  };
  return run.selected.map((name) => {
    // Stage caches for apps' images (not combined ones, not dev targets): --cache-from also
    // looks for those --cache-to pushed beside each reference.
    const app = options.dev ? undefined : run.plan.apps.find((entry) => entry.name === name);
    const stages = app === undefined ? [] : stageCacheTargets(run.plan, app);
    const cacheFrom = renderCacheFrom(options.cacheFrom, options.dev ? `${name}-dev` : name);
    const cacheTo =
      options.cacheTo === undefined ? undefined : renderCacheFrom([options.cacheTo], name)[0]!;
    const request = createBuildRequest(run.plan, name, {
      root,
      nodeImage: options.baseImage,
      buildArgs: options.bundleImage ? { BUNDLE_IMAGE: options.bundleImage } : {},
      packageFiles: run.contextFiles[name] ?? [],
      lockfileSlices: new Map(Object.entries(run.slices)),
      ...(run.npmrc ? { npmrcSettings: run.npmrc.settings } : {}),
      labels,
      cacheFrom: [
        ...cacheFrom,
        ...cacheFrom.flatMap((ref) => stages.map((stage) => stageCacheReference(ref, stage))),
      ],
      inlineCache: options.inlineCache,
    });
    if (options.dev) return { ...request, target: `${name}-dev` };
    if (cacheTo === undefined) return request;
    return {
      ...request,
      tags: request.tags.includes(cacheTo) ? request.tags : [...request.tags, cacheTo],
      stageCaches: stages.map((stage) => ({
        target: stage,
        tag: stageCacheReference(cacheTo, stage),
      })),
    };
  });
}

/**
 * The workspace .npmrc's credential lines join the `npmrc` secret (the user-level .npmrc of
 * the install steps, after any --secret id=npmrc the user gave): they authenticate the
 * installs and never enter a layer.
 */
function withWorkspaceCredentials(
  secrets: Map<string, Buffer>,
  credentials: readonly string[],
): Map<string, Buffer> {
  if (credentials.length === 0) return secrets;
  const given = secrets.get('npmrc')?.toString('utf8') ?? '';
  const merged = `${given}${given === '' || given.endsWith('\n') ? '' : '\n'}${credentials.join('\n')}\n`;
  return new Map([...secrets, ['npmrc', Buffer.from(merged, 'utf8')]]);
}

/**
 * The builds at once: --concurrency, except that an Engine older than 23 (API 1.42) builds one
 * app at a time when builds import or export registry cache, unless --concurrency or the config
 * chose otherwise. Its BuildKit (0.8 in Engine 20.10) crashed the whole daemon twice in the
 * benchmark when parallel builds sharing stages did so (moby/buildkit#2889, "concurrent map
 * writes" in the cache export; a nil pointer in CalcSlowCache), and fails builds with
 * moby/buildkit#4278; one build at a time has never hit either.
 */
export async function safeConcurrency(
  docker: { version(): Promise<{ ApiVersion?: string; Version?: string }> },
  options: CliOptions,
  requests: readonly ImageBuildRequest[],
  io: CliIo,
): Promise<number> {
  const registryCache = requests.some(
    (request) =>
      request.buildArgs['BUILDKIT_INLINE_CACHE'] === '1' ||
      (request.cacheFrom?.length ?? 0) > 0 ||
      (request.stageCaches?.length ?? 0) > 0,
  );
  if (
    options.concurrencyChosen ||
    options.concurrency <= 1 ||
    requests.length <= 1 ||
    !registryCache
  )
    return options.concurrency;
  const version = await docker.version().catch(() => undefined);
  if (version === undefined || !olderApi(version.ApiVersion, [1, 42])) return options.concurrency;
  io.stderr.write(
    `note: building one app at a time: Engine ${version.Version} (API ${version.ApiVersion}) can crash when parallel builds import or export registry cache (moby/buildkit#2889; fixed in later engines); --concurrency <n> overrides this\n`,
  );
  return 1;
}

/** Whether an API version ("1.41") is older than `than`. */
function olderApi(apiVersion: string | undefined, than: [number, number]): boolean {
  const match = /^(\d+)\.(\d+)/.exec(apiVersion ?? '');
  if (match === null) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major < than[0] || (major === than[0] && minor < than[1]);
}
