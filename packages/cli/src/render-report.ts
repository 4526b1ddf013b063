import { successfulStatuses, summarizeResults, type AppResult } from '@build-images/runner';
import type { BuildStep } from '@build-images/core';
import { formatDuration } from './format-duration.js';

/**
 * The comment every report carries right after its doctype: `--report` overwrites a file
 * only when it has it, so a file of the user's at that path is never lost.
 */
export const reportMarker =
  '<!-- build-images report: written by build-images --report, overwritten by the next one -->';

export interface ReportMeta {
  /** Milliseconds since the epoch. */
  startedAt: number;
  finishedAt: number;
  title: string;
}

const succeeded = new Set<string>(successfulStatuses);

/** Text for HTML text and attribute values: nothing in it can open a tag or end an attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** `25%`, `12.346%`: few digits, no trailing zeros. */
function percent(value: number): string {
  return `${Number(value.toFixed(3))}%`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

interface PlacedStep {
  step: BuildStep;
  start: number;
  end: number;
  unfinished: boolean;
  row: number;
}

/**
 * Steps with a start time, each on the first row free at its start: BuildKit runs steps
 * of one build concurrently, and bars on one row would hide each other.
 */
function placeSteps(steps: readonly BuildStep[], finishedAt: number): PlacedStep[] {
  const timed = steps
    .filter((step): step is BuildStep & { started: number } => step.started !== undefined)
    .map((step) => ({
      step,
      start: step.started,
      end: step.completed ?? Math.max(step.started, finishedAt),
      unfinished: step.completed === undefined,
    }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const rowEnds: number[] = [];
  return timed.map((entry) => {
    let row = rowEnds.findIndex((end) => end <= entry.start);
    if (row < 0) row = rowEnds.push(entry.end) - 1;
    else rowEnds[row] = entry.end;
    return { ...entry, row };
  });
}

function stepsCell(result: AppResult): string {
  if (result.steps.length > 0)
    return `${result.steps.filter((step) => step.cached).length}/${result.steps.length}`;
  if (result.progress) return `${result.progress.stepsCached}/${result.progress.steps}`;
  return '–';
}

/**
 * A self-contained HTML page about one build run: the summary, a timeline with a lane per
 * app and a bar per BuildKit step (placed by its start and end relative to the run's start),
 * a table of the results, and each failure's error and log tail. Pure: no clock, no I/O.
 * Every text from the run (app names, step names, errors, log lines) is escaped.
 */
export function renderReport(results: AppResult[], meta: ReportMeta): string {
  const placed = new Map(
    results.map((result) => [result.app, placeSteps(result.steps, meta.finishedAt)] as const),
  );
  // The run's window; a remote engine's clock may disagree a little with ours, so it
  // widens to hold every step rather than drawing bars outside their lane.
  const all = [...placed.values()].flat();
  const origin = Math.min(meta.startedAt, ...all.map((entry) => entry.start));
  const end = Math.max(meta.finishedAt, ...all.map((entry) => entry.end));
  const span = Math.max(1, end - origin);
  const summary = summarizeResults(results);
  const failed = results.filter((result) => !succeeded.has(result.status));

  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (fraction) =>
        `<span class="tick" style="left:${percent(fraction * 100)}">${escapeHtml(formatDuration(Math.round(fraction * span)))}</span>`,
    )
    .join('');

  const lanes = results.map((result) => {
    const steps = placed.get(result.app) ?? [];
    const rows = Math.max(1, ...steps.map((entry) => entry.row + 1));
    const bars = steps.map(({ step, start, end: stepEnd, unfinished, row }) => {
      const classes = [
        'bar',
        ...(step.cached ? ['cached'] : []),
        ...(step.error !== undefined ? ['failed'] : []),
        ...(unfinished ? ['unfinished'] : []),
      ];
      const duration = formatDuration(stepEnd - start);
      const tip = `${step.name} — ${step.cached ? 'cached' : duration}${step.error !== undefined ? ` — ${step.error}` : ''}`;
      const style = `left:${percent(((start - origin) / span) * 100)};width:${percent(((stepEnd - start) / span) * 100)};top:${row * 22}px`;
      return `<div class="${classes.join(' ')}" style="${style}" title="${escapeHtml(tip)}"><span>${escapeHtml(step.name)}</span></div>`;
    });
    const empty =
      steps.length === 0
        ? `<div class="no-steps">${escapeHtml(result.status === 'up-to-date' ? 'already in the registry: nothing built' : (result.error ?? 'no steps reported'))}</div>`
        : '';
    return [
      `<div class="lane status-${escapeHtml(result.status)}" data-app="${escapeHtml(result.app)}">`,
      `<div class="lane-label"><strong>${escapeHtml(result.app)}</strong><span class="badge status-${escapeHtml(result.status)}">${escapeHtml(result.status)}</span><small>${escapeHtml(formatDuration(result.durationMs))}</small></div>`,
      `<div class="track" style="height:${rows * 22}px">${bars.join('')}${empty}</div>`,
      '</div>',
    ].join('');
  });

  const rows = results.map((result) => {
    const image = result.imageId
      ? `<code title="${escapeHtml(result.imageId)}">${escapeHtml(result.imageId.slice(0, 19))}</code>`
      : '–';
    const context =
      result.contextBytes !== undefined
        ? `<span title="${result.contextBytes} bytes">${escapeHtml(formatBytes(result.contextBytes))}</span>`
        : '–';
    const pushed =
      result.published.length > 0
        ? result.published
            .map((entry) => `<code>${escapeHtml(`${entry.tag}@${entry.digest}`)}</code>`)
            .join('<br>')
        : '–';
    const tags = result.tags.map((tag) => `<code>${escapeHtml(tag)}</code>`).join('<br>') || '–';
    return `<tr data-app="${escapeHtml(result.app)}"><td><strong>${escapeHtml(result.app)}</strong></td><td><span class="badge status-${escapeHtml(result.status)}">${escapeHtml(result.status)}</span></td><td class="num">${escapeHtml(formatDuration(result.durationMs))}</td><td class="num">${stepsCell(result)}</td><td>${tags}</td><td>${image}</td><td class="num">${context}</td><td>${pushed}</td></tr>`;
  });

  const failures = failed.map((result) =>
    [
      `<section class="failure" data-app="${escapeHtml(result.app)}">`,
      `<h3>${escapeHtml(result.app)} <span class="badge status-${escapeHtml(result.status)}">${escapeHtml(result.status)}</span></h3>`,
      `<pre class="error">${escapeHtml(result.error ?? '(no error reported)')}</pre>`,
      result.logTail.length > 0
        ? `<pre class="log">${escapeHtml(result.logTail.join('\n'))}</pre>`
        : '',
      '</section>',
    ].join(''),
  );

  return `<!doctype html>
${reportMarker}
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(meta.title)}</title>
<style>${styles}</style>
</head>
<body>
<header>
<h1>${escapeHtml(meta.title)}</h1>
<p class="summary${failed.length > 0 ? ' has-failures' : ''}">${escapeHtml(summary)}</p>
<p class="meta">started ${escapeHtml(
    new Date(meta.startedAt)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC'),
  )} · took ${escapeHtml(formatDuration(meta.finishedAt - meta.startedAt))} · ${results.length} ${results.length === 1 ? 'image' : 'images'}</p>
</header>
<section class="timeline">
<h2>Timeline</h2>
<p class="legend"><span class="bar-sample"></span> step <span class="bar-sample cached"></span> cached <span class="bar-sample failed"></span> failed</p>
<div class="axis"><div class="ticks">${ticks}</div></div>
${lanes.join('\n')}
</section>
<section class="results">
<h2>Results</h2>
<table>
<thead><tr><th>app</th><th>status</th><th>duration</th><th>cached steps</th><th>tags</th><th>image</th><th>context</th><th>pushed</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</section>
${failures.length > 0 ? `<section class="failures">\n<h2>Failures</h2>\n${failures.join('\n')}\n</section>\n` : ''}</body>
</html>
`;
}

const styles = `
:root { --label: 190px; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1e293b; }
body { margin: 24px 32px; background: #f8fafc; }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { font-size: 16px; margin: 28px 0 10px; }
.summary { font-size: 18px; font-weight: 600; margin: 4px 0; color: #15803d; }
.summary.has-failures { color: #b91c1c; }
.meta { color: #64748b; margin: 0; font-size: 13px; }
.legend { font-size: 12px; color: #475569; display: flex; gap: 6px; align-items: center; }
.bar-sample { display: inline-block; width: 26px; height: 12px; border-radius: 2px; background: #3b82f6; margin-left: 10px; }
.axis { margin-left: var(--label); position: relative; height: 18px; border-bottom: 1px solid #cbd5e1; }
.ticks { position: relative; height: 100%; margin-right: 40px; }
.tick { position: absolute; bottom: 2px; font-size: 11px; color: #64748b; transform: translateX(-50%); white-space: nowrap; }
.tick:first-child { transform: none; }
.lane { display: grid; grid-template-columns: var(--label) 1fr; border-bottom: 1px solid #e2e8f0; padding: 6px 0; background: #fff; }
.lane-label { display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: baseline; padding: 0 10px; overflow-wrap: anywhere; }
.lane-label small { color: #64748b; }
.track { position: relative; margin-right: 40px; background: repeating-linear-gradient(90deg, transparent 0 calc(25% - 1px), #f1f5f9 calc(25% - 1px) 25%); }
.bar { position: absolute; height: 18px; min-width: 3px; box-sizing: border-box; border-radius: 3px; background: #3b82f6; border: 1px solid #1d4ed8; overflow: hidden; color: #fff; font-size: 11px; line-height: 16px; }
.bar span { padding: 0 4px; white-space: nowrap; }
.bar.cached, .bar-sample.cached { min-width: 5px; background: repeating-linear-gradient(45deg, #cbd5e1 0 4px, #f1f5f9 4px 8px); border-color: #94a3b8; color: #334155; }
.bar.failed, .bar-sample.failed { background: #dc2626; border-color: #991b1b; color: #fff; }
.bar.unfinished { border-right-style: dashed; }
.no-steps { color: #64748b; font-size: 12px; font-style: italic; line-height: 22px; padding-left: 4px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
table { border-collapse: collapse; background: #fff; font-size: 13px; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e2e8f0; vertical-align: top; }
th { background: #f1f5f9; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
code { font-size: 12px; overflow-wrap: anywhere; }
.badge { display: inline-block; font-size: 11px; padding: 1px 7px; border-radius: 9px; background: #e2e8f0; color: #334155; font-weight: 600; }
.badge.status-built, .badge.status-cached, .badge.status-pushed, .badge.status-up-to-date { background: #dcfce7; color: #166534; }
.badge.status-failed { background: #fee2e2; color: #991b1b; }
.badge.status-cancelled, .badge.status-skipped { background: #fef3c7; color: #92400e; }
.failure { background: #fff; border-left: 4px solid #dc2626; padding: 4px 14px 10px; margin-bottom: 14px; }
.failure h3 { font-size: 15px; margin: 8px 0; }
pre { margin: 6px 0; padding: 8px 10px; overflow-x: auto; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.error { background: #fef2f2; color: #7f1d1d; }
pre.log { background: #0f172a; color: #e2e8f0; }
`;
