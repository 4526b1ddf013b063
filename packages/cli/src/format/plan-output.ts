import { appPackageStages, type RunPlan, type WorkspaceWarning } from '@build-images/core';

export function describeChange(run: RunPlan): string {
  const change = run.change;
  if (change === undefined) return 'no --changed';
  if ('fallback' in change) return `base unavailable, every app selected (${change.fallback})`;
  return `${change.files} changed file${change.files === 1 ? '' : 's'} since ${change.baseRef} (merge base ${change.mergeBase.slice(0, 12)}) affect no app`;
}

export function planJson(run: RunPlan) {
  const { plan } = run;
  const selectedImages = run.selected.map((name) => {
    const app = plan.apps.find((candidate) => candidate.name === name);
    const image = plan.combined.find((candidate) => candidate.name === name);
    return { name, dir: app?.dir ?? null, tags: app?.tags ?? image?.tags ?? [] };
  });
  return {
    dockerfile: plan.dockerfilePath,
    baseImage: run.baseImage,
    warnings: run.warnings,
    pnpm: plan.pnpm,
    node: plan.node,
    change: run.change ?? null,
    combined: plan.combined.map((image) => ({
      name: image.name,
      apps: image.apps,
      target: image.name,
      selected: run.selected.includes(image.name),
      reasons: run.selections.find((entry) => entry.app === image.name)?.reasons ?? [],
      digest: run.digests[image.name] ?? null,
      tags: image.tags,
    })),
    apps: plan.apps.map((app) => {
      const selection = run.selections.find((entry) => entry.app === app.name);
      return {
        name: app.name,
        package: app.packageName,
        dir: app.dir,
        kind: app.kind,
        target: app.name,
        devTarget: `${app.name}-dev`,
        selected: run.selected.includes(app.name),
        reasons: selection?.reasons ?? [],
        digest: run.digests[app.name] ?? null,
        tags: app.tags,
        packages: app.packages
          .filter((pkg) => pkg.name !== app.packageName)
          .map((pkg) => ({ name: pkg.name, dir: pkg.dir })),
        buildInputs: app.buildInputs,
        // The build closure: the app and its production workspace packages, built in this order.
        production: app.production.map((pkg) => pkg.name),
        built: app.built.map((pkg) => pkg.name),
        // The Dockerfile stages that compile its workspace packages, shared with other apps.
        packageStages: appPackageStages(run.plan, app).map((stage) => stage.stage),
        ...(app.nextOutput === undefined ? {} : { nextOutput: app.nextOutput }),
        port: app.port ?? null,
        healthPath: app.healthPath ?? null,
        command: app.command,
        commandFrom: app.detection.commandSource,
        detectedBecause: app.detection.reasons,
      };
    }),
    needsConfig: plan.needsConfig,
    // Ready for a GitHub Actions matrix: strategy.matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}
    matrix: {
      include: selectedImages.map((image) => ({
        app: image.name,
        target: image.name,
        dir: image.dir,
        tags: image.tags.join(','),
      })),
    },
  };
}

export function formatPlan(run: RunPlan): string {
  const { plan } = run;
  const lines = [
    `base image: ${run.baseImage}`,
    `node ${plan.node.major} (${plan.node.source}), pnpm ${plan.pnpm.version} (${plan.pnpm.source})`,
  ];
  if (run.change)
    lines.push(
      `change: ${'fallback' in run.change ? run.change.fallback : `${run.change.files} files since ${run.change.baseRef} (${run.change.mergeBase.slice(0, 12)})`}`,
    );
  for (const app of plan.apps) {
    const mark = run.selected.includes(app.name) ? '*' : ' ';
    const deps = app.packages.filter((pkg) => pkg.name !== app.packageName).map((pkg) => pkg.name);
    lines.push(
      `${mark} ${app.name} (${app.packageName}, ${app.dir}${app.kind === 'node' ? '' : `, ${app.kind}`}) → ${app.tags.join(', ')}`,
    );
    lines.push(`    packages: ${deps.length > 0 ? deps.join(', ') : '(none)'}`);
    lines.push(`    app because: ${app.detection.reasons.join('; ')}`);
    lines.push(`    runs: ${app.command.join(' ')} (from ${app.detection.commandSource})`);
    if (app.buildInputs.length > 0) lines.push(`    build inputs: ${app.buildInputs.join(', ')}`);
    if (app.nativeAddons.length > 0)
      lines.push(`    native addons (compiled at install): ${app.nativeAddons.join(', ')}`);
    const digest = run.digests[app.name];
    if (digest) lines.push(`    digest: ${digest}`);
  }
  for (const image of plan.combined) {
    const mark = run.selected.includes(image.name) ? '*' : ' ';
    lines.push(
      `${mark} ${image.name} (combined: ${image.apps.join(', ')}) → ${image.tags.join(', ')}`,
    );
  }
  const total = plan.apps.length + plan.combined.length;
  lines.push(`${run.selected.length} of ${total} images selected (*)`);
  if (plan.needsConfig.length > 0) {
    lines.push(`${plan.needsConfig.length} more need configuration before they can be built:`);
    for (const entry of plan.needsConfig) {
      lines.push(`  ${entry.packageName} (${entry.dir}): ${entry.problem}`);
      lines.push(`    add: ${entry.fix}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Reasons shown per app on the terminal; `plan --json` lists them all. */
export const explainedReasons = 5;

export function formatExplain(run: RunPlan): string {
  const lines: string[] = [];
  for (const selection of run.selections) {
    if (run.selected.includes(selection.app)) {
      const count = selection.reasons.length;
      lines.push(
        `${selection.app}: selected${count > explainedReasons ? ` (${count} reasons)` : ''}`,
      );
      for (const reason of selection.reasons.slice(0, explainedReasons))
        lines.push(`  - ${reason}`);
      if (count > explainedReasons)
        lines.push(`  … and ${count - explainedReasons} more (plan --json lists all)`);
    } else if (selection.selected) {
      lines.push(`${selection.app}: not selected (another --shard builds it)`);
    } else if (selection.reasons.length > 0 || run.change) {
      lines.push(
        `${selection.app}: not selected (${selection.reasons.length > 0 ? 'not named on the command line' : 'nothing it is built from changed'})`,
      );
    } else {
      lines.push(`${selection.app}: not selected (not named on the command line)`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Warnings for the apps that cannot be built as planned: planning goes on for the others. */
export function formatProblems(run: RunPlan): string {
  // A message that starts with the app's folder named like the app (`docs: …`) is not prefixed twice.
  const line = (app: string, message: string) =>
    message.startsWith(`${app}: `) ? message : `${app}: ${message}`;
  return [
    ...run.problems.map(
      (problem) => `warning: ${line(problem.app, problem.message)}\n  hint: ${problem.hint}\n`,
    ),
    ...run.notes.map((note) => `note: ${line(note.app, note.message)}\n  hint: ${note.hint}\n`),
  ].join('');
}

/** What pnpm accepts but the user may want to know about the workspace, one line each. */
export function formatWarnings(warnings: readonly WorkspaceWarning[]): string {
  return warnings.map((warning) => `warning: ${warning.message}\n`).join('');
}
