import { describe, expect, it } from 'vitest';
import {
  ImageBuildFailure,
  type AppName,
  type ImageBuilder,
  type ImageBuildRequest,
} from '@build-images/core';
import { engineRaceOf, runBuilds, summarizeResults, type Publisher } from '../src/index.js';

const request = (app: string): ImageBuildRequest => ({
  app: app as AppName,
  target: app,
  tags: [`${app}:t`],
  dockerfile: 'docker/Dockerfile',
  context: { root: '/repo', files: [], generated: [] },
  buildArgs: {},
  labels: {},
});

/** A builder whose builds take `ms` and fail for the apps in `failing`; it records concurrency. */
function fakeBuilder(options: { ms?: number; failing?: string[] } = {}) {
  let running = 0;
  const seen = { maxRunning: 0, started: [] as string[] };
  const builder: ImageBuilder = {
    async build(req, hooks) {
      seen.started.push(req.app);
      running++;
      seen.maxRunning = Math.max(seen.maxRunning, running);
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, options.ms ?? 20);
          hooks.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new Error('aborted'));
          });
        });
        if (options.failing?.includes(req.app))
          throw new ImageBuildFailure(`${req.app}: exit code: 1`, ['last line'], undefined);
        return {
          imageId: `sha256:${req.app}`,
          progress: {
            steps: 1,
            stepsDone: 1,
            stepsCached: 0,
            current: undefined,
            lastLog: undefined,
          },
          steps: [],
          contextBytes: 10,
        };
      } finally {
        running--;
      }
    },
  };
  return { builder, seen };
}

describe('runBuilds', () => {
  it('keeps to the concurrency limit and builds the others when one fails', async () => {
    const { builder, seen } = fakeBuilder({ failing: ['b'] });
    const results = await runBuilds(['a', 'b', 'c', 'd'].map(request), builder, {
      concurrency: 2,
      bail: false,
    });
    expect(seen.maxRunning).toBe(2);
    expect(results.map((result) => [result.app, result.status])).toEqual([
      ['a', 'built'],
      ['b', 'failed'],
      ['c', 'built'],
      ['d', 'built'],
    ]);
    expect(results[1]).toMatchObject({ error: 'b: exit code: 1', logTail: ['last line'] });
    expect(summarizeResults(results)).toBe('3 built, 1 failed');
  });

  it('reports a build whose every Dockerfile step came from the cache as cached', async () => {
    const step = (name: string, cached: boolean) => ({
      name,
      cached,
      started: 1,
      completed: 2,
      error: undefined,
    });
    const builder: ImageBuilder = {
      build: async (req) => ({
        imageId: `sha256:${req.app}`,
        progress: {
          steps: 3,
          stepsDone: 3,
          stepsCached: 2,
          current: undefined,
          lastLog: undefined,
        },
        // BuildKit's own steps (context upload, export) run every time; they do not count.
        steps:
          req.app === 'a'
            ? [
                step('[internal] load build context', false),
                step('[a-deps 1/2] COPY x y', true),
                step('[a 2/2] RUN b', true),
              ]
            : [step('[b 1/1] RUN b', false)],
        contextBytes: 1,
      }),
    };
    const results = await runBuilds(['a', 'b'].map(request), builder, {
      concurrency: 2,
      bail: false,
    });
    expect(results.map((result) => result.status)).toEqual(['cached', 'built']);
    expect(summarizeResults(results)).toBe('1 built, 1 cached');
  });

  it('with bail, cancels the running builds and skips the queued ones after the first failure', async () => {
    const { builder } = fakeBuilder({ failing: ['a'], ms: 30 });
    const results = await runBuilds(['a', 'b', 'c'].map(request), builder, {
      concurrency: 1,
      bail: true,
    });
    expect(results.map((result) => result.status)).toEqual(['failed', 'skipped', 'skipped']);
    expect(results[1]?.error).toBe('not started: --bail after a failed');
  });

  it('reports running and queued builds as cancelled when the run is aborted', async () => {
    const { builder } = fakeBuilder({ ms: 1000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('SIGINT')), 30);
    const results = await runBuilds(['a', 'b'].map(request), builder, {
      concurrency: 1,
      bail: false,
      signal: controller.signal,
    });
    expect(results.map((result) => [result.status, result.error])).toEqual([
      ['cancelled', 'cancelled: the run was interrupted'],
      ['cancelled', 'not started: the run was interrupted'],
    ]);
  });

  it('skips the build of an image the registry has, and pushes the built ones', async () => {
    const { builder, seen } = fakeBuilder();
    const publisher: Publisher = {
      findExisting: async (req) =>
        req.app === 'a' ? [{ tag: 'a:t', digest: 'sha256:remote' }] : undefined,
      publish: async (req) => [{ tag: req.tags[0]!, digest: `sha256:pushed-${req.app}` }],
    };
    const results = await runBuilds(['a', 'b'].map(request), builder, {
      concurrency: 2,
      bail: false,
      publisher,
    });
    expect(seen.started).toEqual(['b']);
    expect(results.map((result) => [result.status, result.published])).toEqual([
      ['up-to-date', [{ tag: 'a:t', digest: 'sha256:remote' }]],
      ['pushed', [{ tag: 'b:t', digest: 'sha256:pushed-b' }]],
    ]);
    expect(summarizeResults(results)).toBe('1 pushed, 1 up to date');
  });

  it("builds again after BuildKit's scheduler race, at most twice; other failures are final", async () => {
    const race = 'buildkit scheduler error: return leaving incoming open. Please report this';
    const failures = new Map([
      ['a', 1],
      ['b', 5],
    ]);
    const attempts: string[] = [];
    const { builder: ok } = fakeBuilder();
    const builder: ImageBuilder = {
      async build(req, hooks) {
        attempts.push(req.app);
        const left = failures.get(req.app) ?? 0;
        if (left > 0) {
          failures.set(req.app, left - 1);
          throw new ImageBuildFailure(race, [], undefined);
        }
        return ok.build(req, hooks);
      },
    };
    const retries: string[] = [];
    const results = await runBuilds(['a', 'b'].map(request), builder, {
      concurrency: 1,
      bail: false,
      events: { onRetry: (app, reason) => retries.push(`${app}: ${reason}`) },
    });
    expect(results.map((result) => result.status)).toEqual(['built', 'failed']);
    expect(attempts).toEqual(['a', 'a', 'b', 'b', 'b']);
    expect(retries[0]).toBe(
      'a: BuildKit\'s scheduler failed the build ("return leaving incoming open", a race of parallel builds, moby/buildkit#4278); building a again',
    );
    // A recovered race says no "error:", which the Docker tests and CI logs look for.
    expect(retries.join('\n')).not.toContain('error:');
    expect(retries).toHaveLength(3);

    const { builder: failing, seen } = fakeBuilder({ failing: ['c'] });
    await runBuilds([request('c')], failing, { concurrency: 1, bail: false });
    expect(seen.started).toEqual(['c']);
  });

  it("builds again after the containerd image store's export race, and counts a step an attempt ran as run", async () => {
    const race =
      'failed to prepare extraction snapshot "extract-1 sha256:bd4e": parent snapshot sha256:3e6c does not exist: not found';
    const step = (name: string, cached: boolean) => ({
      name,
      cached,
      started: undefined,
      completed: undefined,
      error: undefined,
    });
    let failed = false;
    const { builder: ok } = fakeBuilder();
    const builder: ImageBuilder = {
      async build(req, hooks) {
        if (!failed) {
          failed = true;
          throw new ImageBuildFailure(race, [], undefined, [step('[pkg 2/2] RUN build', false)]);
        }
        const result = await ok.build(req, hooks);
        return {
          ...result,
          steps: [step('[pkg 2/2] RUN build', true), step('[a 1/1] COPY x', true)],
        };
      },
    };
    const retries: string[] = [];
    const [result] = await runBuilds([request('a')], builder, {
      concurrency: 1,
      bail: false,
      events: { onRetry: (app, reason) => retries.push(`${app}: ${reason}`) },
    });
    expect(result?.status).toBe('built');
    expect(retries).toEqual([
      "a: the image store lost a snapshot to a parallel build's export (containerd image store); building a again",
    ]);
    expect(result?.steps?.map((s) => [s.name, s.cached])).toEqual([
      ['[pkg 2/2] RUN build', false],
      ['[a 1/1] COPY x', true],
    ]);
    expect(
      engineRaceOf(
        'process "/bin/sh -c pnpm run build" did not complete successfully: exit code: 1',
      ),
    ).toBeUndefined();
  });

  it('pushes the stage caches of --cache-to after the image, building each stage target', async () => {
    const { builder, seen } = fakeBuilder();
    const pushed: string[] = [];
    const publisher: Publisher = {
      publish: async (req) => {
        pushed.push(...req.tags);
        return req.tags.map((tag) => ({ tag, digest: 'sha256:x' }));
      },
    };
    const targets: string[] = [];
    const recording: ImageBuilder = {
      build: (req, hooks) => {
        targets.push(req.target);
        return builder.build(req, hooks);
      },
    };
    const [result] = await runBuilds(
      [
        {
          ...request('a'),
          stageCaches: [
            { target: 'a-deps', tag: 'r/a:main-a-deps' },
            { target: 'a-build', tag: 'r/a:main-a-build' },
          ],
        },
      ],
      recording,
      { concurrency: 1, bail: false, publisher },
    );
    expect(targets).toEqual(['a', 'a-deps', 'a-build']);
    expect(pushed).toEqual(['a:t', 'r/a:main-a-deps', 'r/a:main-a-build']);
    expect(seen.started).toHaveLength(3);
    // The image's own tags are what the result lists as published.
    expect(result!.published).toEqual([{ tag: 'a:t', digest: 'sha256:x' }]);
  });
});
