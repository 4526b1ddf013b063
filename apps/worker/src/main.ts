import { createLogger } from '@acme/logger';
import { runWorker } from './run-worker.js';

const logger = createLogger('worker');

try {
  runWorker({ env: process.env, logger, process });
} catch (error) {
  logger.fatal({ err: error }, 'worker failed to start');
  process.exitCode = 1;
}
