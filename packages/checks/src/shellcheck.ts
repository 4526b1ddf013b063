import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { effectiveShell } from './check-dockerfile.js';
import {
  argDeclarations,
  envDeclarations,
  parseDockerfile,
  stageChain,
  type InstructionBody,
  type Stage,
} from './dockerfile-model.js';

export interface ShellcheckFinding {
  /** `SC2086`, … */
  rule: string;
  /** One-based line in the Dockerfile. */
  line: number;
  /** One-based column in that line. */
  column: number;
  level: 'error' | 'warning' | 'info' | 'style';
  message: string;
}

export interface ShellcheckOptions {
  /** The shellcheck executable (default: `shellcheck` on PATH). */
  shellcheck?: string;
}

interface ShellcheckComment {
  file: string;
  line: number;
  column: number;
  level: ShellcheckFinding['level'];
  code: number;
  message: string;
}

interface Script {
  file: string;
  body: InstructionBody;
  runLine: number;
  /** Variables the stage declares with ARG or ENV: not "referenced but not assigned". */
  declared: Set<string>;
}

/** shellcheck counts a tab as up to the next multiple of 8 columns. */
const tabWidth = 8;

/**
 * Runs shellcheck on the script of every shell-form RUN: the continuation lines joined and the
 * `--mount=…` (and other) flags removed, as Docker hands it to the shell. Each script is written to
 * a temporary file with a `#!/bin/sh` line (`#!/bin/bash` when the SHELL in effect is bash) and
 * checked with `shellcheck -f json`; every finding is mapped back to its Dockerfile line and column.
 *
 * Skipped: exec-form RUNs, here-documents, and RUNs under a SHELL that is not a POSIX shell.
 * SC2154 ("referenced but not assigned") is dropped for variables the stage declares with ARG/ENV.
 * Throws when shellcheck is not installed.
 */
export async function shellcheckRunBodies(
  text: string,
  options: ShellcheckOptions = {},
): Promise<ShellcheckFinding[]> {
  const executable = options.shellcheck ?? 'shellcheck';
  await ensureShellcheck(executable);
  const model = parseDockerfile(text);
  const dir = await mkdtemp(path.join(tmpdir(), 'build-images-shellcheck-'));
  try {
    const scripts: Script[] = [];
    for (const stage of model.stages) {
      for (const run of stage.instructions) {
        if (run.keyword !== 'RUN' || run.exec !== undefined || run.body.text === '') continue;
        if (/^<<-?\s*["']?[A-Za-z_]/.test(run.body.text)) continue;
        const shell = effectiveShell(stage, run);
        const interpreter = shellInterpreter(shell);
        if (!interpreter) continue;
        const file = path.join(dir, `run-line-${run.line}.sh`);
        await writeFile(file, `#!${interpreter}\n${run.body.text}\n`);
        scripts.push({
          file,
          body: run.body,
          runLine: run.line,
          declared: declaredVariables(stage, model.globalArgs),
        });
      }
    }
    if (scripts.length === 0) return [];
    const comments = await runShellcheck(
      executable,
      scripts.map((script) => script.file),
    );
    const findings: ShellcheckFinding[] = [];
    for (const comment of comments) {
      const script = scripts.find((s) => s.file === comment.file);
      if (!script) continue;
      if (comment.code === 2154) {
        const variable = /^(\S+) is referenced but not assigned/.exec(comment.message)?.[1];
        if (variable && script.declared.has(variable)) continue;
      }
      const place = mapPosition(script, comment.line, comment.column);
      findings.push({
        rule: `SC${comment.code}`,
        line: place.line,
        column: place.column,
        level: comment.level,
        message: comment.message,
      });
    }
    return findings.sort(
      (a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `#!/bin/sh` for the default shell and sh-like ones, `#!/bin/bash` for bash; undefined for other shells. */
function shellInterpreter(shell: string[] | undefined): string | undefined {
  if (!shell) return '/bin/sh';
  const name = path.posix.basename(shell[0] ?? '');
  if (name === 'sh' || name === 'dash' || name === 'ash') return '/bin/sh';
  if (name === 'bash') return '/bin/bash';
  if (name === 'ksh' || name === 'mksh') return '/bin/ksh';
  return undefined;
}

function declaredVariables(
  stage: Stage,
  globalArgs: ReadonlyMap<string, string | undefined>,
): Set<string> {
  const names = new Set<string>(globalArgs.keys());
  for (const current of stageChain(stage)) {
    for (const instruction of current.instructions) {
      if (instruction.keyword === 'ARG')
        for (const [name] of argDeclarations(instruction.body.text)) names.add(name);
      if (instruction.keyword === 'ENV')
        for (const [name] of envDeclarations(instruction.body.text)) names.add(name);
    }
  }
  return names;
}

/** Maps a line and column of the script file (line 1 is the `#!` line) to the Dockerfile's, one-based. */
function mapPosition(
  script: Script,
  line: number,
  column: number,
): { line: number; column: number } {
  const lines = script.body.text.split('\n');
  const bodyLine = line - 2;
  if (bodyLine < 0 || bodyLine >= lines.length) return { line: script.runLine, column: 1 };
  let offset = 0;
  for (let i = 0; i < bodyLine; i++) offset += lines[i]!.length + 1;
  const content = lines[bodyLine]!;
  let visual = 1;
  let index = 0;
  while (index < content.length && visual < column) {
    visual =
      content[index] === '\t' ? Math.floor((visual - 1) / tabWidth + 1) * tabWidth + 1 : visual + 1;
    index++;
  }
  const source = script.body.chars[Math.min(offset + index, script.body.chars.length - 1)];
  return source
    ? { line: source.line + 1, column: source.column + 1 }
    : { line: script.runLine, column: 1 };
}

async function ensureShellcheck(executable: string): Promise<void> {
  try {
    await execFileText(executable, ['--version']);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason =
      code === 'ENOENT'
        ? 'it is not installed'
        : error instanceof Error
          ? error.message
          : String(error);
    throw new Error(
      `shellcheck cannot run (${executable}): ${reason}. Install it, e.g. apt-get install -y shellcheck`,
      { cause: error },
    );
  }
}

async function runShellcheck(executable: string, files: string[]): Promise<ShellcheckComment[]> {
  // Exit 0: nothing found, 1: findings; anything else is shellcheck failing.
  const { stdout, stderr, code } = await execFileText(executable, ['-f', 'json', ...files], [0, 1]);
  try {
    return JSON.parse(stdout) as ShellcheckComment[];
  } catch {
    throw new Error(
      `shellcheck exited with ${code} without JSON output: ${stderr.trim() || stdout.trim()}`,
    );
  }
}

function execFileText(
  file: string,
  args: string[],
  okCodes: number[] = [0],
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : undefined) : 0;
      if (code !== undefined && okCodes.includes(code)) resolve({ stdout, stderr, code });
      else reject(Object.assign(error ?? new Error(`${file} failed`), { stderr }));
    });
  });
}
