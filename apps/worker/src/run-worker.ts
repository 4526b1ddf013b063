import type { Logger } from '@acme/logger';
import { onShutdown, type ShutdownProcess } from '@acme/shutdown';
import { loadConfig } from './config.js';
import { startWorker, type RunJob, type Worker } from './worker-loop.js';

export interface RunWorkerOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** The process whose SIGTERM/SIGINT stop the worker; tests pass a fake one. */
  process: ShutdownProcess;
  runJob?: RunJob;
}

/** Starts the loop with settings from `env` and stops it, then exits, on SIGTERM or SIGINT. */
export function runWorker({ env, logger, process, runJob }: RunWorkerOptions): Worker {
  const { intervalMs } = loadConfig(env);
  const worker = startWorker({ intervalMs, logger, runJob });
  onShutdown(() => worker.stop(), { logger, process });
  return worker;
}
