import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from 'dockerode';
import {
  type BinResult,
  dockerForTests,
  execIn,
  lockWorkspace,
  removeTestResources,
  runBin,
  startContainer,
  testBaseImage,
  waitFor,
  writeTree,
} from '@build-images/test-helpers';

const docker = await dockerForTests();
const runId = `next${Date.now().toString(36)}`;
const prefix = `build-images-test-${runId}/`;

/** A Next.js app (standalone output) using a workspace package; next is detected, not configured. */
async function nextWorkspace(): Promise<string> {
  const root = await writeTree({
    'package.json': { name: 'fixture', private: true, packageManager: 'pnpm@10.34.9' },
    'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
    'packages/greeting/package.json': {
      name: '@fx/greeting',
      version: '1.0.0',
      type: 'module',
      main: 'src/index.js',
      files: ['src'],
    },
    'packages/greeting/src/index.js':
      'export const greeting = (name) => `hello ${name} from next`;\n',
    'apps/site/package.json': {
      name: '@fx/site',
      version: '2.0.0',
      private: true,
      scripts: { build: 'next build' },
      dependencies: {
        '@fx/greeting': 'workspace:*',
        next: '16.4.6',
        react: '19.3.1',
        'react-dom': '19.3.1',
      },
      buildImages: { port: 3000, healthPath: '/api/health' },
    },
    'apps/site/next.config.mjs':
      "import path from 'node:path';\nexport default { output: 'standalone', outputFileTracingRoot: path.join(import.meta.dirname, '../..'), transpilePackages: ['@fx/greeting'] };\n",
    'apps/site/app/layout.js':
      'export default function Layout({ children }) { return <html><body>{children}</body></html>; }\n',
    'apps/site/app/page.js':
      "import { greeting } from '@fx/greeting';\nexport default function Page() { return <main>{greeting('docker')}</main>; }\n",
    'apps/site/app/api/health/route.js':
      "export const dynamic = 'force-dynamic';\nexport function GET() { return Response.json({ status: 'ok' }); }\n",
    'apps/site/public/robots.txt': 'User-agent: *\n',
    // The same app without output: "standalone", as most real ones are: run with next start.
    'apps/web/package.json': {
      name: '@fx/web',
      version: '2.0.0',
      private: true,
      scripts: { build: 'next build' },
      dependencies: {
        '@fx/greeting': 'workspace:*',
        next: '16.4.6',
        react: '19.3.1',
        'react-dom': '19.3.1',
      },
      buildImages: { port: 3000, healthPath: '/api/health' },
    },
    'apps/web/.gitignore': '.next\n',
    'apps/web/next.config.mjs': "export default { transpilePackages: ['@fx/greeting'] };\n",
    'apps/web/app/layout.js':
      'export default function Layout({ children }) { return <html><body>{children}</body></html>; }\n',
    'apps/web/app/page.js':
      "import { greeting } from '@fx/greeting';\nexport default function Page() { return <main>{greeting('next start')}</main>; }\n",
    'apps/web/app/api/health/route.js':
      "export const dynamic = 'force-dynamic';\nexport function GET() { return Response.json({ status: 'ok' }); }\n",
    'apps/web/public/robots.txt': 'User-agent: *\n',
  });
  lockWorkspace(root, { offline: false });
  return root;
}

/**
 * Whether the image's user can write a file at `file` in the running container (next writes
 * its image and ISR cache to .next/cache).
 */
async function canWrite(container: Container, file: string): Promise<boolean> {
  const command = ['node', '-e', `require('fs').writeFileSync(${JSON.stringify(file)}, 'x')`];
  return (await execIn(container, command)).exitCode === 0;
}

describe.skipIf(!docker)('a Next.js app (kind next) built and run on a real engine', () => {
  let build: BinResult;
  let plan: BinResult;
  beforeAll(async () => {
    const root = await nextWorkspace();
    plan = await runBin(['plan'], { cwd: root, env: { CI: 'true' } });
    build = await runBin(['--tag', `${prefix}{app}:t`, '--base-image', testBaseImage], {
      cwd: root,
      env: { CI: 'true' },
    });
  });
  afterAll(async () => {
    if (docker) await removeTestResources(docker, runId, prefix);
  });

  it('builds the standalone server and serves the page, its public files and the health route', async () => {
    expect(build.stderr + build.stdout).not.toContain('error:');
    expect(build.code).toBe(0);
    const image = `${prefix}site:t`;
    const info = await docker!.getImage(image).inspect();
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Cmd).toEqual(['node', 'apps/site/server.js']);
    const { container, hostPort } = await startContainer(docker!, image, runId, 3000);
    const health = await waitFor(
      'site /api/health',
      async () => {
        const response = await fetch(`http://127.0.0.1:${hostPort}/api/health`);
        return response.ok ? ((await response.json()) as unknown) : undefined;
      },
      60_000,
    );
    expect(health).toEqual({ status: 'ok' });
    expect(await (await fetch(`http://127.0.0.1:${hostPort}/`)).text()).toContain(
      'hello docker from next',
    );
    expect(await (await fetch(`http://127.0.0.1:${hostPort}/robots.txt`)).text()).toContain(
      'User-agent',
    );
    expect(await canWrite(container, 'apps/site/.next/cache/probe')).toBe(true);
    expect(await canWrite(container, 'apps/site/server.js')).toBe(false);
    const started = Date.now();
    await container.stop({ t: 10 });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('builds a Next.js app without standalone output and runs it with next start, after a note at plan time', async () => {
    expect(plan.code).toBe(0);
    expect(plan.stderr).toContain(
      'note: web: apps/web: next.config sets no output: "standalone"; the image runs next start from a production install',
    );
    const image = `${prefix}web:t`;
    const info = await docker!.getImage(image).inspect();
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Cmd).toEqual(['node', 'node_modules/next/dist/bin/next', 'start']);
    const { container, hostPort } = await startContainer(docker!, image, runId, 3000);
    const health = await waitFor(
      'web /api/health',
      async () => {
        const response = await fetch(`http://127.0.0.1:${hostPort}/api/health`);
        return response.ok ? ((await response.json()) as unknown) : undefined;
      },
      60_000,
    );
    expect(health).toEqual({ status: 'ok' });
    expect(await (await fetch(`http://127.0.0.1:${hostPort}/`)).text()).toContain(
      'hello next start from next',
    );
    expect(await (await fetch(`http://127.0.0.1:${hostPort}/robots.txt`)).text()).toContain(
      'User-agent',
    );
    expect(await canWrite(container, '.next/cache/probe')).toBe(true);
    expect(await canWrite(container, '.next/BUILD_ID')).toBe(false);
    await container.stop({ t: 10 });
  });
});
