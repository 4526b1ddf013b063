import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * The built CLI (`pnpm build` first). Found by its place in the repository: depending on the
 * CLI package instead would make a cycle, since the CLI's tests depend on these helpers.
 */
export const binPath = path.resolve(import.meta.dirname, '../../cli/dist/bin.js');

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `build-images` bin as a user would, in its own process. */
export function runBin(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string },
): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
