import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BinResult,
  buildTestImage as buildImageFrom,
  dockerForTests,
  removeTestResources,
  runBin,
  testBaseImage,
} from '@build-images/test-helpers';
import { inspectImage, type ImageFinding } from '../src/index.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const docker = await dockerForTests();
const runId = `checks${Date.now().toString(36)}`;
const prefix = `checks-test-${runId}/`;

/** Builds an image from a Dockerfile and files, labelled for this run. */
function buildTestImage(
  engine: Docker,
  name: string,
  files: Record<string, string>,
  buildargs: Record<string, string> = {},
): Promise<string> {
  return buildImageFrom(engine, `${prefix}${name}:t`, files, { label: runId, buildargs });
}

const rules = (findings: ImageFinding[]) => findings.map((finding) => finding.rule);

describe.skipIf(!docker)('inspectImage on a real engine', () => {
  let good: string;
  let bad: string;
  let cleaned: string;
  let samples: BinResult;

  beforeAll(async () => {
    good = await buildTestImage(docker!, 'good', {
      Dockerfile: [
        `FROM ${testBaseImage}`,
        'COPY main.js /app/dist/main.js',
        'WORKDIR /app',
        'USER 1000',
        'HEALTHCHECK CMD ["node", "-e", "process.exit(0)"]',
        'CMD ["node", "dist/main.js"]',
      ].join('\n'),
      'main.js': 'console.log("hello");\n',
    });
    bad = await buildTestImage(
      docker!,
      'bad',
      {
        Dockerfile: [
          `FROM ${testBaseImage}`,
          'ENV NPM_TOKEN=abc',
          'ARG AUTH_SECRET',
          'COPY src/index.ts /app/src/index.ts',
          'COPY .git/HEAD /app/.git/HEAD',
          'COPY tsconfig.json app.spec.js /app/',
          'RUN touch /app/x && chmod 4755 /app/x && test -n "$AUTH_SECRET"',
          'RUN mkdir -p /pnpm/store/v10 && touch /pnpm/store/v10/index',
          'CMD ["node", "/app/x"]',
        ].join('\n'),
        'src/index.ts': 'export {};\n',
        '.git/HEAD': 'ref: refs/heads/main\n',
        'tsconfig.json': '{}\n',
        'app.spec.js': '\n',
      },
      { AUTH_SECRET: 's3cr3t' },
    );
    // Adds the same kind of files, then deletes them in a later layer: the whiteouts hide them.
    cleaned = await buildTestImage(docker!, 'cleaned', {
      Dockerfile: [
        `FROM ${testBaseImage}`,
        'COPY src/index.ts /app/src/index.ts',
        'RUN touch /app/x && chmod 4755 /app/x && mkdir -p /app/.git /pnpm/store',
        'RUN rm -rf /app/src /app/x /app/.git /pnpm',
        'COPY main.js /app/dist/main.js',
        'USER 1000:1000',
        'CMD ["node", "/app/dist/main.js"]',
      ].join('\n'),
      'src/index.ts': 'export {};\n',
      'main.js': '\n',
    });
    samples = await runBin(['--tag', `${prefix}{app}:t`, '--base-image', testBaseImage], {
      cwd: repoRoot,
      env: { CI: 'true' },
    });
  });

  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it('finds nothing wrong with a good image', async () => {
    expect(
      await inspectImage(docker!, good, {
        healthcheck: true,
        appDir: '/app',
        baseImage: testBaseImage,
      }),
    ).toEqual([]);
  });

  it('reports a HEALTHCHECK where none is expected', async () => {
    expect(
      rules(
        await inspectImage(docker!, good, {
          healthcheck: false,
          appDir: '/app',
          baseImage: testBaseImage,
        }),
      ),
    ).toEqual(['CIS-DI-0006']);
  });

  it('reports each problem of a bad image', async () => {
    const findings = await inspectImage(docker!, bad, {
      healthcheck: true,
      appDir: '/app',
      baseImage: testBaseImage,
    });
    const has = (rule: string, text: string) =>
      expect(
        findings
          .filter((f) => f.rule === rule)
          .map((f) => f.message)
          .join('\n'),
      ).toContain(text);
    has('CIS-DI-0001', 'sets no USER');
    has('CIS-DI-0006', 'no HEALTHCHECK');
    has('CIS-DI-0010', 'environment holds a secret-looking NPM_TOKEN=***');
    has('CIS-DI-0010', 'history holds a secret-looking NPM_TOKEN=***');
    has('CIS-DI-0010', 'history holds a secret-looking AUTH_SECRET=***');
    expect(findings.find((f) => f.rule === 'CIS-DI-0008')).toMatchObject({ path: '/app/x' });
    expect(findings.find((f) => f.rule === 'CIS-DI-0008')?.message).toContain(
      'setuid file (mode 4755)',
    );
    expect(findings.filter((f) => f.rule === 'DKL-LI-0003').map((f) => f.path)).toEqual([
      '/app/.git',
      '/app/app.spec.js',
      '/app/src',
      '/app/tsconfig.json',
    ]);
    expect(findings.filter((f) => f.rule === 'BI101').map((f) => f.path)).toEqual(['/pnpm/store']);
    // The values are masked.
    expect(JSON.stringify(findings)).not.toMatch(/abc|s3cr3t/);
  });

  it('does not count files a later layer deleted', async () => {
    expect(
      await inspectImage(docker!, cleaned, {
        healthcheck: false,
        appDir: '/app',
        baseImage: testBaseImage,
      }),
    ).toEqual([]);
  });

  it('builds the three sample images with build-images', () => {
    expect(samples.stderr + samples.stdout).not.toContain('error:');
    expect(samples.code).toBe(0);
  });

  it.each([
    ['api', true],
    ['web', true],
    ['worker', false],
  ])('finds nothing wrong with the sample image %s', async (app, healthcheck) => {
    expect(
      await inspectImage(docker!, `${prefix}${app}:t`, {
        healthcheck,
        appDir: '/app',
        baseImage: testBaseImage,
      }),
    ).toEqual([]);
  });
});
