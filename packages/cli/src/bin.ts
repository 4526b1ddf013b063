#!/usr/bin/env node
import module from 'node:module';

// Node's on-disk cache of compiled modules (Node 22.1+): later runs skip most of the parsing.
module.enableCompileCache?.();
const { runCli } = await import('./run-cli.js');

// Ctrl-C or SIGTERM cancels the running builds; the CLI then exits 130.
// A second signal exits at once.
const controller = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write(`\n${signal}: cancelling the running builds…\n`);
  controller.abort(new Error(`interrupted by ${signal}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// A reader that stops early (`build-images plan --json | head`) closes the pipe: no stack
// trace. Builds in progress are cancelled as on Ctrl-C (nobody reads their outcome).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (!controller.signal.aborted) controller.abort(new Error('the output was closed'));
  });
}

process.exitCode = await runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  // A terminal too narrow to draw rows in (or a pty of unknown width) gets plain lines.
  isTTY: process.stdout.isTTY === true && (process.stdout.columns ?? 0) >= 40,
  signal: controller.signal,
});
