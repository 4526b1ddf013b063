import type { RunPlan } from '@build-images/core';
import { successfulStatuses, summarizeResults, type AppResult } from '@build-images/runner';
import { formatDuration } from '../format-duration.js';

export function resultJson(result: AppResult, run: RunPlan) {
  return {
    app: result.app,
    status: result.status,
    tags: result.tags,
    digest: run.digests[result.app] ?? null,
    imageId: result.imageId ?? null,
    durationMs: result.durationMs,
    steps: result.steps.map((step) => ({
      name: step.name,
      cached: step.cached,
      durationMs:
        step.started !== undefined && step.completed !== undefined
          ? step.completed - step.started
          : null,
    })),
    stepsCached: result.progress?.stepsCached ?? null,
    contextBytes: result.contextBytes ?? null,
    published: result.published,
    error: result.error ?? null,
    logTail: result.logTail,
  };
}

export function formatSummary(results: readonly AppResult[]): string {
  const rows = results.map((result) => [
    result.app,
    result.status,
    formatDuration(result.durationMs),
    result.progress ? `${result.progress.stepsCached}/${result.progress.steps}` : '-',
    result.tags.join(', '),
    result.imageId?.slice(0, 19) ?? '-',
  ]);
  const header = ['app', 'status', 'time', 'cached', 'tags', 'image'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const out = ['', line(header), ...rows.map(line)];
  for (const result of results) {
    for (const published of result.published)
      out.push(`${result.app}: ${published.tag}@${published.digest}`);
  }
  for (const result of results) {
    if (successfulStatuses.includes(result.status)) continue;
    out.push('', `${result.app} ${result.status}: ${result.error ?? ''}`);
    for (const logLine of result.logTail) out.push(`  | ${logLine}`);
  }
  out.push('', summarizeResults(results));
  return `${out.join('\n')}\n`;
}
