import { identifyImages, planRun, type RunInputs, type RunPlan } from '@build-images/core';
import { readImageFiles, readRunInputs, readToolConfig } from '@build-images/workspace';
import type { CliOptions } from './cli-options.js';

export interface ComputedRun {
  run: RunPlan;
  inputs: RunInputs;
}

/**
 * The facade every command plans through: read (workspace), plan (core, pure), read the
 * selected images' files, identify (core, pure).
 */
export async function computeRunPlan(
  root: string,
  config: Awaited<ReturnType<typeof readToolConfig>>,
  options: CliOptions,
  env: NodeJS.ProcessEnv,
  want: { digests: boolean; files: boolean; labels: boolean },
  /** Called once the workspace is read, before planning can fail: for its warnings. */
  onRead: (inputs: RunInputs) => void = () => {},
): Promise<ComputedRun> {
  const uses = (name: string) => options.tagTemplates.some((tag) => tag.includes(`{${name}}`));
  const inputs = await readRunInputs(root, {
    config,
    dockerfilePath: options.dockerfile,
    changed: options.changed,
    fallbackToAll: options.changedFallback === 'all',
    source: {
      revision: want.labels || uses('sha') || uses('shortSha'),
      branch: uses('branch'),
      remote: want.labels,
      date: uses('date'),
    },
    env,
  });
  onRead(inputs);
  const runOptions = { ...options, wantDigests: want.digests };
  const draft = planRun(root, inputs, runOptions);
  const hash = want.digests || uses('digest');
  const files =
    want.files || hash ? await readImageFiles(root, draft, hash) : { packages: {}, rootFiles: [] };
  return { run: identifyImages(draft, files, inputs.source, runOptions), inputs };
}
