import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demuxLogs,
  dockerForTests,
  lockWorkspace,
  outputOf,
  removeTestResources,
  runBin,
  testBaseImage,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `codegen${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

/*
 * Code generation on a real engine. The shared package's build compiles a file that only its
 * `generate` script writes (as `prisma generate` or graphql-codegen do; Prisma itself cannot
 * run here, its engines come from outside the npm registry), and the app has a prebuild
 * command of its own. The image runs only if both ran, in order, before the build. The
 * generator reads a folder at the root, outside every package (as atproto's lexicons): the
 * build stage has it only if the generator's script says so.
 */
describe.skipIf(!docker)('code generation before the build, on a real engine', () => {
  let root: string;
  beforeAll(async () => {
    root = await writeTree({
      'package.json': {
        name: 'fixture',
        private: true,
        // Kept in the install stages' root manifest: this run's layers are its own.
        version: `0.0.0-${runId}`,
        packageManager: 'pnpm@10.34.9',
      },
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
      'packages/db/package.json': {
        name: '@fx/db',
        version: '1.0.0',
        type: 'module',
        main: 'dist/index.js',
        scripts: {
          generate: 'fx-gen ../../schema/models/*.txt',
          build: 'mkdir -p dist && cp src/*.js generated/client.js dist/',
        },
        devDependencies: { '@fx/gen': 'workspace:*' },
      },
      // The generator is a command of a workspace package whose build writes the code it
      // runs: the install stage links the command before its file is there (pnpm 9 to 11
      // link none whose file is missing).
      'packages/gen/package.json': {
        name: '@fx/gen',
        version: '1.0.0',
        type: 'module',
        bin: { 'fx-gen': 'bin.js' },
        scripts: { build: 'mkdir -p dist && cp src/cli.js dist/' },
      },
      'packages/gen/bin.js': "#!/usr/bin/env node\nimport './dist/cli.js';\n",
      'packages/gen/src/cli.js':
        "import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';\nconst model = readFileSync(process.argv[2], 'utf8').trim();\nmkdirSync('generated', { recursive: true });\nwriteFileSync('generated/client.js', `export const client = \"generated from ${model}\";\\n`);\n",
      'schema/models/user.txt': 'user-model\n',
      'packages/db/src/index.js': "export { client } from './client.js';\n",
      'packages/db/.gitignore': 'generated\ndist\n',
      'apps/api/package.json': {
        name: '@fx/api',
        version: '1.0.0',
        type: 'module',
        scripts: {
          // A migration in the build, as Vercel runs it: it needs a database (and a Prisma
          // that is not installed here), so the image builds without it.
          build: 'prisma migrate deploy && mkdir -p dist && cp src/*.js version.js dist/',
          start: 'node dist/main.js',
        },
        dependencies: { '@fx/db': 'workspace:*' },
        buildImages: { prebuild: ['echo "export const version = 7;" > version.js'] },
      },
      'apps/api/src/main.js':
        "import { client } from '@fx/db';\nimport { version } from './version.js';\nconsole.log(`client ${client} version ${version}`);\n",
    });
    lockWorkspace(root, { offline: true });
  });
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it('runs the codegen script and the prebuild command before the build, and the image uses their output', async () => {
    const plan = await runBin(['--dry-run'], { cwd: root });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('build inputs: schema/models/');
    const notes = await runBin(['plan'], { cwd: root });
    expect(notes.stderr).toContain(
      'note: api: apps/api: its build script runs prisma migrate deploy, which needs a live database',
    );
    expect(plan.stdout).toContain('COPY schema/models/ schema/models/');
    // Each a step of its own, holding a slot (see parallelSteps) while it runs.
    expect(plan.stdout).toMatch(
      /^RUN --mount=type=cache,id=build-images-slot-\d+,sharing=locked,target=\/run\/build-images-slot \\\n    pnpm --filter "@fx\/db" run generate$/m,
    );
    expect(plan.stdout).toMatch(
      /^RUN --mount=\S+ \\\n    cd apps\/api && echo "export const version = 7;" > version.js$/m,
    );

    const build = await runBin(['--tag', `${prefix}{app}:test`, '--base-image', testBaseImage], {
      cwd: root,
      env: { CI: 'true' },
    });
    expect(build.code, build.stdout + build.stderr).toBe(0);
    const logs = await outputOf(docker!, `${prefix}api:test`, runId, /client/);
    expect(logs).toContain('client generated from user-model version 7');
    // The image's manifest keeps the build script as the repository has it.
    const manifest = await docker!.createContainer({
      Image: `${prefix}api:test`,
      Labels: { 'build-images.test': runId },
      Cmd: ['node', '-p', "require('./package.json').scripts.build"],
    });
    await manifest.start();
    await manifest.wait();
    const printed = demuxLogs((await manifest.logs({ stdout: true, stderr: true })) as Buffer);
    expect(printed.trim()).toBe(
      'prisma migrate deploy && mkdir -p dist && cp src/*.js version.js dist/',
    );
  });
});

/*
 * An app whose own postinstall generates code (inbox-zero's `prisma generate`, fumadocs-mdx
 * on shadcn's docs): pnpm runs it at install, but the install stage has the manifests only.
 * The install stage takes it out of the manifest, and the build stage runs it once the
 * sources are there; the image runs only if it ran.
 */
describe.skipIf(!docker)('an install script that generates code, on a real engine', () => {
  let root: string;
  beforeAll(async () => {
    root = await writeTree({
      'package.json': {
        name: 'fixture',
        private: true,
        version: `0.0.0-${runId}-postinstall`,
        packageManager: 'pnpm@10.34.9',
      },
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
      'apps/site/package.json': {
        name: '@fx/site',
        version: '1.0.0',
        type: 'module',
        scripts: {
          postinstall: 'node gen.mjs',
          build: 'mkdir -p dist && cp src/main.js generated/out.js dist/',
          start: 'node dist/main.js',
        },
      },
      'apps/site/gen.mjs':
        "import { mkdirSync, writeFileSync } from 'node:fs';\nmkdirSync('generated', { recursive: true });\nwriteFileSync('generated/out.js', 'export const made = \"at postinstall\";\\n');\n",
      'apps/site/src/main.js':
        "import { made } from './out.js';\nconsole.log(`generated ${made}`);\n",
    });
    lockWorkspace(root, { offline: true });
  });
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it('runs it in the build stage, after the sources, and not in the install stage', async () => {
    const plan = await runBin(['--dry-run'], { cwd: root });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(
      /^RUN --mount=\S+ \\\n    pnpm --filter "@fx\/site" run postinstall$/m,
    );
    const build = await runBin(
      ['--tag', `${prefix}{app}:postinstall`, '--base-image', testBaseImage],
      {
        cwd: root,
        env: { CI: 'true' },
      },
    );
    expect(build.code, build.stdout + build.stderr).toBe(0);
    const logs = await outputOf(docker!, `${prefix}site:postinstall`, runId, /generated/);
    expect(logs).toContain('generated at postinstall');
  });
});
