// Measures, on the sample workspace, what each app's build sends to the engine against what a
// whole-repository context (`COPY . .`, as in pnpm's documented Dockerfile) would send, and the
// time from starting build-images to the first BuildKit step the engine reports. Prints
// figures; asserts nothing. Run after the set-up: node scripts/bench/context-bench.ts
import { spawn } from 'node:child_process';
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { listContextFiles, readDockerignore } from '../../packages/workspace/dist/index.js';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'packages/cli/dist/bin.js');
const baseImage = process.env['BUILD_IMAGES_BASE_IMAGE'] || 'build-images-local/node:24.21.0';

function bytesOf(files: string[]): number {
  return files.reduce((sum, file) => sum + lstatSync(path.join(repo, file)).size, 0);
}

/** Runs the CLI in CI mode; returns its JSON results and when the first `[app] [step]` line came. */
function build(): Promise<{
  results: { app: string; contextBytes: number | null }[];
  firstStepMs: number | undefined;
}> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [bin, '--json', '--tag', 'bench-context/{app}:t', '--base-image', baseImage],
      {
        cwd: repo,
        env: { ...process.env, CI: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let firstStepMs: number | undefined;
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (firstStepMs === undefined && /^\[[\w.-]+\] \[/.test(line))
        firstStepMs = performance.now() - started;
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`build-images exited ${code}`));
      else
        resolve({
          ...(JSON.parse(stdout) as { results: { app: string; contextBytes: number | null }[] }),
          firstStepMs,
        });
    });
  });
}

// A whole-repository context: every file but node_modules and .git, with and without .dockerignore.
const everything = await listContextFiles(repo, ['.'], (file) =>
  file.split('/').some((part) => part === 'node_modules' || part === '.git'),
);
const ignores = await readDockerignore(repo);
const dockerignored = everything.filter((file) => !ignores(file));
const wholeIgnored = bytesOf(dockerignored);
const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

const run = await build();
console.log(
  `whole repository without node_modules and .git: ${kB(bytesOf(everything))} in ${everything.length} files`,
);
console.log(
  `whole repository after .dockerignore (what COPY . . sends): ${kB(wholeIgnored)} in ${dockerignored.length} files\n`,
);
console.log('app      context sent   share of COPY . .');
for (const result of run.results) {
  const bytes = result.contextBytes ?? 0;
  console.log(
    `${result.app.padEnd(8)} ${kB(bytes).padStart(12)}   ${((bytes / wholeIgnored) * 100).toFixed(1)} %`,
  );
}
console.log(
  `\nfirst BuildKit step reported ${run.firstStepMs === undefined ? '(none seen)' : `${Math.round(run.firstStepMs)} ms`} after build-images started`,
);
console.log('one run on this machine; figures, not a test');
