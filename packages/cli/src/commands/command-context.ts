import type { readToolConfig } from '@build-images/workspace';
import type { CliOptions } from '../cli-options.js';
import type { ComputedRun } from '../compute-run-plan.js';
import type { CliIo } from '../run-cli.js';

/** What every command gets: the workspace root, its config, the parsed options, and the planner. */
export interface CommandContext {
  root: string;
  config: Awaited<ReturnType<typeof readToolConfig>>;
  options: CliOptions;
  io: CliIo;
  /** Plans the run (printing --explain when asked), reading only what `want` says is needed. */
  plan(want: { digests: boolean; files: boolean; labels: boolean }): Promise<ComputedRun>;
}
