import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@acme/logger';

export interface LogLine {
  msg: string;
  [key: string]: unknown;
}

/** A real @acme/logger logger whose JSON lines are kept in `lines` instead of printed. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as LogLine);
      }
      callback();
    },
  });
  return { logger: createLogger('worker', { level: 'info', destination }), lines };
}
