import type { Writable } from 'node:stream';
import { Listr, type ListrTaskWrapper } from 'listr2';
import type { AppName, BuildProgress } from '@build-images/core';
import { successfulStatuses, type AppResult, type RunEvents } from '@build-images/runner';
import { formatDuration } from './format-duration.js';

/** Shows builds while they run; the final summary is printed separately. */
export interface BuildReporter {
  events: RunEvents;
  start(apps: readonly AppName[]): void;
  finish(): Promise<void>;
}

function describeProgress(progress: BuildProgress): string {
  const counts = `${progress.stepsDone}/${progress.steps} steps, ${progress.stepsCached} cached`;
  return progress.current ? `${counts}: ${progress.current}` : counts;
}

function describeResult(result: AppResult): string {
  switch (result.status) {
    case 'built':
    case 'cached':
      return `${result.status} ${result.tags.join(', ')} (${result.imageId?.slice(7, 19) ?? '?'}) in ${formatDuration(result.durationMs)}${
        result.progress
          ? `, ${result.progress.stepsCached}/${result.progress.steps} steps cached`
          : ''
      }`;
    case 'pushed':
      return `pushed ${result.published.map((entry) => `${entry.tag}@${entry.digest.slice(0, 19)}`).join(', ')} in ${formatDuration(result.durationMs)}`;
    case 'up-to-date':
      return `up to date in the registry: ${result.published.map((entry) => `${entry.tag}@${entry.digest.slice(0, 19)}`).join(', ')}`;
    default:
      return `${result.status}: ${result.error ?? ''}`;
  }
}

/** Plain lines prefixed with the app name, for CI logs and pipes. */
export function createPlainReporter(out: Writable): BuildReporter {
  const lastStep = new Map<AppName, string>();
  const write = (app: AppName, text: string) => out.write(`[${app}] ${text}\n`);
  return {
    start: () => undefined,
    finish: async () => undefined,
    events: {
      onStart: (app) => write(app, 'building'),
      onRetry: (app, reason) => write(app, `retrying: ${reason}`),
      onProgress: (app, progress) => {
        if (progress.current && progress.current !== lastStep.get(app)) {
          lastStep.set(app, progress.current);
          write(app, progress.current);
        }
      },
      onFinish: (result) => {
        write(result.app, describeResult(result));
        if (result.status === 'failed')
          for (const line of result.logTail) write(result.app, `  | ${line}`);
      },
    },
  };
}

/** A listr2 task list with one row per app, for terminals. */
export function createListrReporter(): BuildReporter {
  const tasks = new Map<AppName, ListrTaskWrapper<unknown, never, never>>();
  const results = new Map<
    AppName,
    { promise: Promise<AppResult>; resolve: (result: AppResult) => void }
  >();
  let running: Promise<unknown> = Promise.resolve();
  return {
    start(apps) {
      for (const app of apps) results.set(app, Promise.withResolvers<AppResult>());
      const list = new Listr(
        apps.map((app) => ({
          title: `${app}: queued`,
          task: async (_ctx: unknown, task: ListrTaskWrapper<unknown, never, never>) => {
            tasks.set(app, task);
            const result = await results.get(app)!.promise;
            task.title = `${app}: ${describeResult(result)}`;
            if (!successfulStatuses.includes(result.status))
              throw new Error(result.logTail.at(-1) ?? result.status);
          },
        })),
        {
          concurrent: true,
          exitOnError: false,
          // Signals are ours: the CLI cancels the builds and exits 130 (listr2 would exit 127).
          registerSignalListeners: false,
        },
      );
      running = list.run().catch(() => undefined);
    },
    finish: () => running.then(() => undefined),
    events: {
      onStart: (app) => {
        const task = tasks.get(app);
        if (task) task.title = `${app}: building`;
      },
      onRetry: (app, reason) => {
        const task = tasks.get(app);
        if (task) task.output = `retrying: ${reason}`;
      },
      onProgress: (app, progress) => {
        const task = tasks.get(app);
        if (!task) return;
        task.title = `${app}: ${describeProgress(progress)}`;
        if (progress.lastLog) task.output = progress.lastLog;
      },
      onFinish: (result) => results.get(result.app)?.resolve(result),
    },
  };
}
