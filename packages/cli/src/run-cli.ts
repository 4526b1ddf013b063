import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Writable } from 'node:stream';
import {
  ExitCode,
  exitCodeForError,
  isBuildImagesError,
  BuildImagesError,
} from '@build-images/core';
import { findWorkspaceRoot, readToolConfig } from '@build-images/workspace';
import { parseCliOptions, renderHelp, type CliOptions, type CommandName } from './cli-options.js';
import type { CommandContext } from './commands/command-context.js';
import { planCommand } from './commands/plan-command.js';
import { computeRunPlan } from './compute-run-plan.js';
import { formatExplain, formatProblems, formatWarnings } from './format/plan-output.js';

const commandHandlers: Record<CommandName, (context: CommandContext) => Promise<number>> = {
  // Loaded only to build: the engine client, BuildKit's protobufs and the terminal UI are most
  // of the CLI's start-up, and plan and generate need none of them.
  build: async (context) => (await import('./commands/build-command.js')).buildCommand(context),
  plan: planCommand,
  // Loaded only to generate: its file writing and diffing (the diff library) plan does not need.
  generate: async (context) =>
    (await import('./commands/generate-command.js')).generateCommand(context),
};

export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: Writable;
  stderr: Writable;
  /** Whether stdout is an interactive terminal (the listr2 view is used only then). */
  isTTY: boolean;
  /** Aborted on SIGINT/SIGTERM: running builds are cancelled. */
  signal?: AbortSignal;
  /** Where --password-stdin reads from (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

function version(): string {
  const manifest = createRequire(import.meta.url)('../package.json') as { version: string };
  return manifest.version;
}

/** Runs the CLI and returns its exit code; the only place errors become exit codes. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (isBuildImagesError(error)) {
      io.stderr.write(formatError(error));
      return exitCodeForError(error);
    }
    const fsError = fileSystemError(error, io.cwd);
    if (fsError) {
      io.stderr.write(formatError(fsError));
      return exitCodeForError(fsError);
    }
    io.stderr.write(
      `build-images: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return ExitCode.buildFailed;
  }
}

/**
 * `--changed main` (a space, not `=`) reads `main` as an app name: when such a name is
 * unknown, the error says how to give the ref.
 */
function withChangedHint(error: unknown, options: CliOptions): unknown {
  if (!isBuildImagesError(error) || error.code !== 'APP_NOT_FOUND' || options.changed !== '')
    return error;
  const name = options.apps.find((app) => error.message.includes(`"${app}"`));
  if (name === undefined) return error;
  return new BuildImagesError(
    'APP_NOT_FOUND',
    `${error.message}; did you mean --changed=${name}?`,
    {
      hint: `--changed takes its ref after "=" (--changed=${name}); a word after a bare --changed is an app name. ${error.hint ?? ''}`.trim(),
    },
  );
}

export function formatError(error: BuildImagesError): string {
  const lines = [`error: ${error.message}`, ...error.details.map((detail) => `  - ${detail}`)];
  if (error.hint) lines.push(`hint: ${error.hint}`);
  return `${lines.join('\n')}\n`;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const early = parseCliOptions(argv, io.env);
  if (early.help) {
    io.stdout.write(renderHelp(version()));
    return ExitCode.ok;
  }
  if (early.version) {
    io.stdout.write(`${version()}\n`);
    return ExitCode.ok;
  }
  const start = path.resolve(io.cwd, early.cwd ?? '.');
  if (early.cwd !== undefined && !existsSync(start))
    throw new BuildImagesError(
      'USAGE',
      `--cwd ${early.cwd}: there is no such directory (${start})`,
      {
        hint: 'Pass the directory of the workspace, or of a package in it.',
      },
    );
  const root = await findWorkspaceRoot(start);
  const config = await readToolConfig(root);
  const options = parseCliOptions(argv, io.env, config.config);
  const context: CommandContext = {
    root,
    config,
    options,
    io,
    async plan(want) {
      // The workspace's warnings first, so that they show even when planning fails.
      const computed = await computeRunPlan(root, config, options, io.env, want, (inputs) =>
        io.stderr.write(formatWarnings(inputs.workspace.warnings)),
      ).catch((error: unknown) => {
        throw withChangedHint(error, options);
      });
      const read = new Set(computed.inputs.workspace.warnings);
      io.stderr.write(
        formatWarnings(computed.run.warnings.filter((warning) => !read.has(warning))),
      );
      if (computed.inputs.dockerfile.note)
        io.stderr.write(`note: ${computed.inputs.dockerfile.note}\n`);
      if (options.command !== 'build') io.stderr.write(formatProblems(computed.run));
      if (options.explain) io.stderr.write(formatExplain(computed.run));
      return computed;
    },
  };
  return commandHandlers[options.command](context);
}

/** What the file system refused, by Node's error code: said about the path, with the fix. */
const fileSystemProblems: Record<string, { what: string; hint: string }> = {
  EACCES: {
    what: 'permission denied',
    hint: 'Make it readable (and, for generate, writable) by the user running build-images, or keep it out of the packages.',
  },
  EPERM: {
    what: 'operation not permitted',
    hint: 'Make it readable (and, for generate, writable) by the user running build-images.',
  },
  EISDIR: {
    what: 'a directory where a file was expected',
    hint: 'If it is the --dockerfile path (or "dockerfile" in the config), name a file, e.g. docker/Dockerfile.',
  },
  ENOTDIR: {
    what: 'a part of the path is a file, not a directory',
    hint: 'If it is the --dockerfile path (or "dockerfile" in the config), put it in a folder that is one.',
  },
  EROFS: {
    what: 'a read-only file system',
    hint: 'Run generate where the checkout can be written.',
  },
  ENOSPC: { what: 'no space left on the device', hint: 'Free some space and run it again.' },
  ELOOP: { what: 'too many levels of symbolic links', hint: 'Fix the link loop at that path.' },
};

/** A file-system error of a path (not a bug): a usage error that names the path. */
function fileSystemError(error: unknown, cwd: string): BuildImagesError | undefined {
  const { code, path: file, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  const problem = code === undefined ? undefined : fileSystemProblems[code];
  if (problem === undefined || typeof file !== 'string') return undefined;
  const shown = path.relative(cwd, file) || file;
  return new BuildImagesError(
    'USAGE',
    `${shown.startsWith('..') ? file : shown}: ${problem.what} (${syscall ?? 'access'}, ${code})`,
    { hint: problem.hint, cause: error },
  );
}
