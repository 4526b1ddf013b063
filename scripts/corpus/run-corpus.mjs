// Runs build-images as a new user would (no configuration) on a directory of clones of real
// pnpm monorepos, pinned in repos.json, and prints one table row per workspace: apps found,
// apps needing configuration, the first problem, and the time `plan` took.
// Usage: pnpm corpus <dir>   (each repo cloned to <dir>/<name> at its commit; see README)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: pnpm corpus <dir of clones>');
  process.exit(2);
}
const bin = path.resolve(import.meta.dirname, '../../packages/cli/dist/bin.js');
const repos = JSON.parse(readFileSync(new URL('./repos.json', import.meta.url), 'utf8'));
const rows = [
  [
    'workspace',
    'commit',
    'pnpm',
    'exit',
    'apps',
    'need config',
    'plan ms',
    'generate',
    'first problem',
  ],
];
for (const repo of repos) {
  const clone = path.join(dir, repo.name.replace(/-js$/, ''));
  const cwd = path.join(clone, repo.subdir);
  if (!existsSync(cwd)) {
    rows.push([
      repo.name,
      repo.commit.slice(0, 8),
      '',
      'missing',
      '',
      '',
      '',
      '',
      `no clone at ${cwd}`,
    ]);
    continue;
  }
  const head = spawnSync('git', ['-C', clone, 'rev-parse', 'HEAD'], {
    encoding: 'utf8',
  }).stdout.trim();
  const manifest = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8'));
  const started = performance.now();
  const plan = spawnSync(process.execPath, [bin, 'plan', '--json'], { cwd, encoding: 'utf8' });
  const ms = Math.round(performance.now() - started);
  const generate = spawnSync(process.execPath, [bin, '--dry-run'], { cwd, encoding: 'utf8' });
  let apps = '';
  let needs = '';
  if (plan.status === 0) {
    const json = JSON.parse(plan.stdout);
    apps = json.apps.map((app) => app.dir).join(' ');
    needs = json.needsConfig.map((entry) => entry.dir).join(' ');
  }
  const problem = `${plan.stderr}`.split('\n').find((line) => /^(error|warning)/.test(line)) ?? '';
  rows.push([
    repo.name,
    `${repo.commit.slice(0, 8)}${head === repo.commit ? '' : ' (HEAD differs)'}`,
    `${manifest.packageManager ?? ''}`.replace(/\+.*/, ''),
    String(plan.status),
    apps,
    needs,
    String(ms),
    generate.status === 0 ? 'ok' : `exit ${generate.status}`,
    problem.slice(0, 160),
  ]);
}
console.log(rows.map((row) => `| ${row.join(' | ')} |`).join('\n'));
