import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { createLogger } from '@acme/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { onShutdown } from '../src/index.js';

function fakeProcess() {
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  const exit = vi.fn((code: number) => resolveExit(code));
  return Object.assign(new EventEmitter(), { exit, exited });
}

function captureLogger() {
  const messages: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') messages.push((JSON.parse(line) as { msg: string }).msg);
      }
      callback();
    },
  });
  return { logger: createLogger('test', { level: 'info', destination }), messages };
}

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('onShutdown', () => {
  it('listens for SIGTERM and SIGINT, and the returned function removes the listeners', () => {
    const proc = fakeProcess();
    const dispose = onShutdown(async () => {}, { process: proc, logger: captureLogger().logger });
    expect(proc.listenerCount('SIGTERM')).toBe(1);
    expect(proc.listenerCount('SIGINT')).toBe(1);
    dispose();
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    expect(proc.listenerCount('SIGINT')).toBe(0);
  });

  it('refuses to install its listeners twice on the same process', () => {
    const proc = fakeProcess();
    const { logger } = captureLogger();
    const dispose = onShutdown(async () => {}, { process: proc, logger });
    expect(() => onShutdown(async () => {}, { process: proc, logger })).toThrow(
      /already installed/,
    );
    dispose();
    expect(() => onShutdown(async () => {}, { process: proc, logger })).not.toThrow();
  });

  it('runs the handler with the signal, logs, and exits with code 0', async () => {
    const proc = fakeProcess();
    const { logger, messages } = captureLogger();
    const handler = vi.fn(async () => {});
    onShutdown(handler, { process: proc, logger });

    proc.emit('SIGTERM');

    expect(await proc.exited).toBe(0);
    expect(handler).toHaveBeenCalledExactlyOnceWith('SIGTERM');
    expect(messages).toEqual(['shutting down', 'shutdown complete']);
  });

  it('passes SIGINT through to the handler', async () => {
    const proc = fakeProcess();
    const handler = vi.fn(async () => {});
    onShutdown(handler, { process: proc, logger: captureLogger().logger });

    proc.emit('SIGINT');

    expect(await proc.exited).toBe(0);
    expect(handler).toHaveBeenCalledExactlyOnceWith('SIGINT');
  });

  it('runs the handler only once when signals repeat', async () => {
    const proc = fakeProcess();
    const { logger, messages } = captureLogger();
    const gate = deferred();
    const handler = vi.fn(() => gate.promise);
    onShutdown(handler, { process: proc, logger });

    proc.emit('SIGTERM');
    proc.emit('SIGTERM');
    proc.emit('SIGINT');
    gate.resolve();

    expect(await proc.exited).toBe(0);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(proc.exit).toHaveBeenCalledTimes(1);
    expect(messages.filter((msg) => msg.startsWith('shutdown already in progress'))).toHaveLength(
      2,
    );
  });

  it('exits with code 1 when the handler rejects', async () => {
    const proc = fakeProcess();
    const { logger, messages } = captureLogger();
    onShutdown(async () => Promise.reject(new Error('close failed')), { process: proc, logger });

    proc.emit('SIGTERM');

    expect(await proc.exited).toBe(1);
    expect(messages).toContain('shutdown failed');
  });

  it('exits with code 1 when the handler throws synchronously', async () => {
    const proc = fakeProcess();
    onShutdown(
      () => {
        throw new Error('boom');
      },
      { process: proc, logger: captureLogger().logger },
    );

    proc.emit('SIGINT');

    expect(await proc.exited).toBe(1);
  });

  it('forces exit code 1 after the default timeout of 5 s', async () => {
    vi.useFakeTimers();
    const proc = fakeProcess();
    const { logger, messages } = captureLogger();
    onShutdown(() => new Promise<void>(() => {}), { process: proc, logger });

    proc.emit('SIGTERM');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(proc.exit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);

    expect(proc.exit).toHaveBeenCalledExactlyOnceWith(1);
    expect(messages).toContain('shutdown timed out, forcing exit');
  });

  it('honours a custom timeout', async () => {
    vi.useFakeTimers();
    const proc = fakeProcess();
    onShutdown(() => new Promise<void>(() => {}), {
      process: proc,
      logger: captureLogger().logger,
      timeoutMs: 200,
    });

    proc.emit('SIGTERM');
    await vi.advanceTimersByTimeAsync(200);

    expect(proc.exit).toHaveBeenCalledExactlyOnceWith(1);
  });

  it('clears the timeout once the handler is done', async () => {
    vi.useFakeTimers();
    const proc = fakeProcess();
    onShutdown(async () => {}, { process: proc, logger: captureLogger().logger, timeoutMs: 100 });

    proc.emit('SIGTERM');
    await vi.advanceTimersByTimeAsync(1_000);

    expect(proc.exit).toHaveBeenCalledExactlyOnceWith(0);
  });

  it('does not let the timeout timer keep the process alive', () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const proc = fakeProcess();
    onShutdown(() => new Promise<void>(() => {}), {
      process: proc,
      logger: captureLogger().logger,
    });

    proc.emit('SIGTERM');

    const timer = setTimeoutSpy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    clearTimeout(timer);
  });
});
