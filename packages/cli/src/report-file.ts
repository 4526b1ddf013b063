import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BuildImagesError } from '@build-images/core';
import type { CliIo } from './run-cli.js';
import { reportMarker } from './render-report.js';

export function reportTitle(root: string): string {
  return `build-images report: ${path.basename(root)}`;
}

/**
 * The absolute path of the --report file (relative to the process's working directory, not
 * --cwd), after checking that what is there, if anything, is an earlier report: another file
 * of the user's is never overwritten.
 */
export async function reportFile(io: CliIo, report: string): Promise<string> {
  const file = path.resolve(io.cwd, report);
  const refuse = (what: string) =>
    new BuildImagesError('USAGE', `--report ${report}: ${file} ${what}; it was left as it is`, {
      hint: 'build-images only overwrites its own earlier reports: pass --report another path, or move that file away.',
    });
  let head: string;
  try {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(1024), 0, 1024, 0);
      head = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return file;
    if (code === 'EISDIR') throw refuse('is a directory');
    throw new BuildImagesError(
      'USAGE',
      `--report ${report}: cannot read ${file} (${code ?? String(error)})`,
      { hint: 'Pass --report a path you can write.', cause: error },
    );
  }
  if (!head.includes(reportMarker)) throw refuse('exists and is not a build-images report');
  return file;
}

/** Writes the report (making its directories), checking the target again: the build took a while. */
export async function writeReport(io: CliIo, report: string, html: string): Promise<void> {
  const file = await reportFile(io, report);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, html);
    await rename(temporary, file);
  } catch (error) {
    throw new BuildImagesError(
      'USAGE',
      `--report ${report}: cannot write ${file} (${(error as { code?: string }).code ?? String(error)})`,
      {
        hint: 'Pass --report a path in a directory you can write.',
        cause: error,
      },
    );
  }
  io.stderr.write(`wrote report ${report}\n`);
}
