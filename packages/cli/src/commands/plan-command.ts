import { ExitCode } from '@build-images/core';
import { formatPlan, planJson } from '../format/plan-output.js';
import type { CommandContext } from './command-context.js';

/** `build-images plan`: what would be built and why; JSON with --json. */
export async function planCommand({ options, io, plan }: CommandContext): Promise<number> {
  const { run } = await plan({ digests: true, files: false, labels: false });
  io.stdout.write(options.json ? `${JSON.stringify(planJson(run), null, 2)}\n` : formatPlan(run));
  return ExitCode.ok;
}
