import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportMarker } from '../src/render-report.js';
import {
  brokenAppWorkspace,
  dockerForTests,
  removeTestResources,
  runBin,
  testBaseImage,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const chromium = chromiumForTests();
const runId = `report${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

/** Debian's chromium renders the report; scripts/setup-chromium.sh installs it. With CI=true it must be there. */
function chromiumForTests(): boolean {
  const probe = spawnSync('chromium', ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status === 0) return true;
  const problem = `chromium is missing (${probe.error?.message ?? probe.stderr}): run scripts/setup-chromium.sh`;
  if (process.env['CI'] === 'true')
    throw new Error(`CI=true and the report rendering test cannot run: ${problem}`);
  console.warn(`\n!!! SKIPPING the report rendering test: ${problem} !!!\n`);
  return false;
}

/** Runs headless chromium on `url` with a fresh profile; killed (its whole process group) after 60 s. */
async function runChromium(
  args: string[],
  url: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const profile = await mkdtemp(path.join(tmpdir(), 'build-images-chromium-'));
  const argv = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--window-size=1280,900',
    ...args,
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('chromium', argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      reject(
        new Error(`chromium ${args.join(' ')} did not finish in 60 s: ${stderr.slice(-2000)}`),
      );
    }, 60_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!docker || !chromium)(
  'the HTML report of a run with one broken app, rendered in headless chromium',
  () => {
    let root: string;
    let out: string;
    beforeAll(async () => {
      root = await brokenAppWorkspace(runId);
      out = await mkdtemp(path.join(tmpdir(), 'build-images-report-'));
    });
    afterAll(async () => {
      if (docker) await removeTestResources(docker, runId, prefix);
    });

    it("shows a lane per app, the steps, and the failure with the engine's error; a screenshot renders", async () => {
      // In a directory that does not exist yet, relative to the process's working directory.
      const report = path.join(out, 'reports', 'report.html');
      // The report path is relative to the process's working directory (`out`), not to --cwd.
      const built = await runBin(
        [
          '--cwd',
          root,
          '--tag',
          `${prefix}{app}:test`,
          '--base-image',
          testBaseImage,
          '--report',
          path.relative(out, report),
        ],
        {
          cwd: out,
          env: { CI: 'true' },
        },
      );
      expect(built.code, built.stderr).toBe(1);
      expect(built.stdout).toContain('2 built, 1 failed');
      expect(built.stderr).toContain('wrote report reports/report.html');
      const html = await readFile(report, 'utf8');
      expect(html.startsWith(`<!doctype html>\n${reportMarker}\n`)).toBe(true);

      const url = pathToFileURL(report).href;
      const dumped = await runChromium(['--dump-dom'], url);
      expect(dumped.code, dumped.stderr.slice(-2000)).toBe(0);
      const dom = dumped.stdout;
      const lanes = [...dom.matchAll(/<div class="lane[^"]*" data-app="([^"]+)">/g)].map(
        (match) => match[1],
      );
      expect(lanes.sort()).toEqual(['alpha', 'beta', 'broken']);
      // Steps that ran (not cached) are drawn, and the failing one is marked.
      expect(dom).toMatch(
        /<div class="bar( unfinished)?" style="left:[\d.]+%;width:[\d.]+%;top:\d+px"/,
      );
      expect(
        /<div class="lane status-failed" data-app="broken">.*?<div class="bar failed/.test(dom),
      ).toBe(true);
      const failure =
        /<section class="failure" data-app="broken">.*?<\/section>/s.exec(dom)?.[0] ?? '';
      expect(failure).toMatch(/<pre class="error">[^<]*exit code: 7/);
      // The log line's "<on>" stayed text: escaped in the file, a text node in the DOM.
      expect(failure).toContain('error TS1005: broken &lt;on&gt; purpose');
      expect(dom).not.toContain('<on>');

      const screenshot = path.join(out, 'report.png');
      const shot = await runChromium([`--screenshot=${screenshot}`], url);
      expect(shot.code, shot.stderr.slice(-2000)).toBe(0);
      const png = await readFile(screenshot);
      expect(png.subarray(0, 8)).toEqual(
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      );
      expect((await stat(screenshot)).size).toBeGreaterThan(10_000);
      console.info(`report: ${report}\nscreenshot: ${screenshot}`);
    });

    it('overwrites its own earlier report; a rebuild shows its steps as cached', async () => {
      const report = path.join(out, 'reports', 'report.html');
      const result = await runBin(
        ['beta', '--tag', `${prefix}{app}:test`, '--base-image', testBaseImage, '--report', report],
        { cwd: root, env: { CI: 'true' } },
      );
      expect(result.code, result.stderr).toBe(0);
      const html = await readFile(report, 'utf8');
      expect(
        [...html.matchAll(/<div class="lane[^"]*" data-app="([^"]+)">/g)].map((match) => match[1]),
      ).toEqual(['beta']);
      expect(html).toContain('<p class="summary">1 cached</p>');
      expect(html).toMatch(/<div class="bar cached"/);
      expect(html).not.toContain('class="failure"');
    });
  },
);
