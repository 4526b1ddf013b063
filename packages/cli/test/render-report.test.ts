import { describe, expect, it } from 'vitest';
import type { AppName, BuildStep } from '@build-images/core';
import type { AppResult } from '@build-images/runner';
import { renderReport, reportMarker } from '../src/render-report.js';

const t0 = Date.UTC(2025, 0, 2, 3, 4, 5);

function step(
  name: string,
  startS: number,
  endS: number,
  extra: Partial<BuildStep> = {},
): BuildStep {
  return {
    name,
    cached: false,
    started: t0 + startS * 1000,
    completed: t0 + endS * 1000,
    error: undefined,
    ...extra,
  };
}

function result(app: string, extra: Partial<AppResult> = {}): AppResult {
  return {
    app: app as AppName,
    status: 'built',
    tags: [`${app}:latest`],
    imageId: `sha256:${'ab'.repeat(32)}`,
    durationMs: 10_000,
    error: undefined,
    logTail: [],
    progress: undefined,
    steps: [],
    contextBytes: 2048,
    published: [],
    ...extra,
  };
}

/** A run of 20 s: api built (one cached step), worker failed at its build step. */
const results: AppResult[] = [
  result('api', {
    steps: [
      step('[api-deps 1/3] FROM node', 0, 0, { cached: true }),
      step('[api-build 2/3] RUN pnpm build', 5, 15),
    ],
    published: [{ tag: 'ghcr.io/acme/api:1', digest: `sha256:${'cd'.repeat(32)}` }],
  }),
  result('worker', {
    status: 'failed',
    imageId: undefined,
    contextBytes: undefined,
    error:
      'process "/bin/sh -c pnpm build" did not complete successfully: exit code: 2 <script>alert(1)</script>',
    logTail: [
      '[worker-build 2/3] RUN pnpm build:',
      'src/main.ts(1,1): error TS1005: "<b>" & friends',
    ],
    steps: [
      step('[worker-deps 1/3] FROM node', 2, 4),
      step('[worker-build 2/3] RUN pnpm build', 4, 10, { error: 'exit code: 2' }),
    ],
  }),
];
const html = renderReport(results, {
  startedAt: t0,
  finishedAt: t0 + 20_000,
  title: 'build-images report: acme',
});

function lane(app: string): string {
  const match = new RegExp(`<div class="lane[^"]*" data-app="${app}">.*?</div></div></div>`).exec(
    html,
  );
  if (!match) throw new Error(`no lane for ${app}`);
  return match[0];
}

describe('renderReport', () => {
  it('is one self-contained page carrying the report marker and the summary', () => {
    expect(html.startsWith(`<!doctype html>\n${reportMarker}\n`)).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('<p class="summary has-failures">1 built, 1 failed</p>');
  });

  it('draws one lane per app, in the order of the results', () => {
    const lanes = [...html.matchAll(/<div class="lane[^"]*" data-app="([^"]+)">/g)].map(
      (match) => match[1],
    );
    expect(lanes).toEqual(['api', 'worker']);
  });

  it('places each step bar by its start and end relative to the run', () => {
    // 5 s to 15 s of a 20 s run: from 25 % over 50 %.
    expect(lane('api')).toMatch(
      /<div class="bar" style="left:25%;width:50%;top:0px" title="\[api-build 2\/3\] RUN pnpm build — 10\.0 s">/,
    );
    // 4 s to 10 s: 20 % over 30 %.
    expect(lane('worker')).toContain('style="left:20%;width:30%;top:0px"');
    expect(lane('worker')).toContain('style="left:10%;width:10%;top:0px"');
  });

  it('puts concurrent steps of one app on separate rows', () => {
    const [only] = [
      result('web', { steps: [step('a', 0, 10), step('b', 2, 4), step('c', 10, 12)] }),
    ];
    const page = renderReport([only!], { startedAt: t0, finishedAt: t0 + 20_000, title: 'x' });
    expect(page).toContain('style="left:0%;width:50%;top:0px"');
    expect(page).toContain('style="left:10%;width:10%;top:22px"');
    expect(page).toContain('style="left:50%;width:10%;top:0px"');
    expect(page).toContain('class="track" style="height:44px"');
  });

  it('marks cached steps and the failing step', () => {
    expect(lane('api')).toMatch(
      /<div class="bar cached" style="left:0%;width:0%;top:0px" title="\[api-deps 1\/3\] FROM node — cached">/,
    );
    expect(lane('api')).not.toContain('failed');
    expect(lane('worker')).toMatch(
      /<div class="bar failed" [^>]*title="\[worker-build 2\/3\] RUN pnpm build — 6\.0 s — exit code: 2">/,
    );
    expect(html).toMatch(/<tr data-app="api">.*<td class="num">1\/2<\/td>/);
  });

  it('escapes every text of the run: a malicious error stays text', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('&#34;&#60;b&#62;&#34; &#38; friends');
    const evil = renderReport(
      [result('x"><img src=x onerror=alert(1)>', { status: 'failed', error: "it's <bad>" })],
      { startedAt: t0, finishedAt: t0 + 1000, title: '</title><script>' },
    );
    expect(evil).not.toMatch(/<img|<script|<bad>/);
    expect(evil).toContain('data-app="x&#34;&#62;&#60;img src=x onerror=alert(1)&#62;"');
    expect(evil).toContain('<title>&#60;/title&#62;&#60;script&#62;</title>');
  });

  it("shows each failure's engine error and log tail", () => {
    const failure =
      /<section class="failure" data-app="worker">.*?<\/section>/s.exec(html)?.[0] ?? '';
    expect(failure).toContain(
      '<pre class="error">process &#34;/bin/sh -c pnpm build&#34; did not complete successfully: exit code: 2',
    );
    expect(failure).toContain(
      '<pre class="log">[worker-build 2/3] RUN pnpm build:\nsrc/main.ts(1,1): error TS1005:',
    );
    expect(html).not.toContain('<section class="failure" data-app="api">');
  });

  it('lists tags, image id, context bytes and pushed digests in the table', () => {
    const row = /<tr data-app="api">.*?<\/tr>/.exec(html)?.[0] ?? '';
    expect(row).toContain('<code>api:latest</code>');
    expect(row).toContain(`<code title="sha256:${'ab'.repeat(32)}">sha256:abababababab</code>`);
    expect(row).toContain('<span title="2048 bytes">2.0 kB</span>');
    expect(row).toContain(`<code>ghcr.io/acme/api:1@sha256:${'cd'.repeat(32)}</code>`);
  });
});
