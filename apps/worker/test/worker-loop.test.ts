import { describe, expect, it, vi } from 'vitest';
import { processJob, type Job, type JobResult } from '../src/jobs.js';
import { simulateJob, startWorker } from '../src/worker-loop.js';
import { captureLogger } from './capture-logger.js';

/** A job runner whose jobs finish only when the test says so. */
function controlledRunner() {
  const started: Job[] = [];
  const finishers: (() => void)[] = [];
  const runJob = vi.fn(
    (job: Job) =>
      new Promise<JobResult>((resolve) => {
        started.push(job);
        finishers.push(() => resolve(processJob(job)));
      }),
  );
  const finishCurrent = () => finishers.shift()?.();
  return { runJob, started, finishCurrent };
}

describe('startWorker', () => {
  it('runs jobs one after another and logs each', async () => {
    const { logger, lines } = captureLogger();
    const runJob = vi.fn(async (job: Job) => processJob(job));
    const worker = startWorker({ intervalMs: 10, logger, runJob });

    await vi.waitFor(() => expect(runJob.mock.calls.length).toBeGreaterThanOrEqual(3));
    await worker.stop();

    const ids = runJob.mock.calls.map(([job]) => job.id);
    expect(ids.slice(0, 3)).toEqual(['job-1', 'job-2', 'job-3']);
    const done = lines.filter((line) => line.msg === 'job done');
    expect(done.map((line) => line.job)).toEqual(ids);
    expect(done[0]).toMatchObject({ kind: 'word-count', output: 9 });
    expect(lines.at(-1)?.msg).toBe('worker stopped');
  });

  it('on stop, finishes the current job and starts no other', async () => {
    const { logger, lines } = captureLogger();
    const { runJob, started, finishCurrent } = controlledRunner();
    const worker = startWorker({ intervalMs: 10, logger, runJob });
    await vi.waitFor(() => expect(started).toHaveLength(1));

    let stopped = false;
    const stopping = worker.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stopped).toBe(false);

    finishCurrent();
    await stopping;

    expect(runJob).toHaveBeenCalledTimes(1);
    expect(lines.filter((line) => line.msg === 'job done')).toEqual([
      expect.objectContaining({ job: 'job-1' }),
    ]);
  });

  it('stops at once while waiting for the next job', async () => {
    const { logger } = captureLogger();
    const runJob = vi.fn(async (job: Job) => processJob(job));
    const worker = startWorker({ intervalMs: 60_000, logger, runJob });
    await vi.waitFor(() => expect(runJob).toHaveBeenCalledTimes(1));

    const start = performance.now();
    await worker.stop();

    expect(performance.now() - start).toBeLessThan(100);
    expect(runJob).toHaveBeenCalledTimes(1);
  });

  it('logs a failed job and goes on with the next', async () => {
    const { logger, lines } = captureLogger();
    const runJob = vi.fn(async (job: Job) => {
      if (job.id === 'job-1') throw new Error('disk full');
      return processJob(job);
    });
    const worker = startWorker({ intervalMs: 10, logger, runJob });

    await vi.waitFor(() => expect(runJob.mock.calls.length).toBeGreaterThanOrEqual(2));
    await worker.stop();

    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'job failed',
        job: 'job-1',
        err: expect.objectContaining({ message: 'disk full' }),
      }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'job done', job: 'job-2' }));
  });
});

describe('simulateJob', () => {
  it('resolves with the processed job', async () => {
    const job = { id: 'x', kind: 'reverse', input: 'abc' } as const;
    await expect(simulateJob(job)).resolves.toEqual(processJob(job));
  });
});
