import { describe, expect, it } from 'vitest';
import { RetriesExhausted, retryTransient } from '../src/retry-transient.js';

const transient = (error: unknown) => (error as Error).message;

describe('retryTransient', () => {
  it('backs off exponentially and reports the attempts', async () => {
    const retries: string[] = [];
    let calls = 0;
    const result = await retryTransient(
      async () => {
        if (++calls < 3) throw new Error('503 Service Unavailable');
        return 'ok';
      },
      transient,
      {
        retries: 3,
        backoffMs: 2,
        onRetry: ({ attempt, maxAttempts, delayMs, reason }) =>
          retries.push(`${attempt}/${maxAttempts} in ${delayMs} ms: ${reason}`),
      },
    );
    expect(result).toEqual({ value: 'ok', attempts: 3 });
    expect(retries).toEqual([
      '2/4 in 2 ms: 503 Service Unavailable',
      '3/4 in 4 ms: 503 Service Unavailable',
    ]);
  });

  it('rethrows an error that is not transient at once', async () => {
    const refused = new Error('401 Unauthorized');
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw refused;
    };
    await expect(retryTransient(attempt, () => undefined, { backoffMs: 1 })).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it('gives up after the last retry with the reason and the number of attempts', async () => {
    const last = new Error('502 Bad Gateway');
    const attempt = async () => {
      throw last;
    };
    const error = await retryTransient(attempt, transient, { retries: 2, backoffMs: 1 }).catch(
      (error: unknown) => error,
    );
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect(error).toMatchObject({
      attempts: 3,
      reason: '502 Bad Gateway',
      message: '502 Bad Gateway (after 3 attempts)',
      cause: last,
    });
  });

  it('starts no new attempt once the time budget is spent, saying how long it took', async () => {
    let calls = 0;
    const attempt = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 60));
      throw new Error('503 Service Unavailable');
    };
    const error = await retryTransient(attempt, transient, {
      retries: 5,
      backoffMs: 1,
      budgetMs: 100,
    }).catch((error: unknown) => error);
    expect(error).toBeInstanceOf(RetriesExhausted);
    // The first attempt took 60 ms, the second ended past the 100 ms budget: no third.
    expect(calls).toBe(2);
    expect((error as RetriesExhausted).spentMs).toBeGreaterThanOrEqual(100);
  });

  it('ends the wait between attempts at once when aborted, with the signal reason', async () => {
    const controller = new AbortController();
    const reason = new Error('interrupted');
    const attempt = async () => {
      throw new Error('503 Service Unavailable');
    };
    const started = performance.now();
    const retried = retryTransient(attempt, transient, {
      backoffMs: 60_000,
      signal: controller.signal,
      onRetry: () => setTimeout(() => controller.abort(reason), 10),
    });
    await expect(retried).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
