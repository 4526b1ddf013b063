import { setTimeout as sleep } from 'node:timers/promises';

/** Refusals: retrying cannot help, and a push to a registry that refuses takes long (see ENGINE-NOTES). */
const authFailure =
  /\b(?:401|403)\b|unauthori[sz]ed|denied|forbidden|authentication required|no basic auth credentials|incorrect username or password/i;

/** Failures a later attempt may not see: 5xx, 429, timeouts, dropped and refused connections, EOF. */
const transientFailure = new RegExp(
  [
    String.raw`\b5\d\d (?:Service Unavailable|Internal Server Error|Bad Gateway|Gateway Time-?out)\b`,
    String.raw`unexpected (?:HTTP )?status(?: code)?:? 5\d\d\b`,
    String.raw`status(?: code)?:? 5\d\d\b`,
    String.raw`\b429\b|too many requests`,
    String.raw`timeout|timed out|deadline exceeded`,
    String.raw`connection reset|ECONNRESET|connection refused|ECONNREFUSED|broken pipe|EPIPE|ETIMEDOUT|EAI_AGAIN|socket hang up`,
    String.raw`\bEOF\b`,
    String.raw`service unavailable|bad gateway`,
  ].join('|'),
  'i',
);

/** Whether a registry error text means the credentials or the permissions were refused. */
export function isRegistryAuthFailure(text: string): boolean {
  return authFailure.test(text);
}

/** Whether a registry error text is worth another attempt; refusals never are. */
export function isTransientRegistryFailure(text: string): boolean {
  if (isRegistryAuthFailure(text)) return false;
  if (transientFailure.test(text)) return true;
  // The containerd image store reports a registry error by the message of its JSON body only
  // ("error from registry: <message>"), without the status: what is not one of the registry
  // API's refusals (4xx) is taken for a server failure, and retried within the bounds.
  const fromRegistry = /error from registry: (.*)/is.exec(text);
  return fromRegistry !== null && !registryRefusal.test(fromRegistry[1]!);
}

/** The messages of the registry API's 4xx error codes (distribution spec): retrying cannot help. */
const registryRefusal =
  /blob unknown|blob upload (?:invalid|unknown)|digest (?:invalid|did not match)|manifest (?:invalid|unknown|blob unknown)|invalid (?:repository name|tag|manifest)|name (?:invalid|unknown)|not known to registry|length did not match|size invalid|unsupported|pagination number invalid|range invalid/i;

export interface RetryOptions {
  /** Attempts after the first one; default 3 (so at most 4 attempts). */
  retries?: number;
  /** The wait before the first retry, doubled for each further one; default 500 ms. */
  backoffMs?: number;
  /**
   * No new attempt once this long has passed since the first one began (ms); default none. An
   * operation the engine already retried itself for that long is not worth another round.
   */
  budgetMs?: number;
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log "retrying push (2/4) in 1000 ms: 503 Service Unavailable". */
  onRetry?: (retry: {
    attempt: number;
    maxAttempts: number;
    delayMs: number;
    reason: string;
  }) => void;
}

/** What the last attempt of a transient failure threw, with how many attempts were made. */
export class RetriesExhausted extends Error {
  override readonly name = 'RetriesExhausted';
  /** Set when the time budget, not the number of attempts, ended the retries. */
  readonly spentMs: number | undefined;
  constructor(
    readonly attempts: number,
    readonly reason: string,
    options: { cause: unknown; spentMs?: number },
  ) {
    super(`${reason} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`, {
      cause: options.cause,
    });
    this.spentMs = options.spentMs;
  }
}

/**
 * Runs `attempt` until it resolves, retrying with exponential backoff while `transientReason`
 * returns a reason for the error it threw. Any other error is rethrown at once; the last
 * transient one comes back wrapped in `RetriesExhausted`. An abort ends the waiting at once.
 */
export async function retryTransient<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  transientReason: (error: unknown) => string | undefined,
  options: RetryOptions = {},
): Promise<{ value: T; attempts: number }> {
  const maxAttempts = Math.max(0, options.retries ?? 3) + 1;
  const backoffMs = options.backoffMs ?? 500;
  const started = performance.now();
  for (let attemptNumber = 1; ; attemptNumber++) {
    options.signal?.throwIfAborted();
    try {
      return { value: await attempt(attemptNumber), attempts: attemptNumber };
    } catch (error) {
      options.signal?.throwIfAborted();
      const reason = transientReason(error);
      if (reason === undefined) throw error;
      const delayMs = backoffMs * 2 ** (attemptNumber - 1);
      const spent = performance.now() - started;
      if (attemptNumber >= maxAttempts)
        throw new RetriesExhausted(attemptNumber, reason, { cause: error });
      if (options.budgetMs !== undefined && spent + delayMs > options.budgetMs)
        throw new RetriesExhausted(attemptNumber, reason, {
          cause: error,
          spentMs: spent,
        });
      options.onRetry?.({ attempt: attemptNumber + 1, maxAttempts, delayMs, reason });
      // An abort rejects the wait with an AbortError; rethrow the signal's reason, as the builder does.
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : {}).catch(() =>
        options.signal?.throwIfAborted(),
      );
    }
  }
}
