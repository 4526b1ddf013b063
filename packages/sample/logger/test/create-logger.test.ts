import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, resolveLogLevel } from '../src/index.js';

function captureLines(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

describe('resolveLogLevel', () => {
  it('defaults to info', () => {
    expect(resolveLogLevel({})).toBe('info');
    expect(resolveLogLevel({ LOG_LEVEL: '' })).toBe('info');
  });

  it('reads LOG_LEVEL, case-insensitively', () => {
    expect(resolveLogLevel({ LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(resolveLogLevel({ LOG_LEVEL: 'silent' })).toBe('silent');
  });

  it('rejects an unknown level with a clear message', () => {
    expect(() => resolveLogLevel({ LOG_LEVEL: 'loud' })).toThrow(
      /LOG_LEVEL must be one of .*"loud"/,
    );
  });
});

describe('createLogger', () => {
  it('writes JSON lines tagged with the name', () => {
    const { stream, lines } = captureLines();
    const logger = createLogger('api', { level: 'info', destination: stream });
    logger.info({ jobId: 7 }, 'hello');
    expect(lines()).toEqual([
      expect.objectContaining({ name: 'api', level: 30, msg: 'hello', jobId: 7 }),
    ]);
  });

  it('drops messages below the level', () => {
    const { stream, lines } = captureLines();
    const logger = createLogger('worker', { level: 'warn', destination: stream });
    logger.info('ignored');
    logger.warn('kept');
    expect(lines().map((line) => line.msg)).toEqual(['kept']);
  });

  it('takes the level from LOG_LEVEL by default', () => {
    const previous = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'error';
    try {
      const { stream } = captureLines();
      expect(createLogger('web', { destination: stream }).level).toBe('error');
    } finally {
      if (previous === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = previous;
    }
  });
});
