import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { processJob, type Job, type JobResult } from '../src/jobs.js';
import { runWorker } from '../src/run-worker.js';
import { captureLogger } from './capture-logger.js';

function fakeProcess() {
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  const exit = vi.fn((code: number) => resolveExit(code));
  return Object.assign(new EventEmitter(), { exit, exited });
}

describe('runWorker', () => {
  it('on SIGTERM stops the loop, finishes the current job, then exits 0', async () => {
    const proc = fakeProcess();
    const { logger, lines } = captureLogger();
    let finishJob: () => void = () => {};
    const runJob = vi.fn(
      (job: Job) =>
        new Promise<JobResult>((resolve) => {
          finishJob = () => resolve(processJob(job));
        }),
    );
    const worker = runWorker({ env: { INTERVAL_MS: '10' }, logger, process: proc, runJob });
    await vi.waitFor(() => expect(runJob).toHaveBeenCalledTimes(1));

    proc.emit('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(proc.exit).not.toHaveBeenCalled();

    finishJob();
    expect(await proc.exited).toBe(0);
    await worker.done;

    expect(runJob).toHaveBeenCalledTimes(1);
    expect(lines.map((line) => line.msg)).toEqual([
      'worker started',
      'shutting down',
      'job done',
      'worker stopped',
      'shutdown complete',
    ]);
  });

  it('stops on SIGINT while waiting between jobs', async () => {
    const proc = fakeProcess();
    const runJob = vi.fn(async (job: Job) => processJob(job));
    runWorker({
      env: { INTERVAL_MS: '60000' },
      logger: captureLogger().logger,
      process: proc,
      runJob,
    });
    await vi.waitFor(() => expect(runJob).toHaveBeenCalledTimes(1));

    proc.emit('SIGINT');

    expect(await proc.exited).toBe(0);
    expect(runJob).toHaveBeenCalledTimes(1);
  });

  it('throws on an invalid INTERVAL_MS before starting anything', () => {
    const proc = fakeProcess();
    const runJob = vi.fn(async (job: Job) => processJob(job));
    expect(() =>
      runWorker({
        env: { INTERVAL_MS: 'often' },
        logger: captureLogger().logger,
        process: proc,
        runJob,
      }),
    ).toThrow(/INTERVAL_MS/);
    expect(runJob).not.toHaveBeenCalled();
    expect(proc.listenerCount('SIGTERM')).toBe(0);
  });
});
