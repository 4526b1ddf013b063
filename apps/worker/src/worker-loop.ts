import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@acme/logger';
import { createJob, processJob, type Job, type JobResult } from './jobs.js';

export type RunJob = (job: Job) => Promise<JobResult>;

export interface WorkerOptions {
  intervalMs: number;
  logger: Logger;
  /** Runs one job; the default simulates a little I/O, then processes it. */
  runJob?: RunJob;
}

export interface Worker {
  /** Stops taking jobs; resolves once the current job (if any) has finished. */
  stop(): Promise<void>;
  /** Resolves when the loop has ended. */
  readonly done: Promise<void>;
}

/** How long the default job runner pretends to wait for I/O. */
export const simulatedWorkMs = 50;

export const simulateJob: RunJob = async (job) => {
  await sleep(simulatedWorkMs);
  return processJob(job);
};

/** Starts the loop: run a job, log it, wait `intervalMs`, repeat until stopped. */
export function startWorker({ intervalMs, logger, runJob = simulateJob }: WorkerOptions): Worker {
  const pause = new AbortController();

  async function loop(): Promise<void> {
    logger.info({ intervalMs }, 'worker started');
    for (let sequence = 1; !pause.signal.aborted; sequence += 1) {
      const job = createJob(sequence);
      const started = performance.now();
      try {
        const result = await runJob(job);
        const durationMs = Math.round(performance.now() - started);
        logger.info({ job: job.id, kind: job.kind, output: result.output, durationMs }, 'job done');
      } catch (error) {
        logger.error({ job: job.id, kind: job.kind, err: error }, 'job failed');
      }
      await sleep(intervalMs, undefined, { signal: pause.signal }).catch(ignoreAbort);
    }
    logger.info('worker stopped');
  }

  const done = loop();
  return {
    done,
    stop() {
      pause.abort();
      return done;
    },
  };
}

function ignoreAbort(error: unknown): void {
  if (!(error instanceof Error && error.name === 'AbortError')) throw error;
}
