import { createLogger, type Logger } from '@acme/logger';

export type ShutdownSignal = 'SIGTERM' | 'SIGINT';

export type ShutdownHandler = (signal: ShutdownSignal) => Promise<void> | void;

/** The part of `process` that onShutdown uses; tests pass an EventEmitter with an `exit` method. */
export interface ShutdownProcess {
  on(event: ShutdownSignal, listener: () => void): unknown;
  off(event: ShutdownSignal, listener: () => void): unknown;
  exit(code: number): void;
}

export interface ShutdownOptions {
  /** Force the exit (code 1) when the handler has not finished after this long. Default 5000. */
  timeoutMs?: number;
  logger?: Logger;
  /** Default: the real `process`. */
  process?: ShutdownProcess;
}

export const defaultShutdownTimeoutMs = 5_000;

const shutdownSignals: readonly ShutdownSignal[] = ['SIGTERM', 'SIGINT'];

/** Processes that already have listeners installed, so a second call cannot double them. */
const installed = new WeakSet<ShutdownProcess>();

/**
 * Runs `handler` once on the first SIGTERM or SIGINT, then exits with code 0, or 1 when the
 * handler fails or does not finish within `timeoutMs`. Later signals are logged and ignored.
 * Returns a function that removes the signal listeners again.
 */
export function onShutdown(handler: ShutdownHandler, options: ShutdownOptions = {}): () => void {
  const proc = options.process ?? process;
  const timeoutMs = options.timeoutMs ?? defaultShutdownTimeoutMs;
  const logger = options.logger ?? createLogger('shutdown');
  if (installed.has(proc)) {
    throw new Error('onShutdown: shutdown handlers are already installed on this process');
  }
  installed.add(proc);

  let shuttingDown = false;
  const shutDown = (signal: ShutdownSignal): void => {
    if (shuttingDown) {
      logger.warn({ signal }, 'shutdown already in progress, ignoring signal');
      return;
    }
    shuttingDown = true;
    logger.info({ signal, timeoutMs }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ signal, timeoutMs }, 'shutdown timed out, forcing exit');
      proc.exit(1);
    }, timeoutMs);
    // The timer alone must not keep the process alive once the handler is done.
    timer.unref();
    Promise.resolve()
      .then(() => handler(signal))
      .then(
        () => {
          clearTimeout(timer);
          logger.info({ signal }, 'shutdown complete');
          proc.exit(0);
        },
        (error: unknown) => {
          clearTimeout(timer);
          logger.error({ signal, err: error }, 'shutdown failed');
          proc.exit(1);
        },
      );
  };

  const listeners = shutdownSignals.map((signal) => {
    const listener = () => shutDown(signal);
    proc.on(signal, listener);
    return { signal, listener };
  });
  return () => {
    for (const { signal, listener } of listeners) proc.off(signal, listener);
    installed.delete(proc);
  };
}
