import { z } from 'zod';

export const defaultIntervalMs = 1_000;

const envSchema = z.object({
  INTERVAL_MS: z.coerce.number().int().min(10).max(3_600_000).default(defaultIntervalMs),
});

export interface WorkerConfig {
  /** Pause between two jobs, in milliseconds. */
  intervalMs: number;
}

/** Reads the worker's settings from the environment; throws one readable error when invalid. */
export function loadConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const result = envSchema.safeParse({ INTERVAL_MS: blankToUndefined(env.INTERVAL_MS) });
  if (!result.success) {
    throw new Error(`invalid environment:\n${z.prettifyError(result.error)}`);
  }
  return { intervalMs: result.data.INTERVAL_MS };
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
