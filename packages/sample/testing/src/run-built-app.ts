import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface LogLine {
  msg?: string;
  port?: number;
  [key: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  elapsedMs: number;
}

export interface BuiltApp {
  /** Resolves with the first log line (parsed JSON from stdout) that matches. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with how the process exited on its own; rejects if it takes too long. */
  waitForExit(timeoutMs?: number): Promise<Exit>;
  /** Sends SIGTERM and resolves with how the process exited; rejects if it takes too long. */
  terminate(timeoutMs?: number): Promise<Exit>;
  /** Kills the process if it is still running (for cleanup after a failed test). */
  kill(): void;
}

/**
 * Starts `node dist/main.js` of an app directory, like its container does, on a free port
 * (PORT=0); `cwd` defaults to the app directory.
 */
export function startBuiltApp(
  appDir: string,
  env: Record<string, string> = {},
  cwd = appDir,
): BuiltApp {
  const main = join(appDir, 'dist', 'main.js');
  if (!existsSync(main)) {
    throw new Error(`${main} does not exist: build the app first (pnpm --filter "@acme/*" build)`);
  }
  const child = spawn(process.execPath, [main], {
    cwd,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let exit: Omit<Exit, 'elapsedMs'> | undefined;

  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      lines.push({ msg: text });
    }
    for (const listener of listeners) listener();
  });
  child.once('exit', (code, signal) => {
    exit = { code, signal };
    for (const listener of listeners) listener();
  });

  const describeOutput = () =>
    `stdout:\n${lines.map((line) => JSON.stringify(line)).join('\n')}\nstderr:\n${stderr}`;

  function waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        listeners.delete(onChange);
      };
      const onChange = () => {
        const value = check();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (exit !== undefined) {
          done();
          reject(
            new Error(
              `the app exited (${JSON.stringify(exit)}) before ${what}\n${describeOutput()}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describeOutput()}`),
        );
      }, timeoutMs);
      listeners.add(onChange);
      onChange();
    });
  }

  return {
    waitForLog: (predicate, timeoutMs = 10_000) =>
      waitFor(() => lines.find(predicate), timeoutMs, 'a matching log line'),
    async waitForExit(timeoutMs = 10_000) {
      const start = performance.now();
      const result = await waitFor(() => exit, timeoutMs, 'the exit');
      return { ...result, elapsedMs: performance.now() - start };
    },
    async terminate(timeoutMs = 2_000) {
      const start = performance.now();
      child.kill('SIGTERM');
      try {
        const result = await waitFor(() => exit, timeoutMs, 'the exit after SIGTERM');
        return { ...result, elapsedMs: performance.now() - start };
      } finally {
        if (exit === undefined) child.kill('SIGKILL');
      }
    },
    kill() {
      if (exit === undefined) child.kill('SIGKILL');
    },
  };
}
