import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const defaultLogLevel = 'info';

export interface LoggerOptions {
  /** Minimum level to log; defaults to the LOG_LEVEL environment variable, then 'info'. */
  level?: string;
  /** Where JSON lines go; defaults to stdout (synchronous writes, so nothing is lost on exit). */
  destination?: DestinationStream;
}

/** Reads the log level from an environment, defaulting to 'info'; rejects unknown levels. */
export function resolveLogLevel(env: NodeJS.ProcessEnv = process.env): string {
  const level = env.LOG_LEVEL?.trim().toLowerCase() || defaultLogLevel;
  if (level !== 'silent' && !(level in pino.levels.values)) {
    const known = [...Object.keys(pino.levels.values), 'silent'].join(', ');
    throw new Error(`LOG_LEVEL must be one of ${known}, got ${JSON.stringify(env.LOG_LEVEL)}`);
  }
  return level;
}

/** A pino logger that writes one JSON object per line, tagged with `name`. */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? resolveLogLevel();
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino({ name, level }, destination);
}
