/**
 * Benchmark (not a test) of build-images' planning step on a large synthetic workspace,
 * next to Turborepo's nearest equivalent on the same workspace.
 *
 * It generates a 1,000-package pnpm workspace (200 apps, 800 libraries, a ~20,000-line
 * pnpm-lock.yaml; see generate-workspace.ts) as a git repository whose branch `change` edits
 * one source file of a mid-layer library, and then, on that branch, times:
 *   - build-images plan --changed=main --json   (the target: < 300 ms, < 150 MB)
 *   - turbo ls --affected                        (TURBO_SCM_BASE=main; the baseline)
 *   - turbo ls --affected, native binary         (reference: without turbo's node launcher)
 *   - build-images plan --json                   (reference: no change detection)
 *   - build-images --version                     (reference: the CLI's start-up alone)
 * Each command runs once to warm up, then --runs times (default 7), the scenarios interleaved.
 * Wall time is measured around the spawned process; peak RSS is GNU time's %M (the largest
 * resident set of the process, or of its largest descendant: turbo's launcher spawns the
 * native binary). It checks that the apps each tool selects are the apps the change affects.
 *
 * Run at the repository root, after `pnpm build`:
 *   pnpm bench:plan [--runs N] [--keep]        (or: node scripts/bench/plan-bench.ts …)
 * Needs the npm registry (pnpm writes the lockfile) and /usr/bin/time (apt-get install -y time).
 * Results: printed, and written to scripts/bench/results/plan-bench.json (not committed).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateWorkspace, type GeneratedWorkspace } from './generate-workspace.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const cliBin = path.join(repo, 'packages/cli/dist/bin.js');
const turboShim = path.join(repo, 'node_modules/.bin/turbo');
const gnuTime = '/usr/bin/time';
const resultsFile = path.join(import.meta.dirname, 'results/plan-bench.json');
const targets = { scenario: 'plan --changed', medianMs: 300, peakMB: 150 };

interface Scenario {
  id: string;
  label: string;
  command: string[];
  env: NodeJS.ProcessEnv;
  /** The names of the apps the command selects, read from its stdout; undefined: not applicable. */
  selectedApps: ((stdout: string) => string[]) | undefined;
}

interface Run {
  ms: number;
  rssKB: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

interface Outcome {
  scenario: Scenario;
  /** "ok", "not available yet" (the CLI does not know the option) or "failed: …". */
  status: string;
  runsMs: number[];
  rssKB: number[];
  selected: string[] | undefined;
}

// ---------------------------------------------------------------- measuring

/** Runs a command under GNU time: wall time around the process, peak RSS from %M (KiB). */
function runOnce(
  command: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  scratch: string,
): Run {
  const rssFile = path.join(scratch, 'rss.txt');
  const started = process.hrtime.bigint();
  const result = spawnSync(gnuTime, ['-f', '%M', '-o', rssFile, ...command], {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error) throw result.error;
  // On a non-zero exit GNU time writes "Command exited with non-zero status N" first.
  const rssKB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1));
  return { ms, rssKB, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** "failed: exit N: <the error line of stderr>". */
function failure(run: Run): string {
  const lines = run.stderr.trim().split('\n');
  return `failed: exit ${run.status}: ${(lines.find((line) => /error/i.test(line)) ?? lines[0] ?? '').trim()}`;
}

/** The first run is a warm-up; it also tells whether the command works at all. */
function probe(scenario: Scenario, cwd: string, scratch: string): Outcome {
  const run = runOnce(scenario.command, cwd, scenario.env, scratch);
  const outcome: Outcome = { scenario, status: 'ok', runsMs: [], rssKB: [], selected: undefined };
  if (run.status === 2 && /Unknown or malformed option/.test(run.stderr)) {
    outcome.status = 'not available yet';
  } else if (run.status !== 0) {
    outcome.status = failure(run);
  } else if (scenario.selectedApps) {
    outcome.selected = scenario.selectedApps(run.stdout);
  }
  return outcome;
}

function measure(scenarios: readonly Scenario[], cwd: string, runs: number): Outcome[] {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'plan-bench-time-'));
  try {
    const outcomes = scenarios.map((scenario) => probe(scenario, cwd, scratch));
    for (let round = 1; round <= runs; round++) {
      process.stderr.write(`\rmeasuring: round ${round} of ${runs}`);
      // A scenario that failed (in the warm-up or a round) is not run again.
      for (const outcome of outcomes.filter((candidate) => candidate.status === 'ok')) {
        const run = runOnce(outcome.scenario.command, cwd, outcome.scenario.env, scratch);
        if (run.status !== 0) {
          // Keep the other scenarios going; this one reports the failure and no figures.
          outcome.status = `${failure(run)} (in round ${round})`;
          outcome.runsMs = [];
          outcome.rssKB = [];
          continue;
        }
        outcome.runsMs.push(run.ms);
        outcome.rssKB.push(run.rssKB);
      }
    }
    process.stderr.write('\n');
    return outcomes;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- the scenarios

/** build-images plan --json: the apps marked selected (or a top-level `selected` list). */
function appsOfPlan(stdout: string): string[] {
  const plan = JSON.parse(stdout) as {
    selected?: string[];
    apps: { name: string; package: string; selected?: boolean }[];
  };
  if (Array.isArray(plan.selected)) {
    return plan.selected.map((name) => plan.apps.find((app) => app.name === name)?.package ?? name);
  }
  return plan.apps.filter((app) => app.selected === true).map((app) => app.package);
}

/** turbo ls --output=json: the listed packages that live under apps/. */
function appsOfTurbo(stdout: string): string[] {
  const listing = JSON.parse(stdout) as { packages: { items: { name: string; path: string }[] } };
  return listing.packages.items
    .filter((item) => item.path.startsWith('apps/'))
    .map((item) => item.name);
}

/** turbo's platform binary, which its node launcher (node_modules/.bin/turbo) spawns. */
function turboNativeBinary(): string | undefined {
  const arch = { x64: '64', arm64: 'arm64' }[process.arch as string];
  try {
    const launcher = realpathSync(path.join(repo, 'node_modules/turbo'));
    const manifest = createRequire(path.join(launcher, 'package.json')).resolve(
      `@turbo/${process.platform}-${arch}/package.json`,
    );
    const binary = path.join(path.dirname(manifest), 'bin/turbo');
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

function createScenarios(): Scenario[] {
  // turbo's launcher runs `node` from PATH: make that this Node.
  const base = {
    ...process.env,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env['PATH'] ?? ''}`,
  };
  const turboEnv: NodeJS.ProcessEnv = {
    ...base,
    TURBO_SCM_BASE: 'main',
    TURBO_TELEMETRY_DISABLED: '1',
  };
  delete turboEnv['TURBO_SCM_HEAD'];
  const node = process.execPath;
  const scenarios: Scenario[] = [
    {
      id: 'plan-changed',
      label: 'plan --changed=main --json',
      command: [node, cliBin, 'plan', '--changed=main', '--json'],
      env: base,
      selectedApps: appsOfPlan,
    },
    {
      id: 'turbo-affected',
      label: 'turbo ls --affected',
      command: [turboShim, 'ls', '--affected', '--output=json'],
      env: turboEnv,
      selectedApps: appsOfTurbo,
    },
  ];
  const native = turboNativeBinary();
  if (native) {
    scenarios.push({
      id: 'turbo-affected-native',
      label: '  (turbo native binary)',
      command: [native, 'ls', '--affected', '--output=json'],
      env: turboEnv,
      selectedApps: appsOfTurbo,
    });
  }
  scenarios.push(
    {
      id: 'plan-all',
      label: 'plan --json (no --changed)',
      command: [node, cliBin, 'plan', '--json'],
      env: base,
      selectedApps: appsOfPlan,
    },
    {
      id: 'cli-version',
      label: 'build-images --version',
      command: [node, cliBin, '--version'],
      env: base,
      selectedApps: undefined,
    },
  );
  return scenarios;
}

// ---------------------------------------------------------------- reporting

/** The 1-minute load average: other work on the machine skews the figures. */
const loadAverage = () => Math.round(os.loadavg()[0]! * 100) / 100;

function machineFacts() {
  const version = (command: string[]) =>
    spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' }).stdout.trim();
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    turbo: version([
      process.execPath,
      path.join(repo, 'node_modules/turbo/bin/turbo'),
      '--version',
    ]),
    buildImages: version([process.execPath, cliBin, '--version']),
  };
}

function summarize(outcome: Outcome, turboMedian: number | undefined, totalApps: number) {
  const measured = outcome.runsMs.length > 0;
  const medianMs = measured ? median(outcome.runsMs) : undefined;
  return {
    id: outcome.scenario.id,
    scenario: outcome.scenario.label.trim(),
    command: outcome.scenario.command.map((part) => part.replace(repo, '<repo>')).join(' '),
    status: outcome.status,
    runsMs: outcome.runsMs.map((ms) => Math.round(ms * 10) / 10),
    medianMs: medianMs === undefined ? null : Math.round(medianMs),
    minMs: measured ? Math.round(Math.min(...outcome.runsMs)) : null,
    peakMB: measured ? Math.round((Math.max(...outcome.rssKB) / 1024) * 10) / 10 : null,
    ratioVsTurbo:
      medianMs !== undefined && turboMedian
        ? Math.round((medianMs / turboMedian) * 100) / 100
        : null,
    appsSelected: outcome.selected?.length ?? null,
    appsTotal: totalApps,
  };
}

type Row = ReturnType<typeof summarize>;

function formatTable(rows: readonly Row[]): string {
  const header = ['scenario', 'median ms', 'min ms', 'peak MB', 'vs turbo', 'apps selected'];
  const cells = rows.map((row) =>
    row.medianMs === null
      ? [row.scenario, row.status.startsWith('failed') ? 'failed*' : row.status, '', '', '', '']
      : [
          row.scenario,
          String(row.medianMs),
          String(row.minMs),
          row.peakMB!.toFixed(1),
          `${row.ratioVsTurbo!.toFixed(2)}x`,
          row.appsSelected === null ? '-' : `${row.appsSelected} of ${row.appsTotal}`,
        ],
  );
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((cell) => cell[column]!.length)),
  );
  const line = (cell: readonly string[]) =>
    cell
      .map((text, column) =>
        column === 0 ? text.padEnd(widths[column]!) : text.padStart(widths[column]!),
      )
      .join('  ');
  const failures = rows
    .filter((row) => row.status.startsWith('failed'))
    .map((row) => `* ${row.scenario}: ${row.status}`);
  return [
    line(header),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.map(line),
    ...failures,
  ].join('\n');
}

/** Do the apps a tool selects equal the apps the change affects (known from the generated graph)? */
function checkSelections(outcomes: readonly Outcome[], workspace: GeneratedWorkspace): string[] {
  const expected = new Set(workspace.affectedApps);
  const lines = [
    `expected: ${expected.size} of ${workspace.apps} apps depend on ${workspace.changedLib} (edited: ${workspace.changedFile})`,
  ];
  for (const outcome of outcomes) {
    if (!outcome.selected || outcome.scenario.id === 'plan-all') continue;
    const missing = [...expected].filter((app) => !outcome.selected!.includes(app));
    const extra = outcome.selected.filter((app) => !expected.has(app));
    const verdict =
      missing.length === 0 && extra.length === 0
        ? 'the same apps'
        : `DIFFERENT: ${missing.length} missing, ${extra.length} extra`;
    lines.push(`${outcome.scenario.label.trim()}: ${outcome.selected.length} apps, ${verdict}`);
  }
  const all = outcomes.find((outcome) => outcome.scenario.id === 'plan-all')?.selected;
  if (all)
    lines.push(
      `plan --json (no --changed): ${all.length} apps (all of them: ${all.length === workspace.apps ? 'yes' : 'NO'})`,
    );
  return lines;
}

function targetVerdict(rows: readonly Row[]): string {
  const row = rows.find((candidate) => candidate.id === 'plan-changed');
  const goal = `target for ${targets.scenario} --json: median < ${targets.medianMs} ms and peak < ${targets.peakMB} MB`;
  if (!row || row.medianMs === null) return `${goal}: not measured (${row?.status ?? 'no row'})`;
  const met = row.medianMs < targets.medianMs && row.peakMB! < targets.peakMB;
  return `${goal}: ${met ? 'MET' : 'MISSED'} (${row.medianMs} ms, ${row.peakMB} MB)`;
}

// ---------------------------------------------------------------- main

function parseOptions(): { runs: number; keep: boolean } {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '7' }, keep: { type: 'boolean', default: false } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a whole number ≥ 1, got "${values.runs}"`);
  return { runs, keep: values.keep };
}

function checkPrerequisites(): void {
  const missing = [
    [cliBin, 'run pnpm build first'],
    [turboShim, 'run pnpm install at the repository root'],
    [gnuTime, 'install GNU time: apt-get install -y time'],
  ].filter(([file]) => !existsSync(file!));
  if (missing.length > 0)
    throw new Error(missing.map(([file, hint]) => `missing ${file}: ${hint}`).join('\n'));
}

interface Report {
  machine: ReturnType<typeof machineFacts> & { loadAverage: { before: number; after: number } };
  workspace: GeneratedWorkspace;
  runs: number;
  rows: Row[];
  checks: string[];
  verdict: string;
}

function printReport({ machine, workspace, runs, rows, checks, verdict }: Report): void {
  const t = workspace.timingsMs;
  // The benchmark runs one process at a time: it adds about 1 to the load by itself.
  const busy =
    machine.loadAverage.before > machine.cores / 2 ||
    machine.loadAverage.after > machine.cores / 2 + 1;
  console.log(
    `machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGB} GB, ${machine.platform}, node ${machine.node}, turbo ${machine.turbo}, build-images ${machine.buildImages}`,
  );
  console.log(
    `load average (1 min): ${machine.loadAverage.before} before generating, ${machine.loadAverage.after} after measuring${busy ? ': the machine was busy, the figures are skewed' : ''}`,
  );
  console.log(
    `generated ${workspace.apps + workspace.libs} packages in ${(t.total / 1000).toFixed(1)} s (files ${Math.round(t.files)} ms, pnpm lockfile ${(t.lockfile / 1000).toFixed(1)} s, frozen-lockfile check ${(t.lockfileCheck / 1000).toFixed(1)} s, git ${Math.round(t.git)} ms); pnpm-lock.yaml: ${workspace.lockfileLines} lines`,
  );
  console.log(
    `${runs} runs each after one warm-up; peak MB = GNU time %M (max over runs), 1 MB = 1024 KiB\n`,
  );
  console.log(formatTable(rows));
  console.log(`\n${verdict}`);
  for (const line of checks) console.log(line);
}

function writeResults({ machine, workspace, runs, rows, checks, verdict }: Report): void {
  const { dir: _dir, affectedApps, ...facts } = workspace;
  const results = {
    date: new Date().toISOString(),
    machine,
    runs,
    targets,
    workspace: { ...facts, affectedApps: affectedApps.length },
    scenarios: rows,
    checks,
    verdict,
  };
  mkdirSync(path.dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwritten: ${path.relative(process.cwd(), resultsFile)}`);
}

function main(): void {
  const options = parseOptions();
  checkPrerequisites();
  process.stderr.write(
    'generating the workspace (pnpm writes the lockfile from the npm registry)…\n',
  );
  const loadBefore = loadAverage();
  const workspace = generateWorkspace();
  try {
    const outcomes = measure(createScenarios(), workspace.dir, options.runs);
    const turbo = outcomes.find((outcome) => outcome.scenario.id === 'turbo-affected');
    const turboMedian = turbo && turbo.runsMs.length > 0 ? median(turbo.runsMs) : undefined;
    const rows = outcomes.map((outcome) => summarize(outcome, turboMedian, workspace.apps));
    const report: Report = {
      machine: { ...machineFacts(), loadAverage: { before: loadBefore, after: loadAverage() } },
      workspace,
      runs: options.runs,
      rows,
      checks: checkSelections(outcomes, workspace),
      verdict: targetVerdict(rows),
    };
    printReport(report);
    writeResults(report);
  } finally {
    if (options.keep) console.log(`workspace kept at ${workspace.dir}`);
    else rmSync(workspace.dir, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  console.error(`plan-bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
