import { describe, expect, it } from 'vitest';
import { generatedHeader } from '@build-images/core';
import { writeFiles, writeTree } from '@build-images/test-helpers';
import { chooseDockerfilePath, readBuildHints, readPackageFacts } from '../src/index.js';

describe('chooseDockerfilePath', () => {
  it('takes docker/Dockerfile when it is free or one build-images wrote', async () => {
    expect(await chooseDockerfilePath(await writeTree({ 'a.txt': '' }), ['apps/api'])).toEqual({
      path: 'docker/Dockerfile',
      note: undefined,
    });
    const ours = await writeTree({ 'docker/Dockerfile': `${generatedHeader}\nFROM x\n` });
    expect((await chooseDockerfilePath(ours, [])).path).toBe('docker/Dockerfile');
  });

  it('leaves a hand-written docker/Dockerfile alone and says where its own goes', async () => {
    const root = await writeTree({ 'docker/Dockerfile': 'FROM node:24\nCOPY . .\n' });
    const choice = await chooseDockerfilePath(root, ['apps/api']);
    expect(choice.path).toBe('.build-images/Dockerfile');
    expect(choice.note).toContain('docker/Dockerfile is a hand-written Dockerfile, left as it is');
  });

  it('does not write into a workspace package that lives at docker/', async () => {
    const root = await writeTree({ 'docker/package.json': { name: 'docker-setup' } });
    const choice = await chooseDockerfilePath(root, ['apps/web', 'docker']);
    expect(choice.path).toBe('.build-images/Dockerfile');
    expect(choice.note).toContain('workspace package docker');
  });
});

describe('readPackageFacts', () => {
  it("records Dockerfiles beside the manifest and Nest's entry (nest-cli.json with comments)", async () => {
    const root = await writeTree({
      Dockerfile: 'FROM x\n',
      'Containerfile.dev': 'FROM x\n',
      'README.md': '',
      'nest-cli.json': '{\n  // the entry\n  "entryFile": "server",\n}\n',
    });
    expect(await readPackageFacts(root)).toEqual({
      dockerfiles: ['Containerfile.dev', 'Dockerfile'],
      nestEntry: 'server',
    });
  });
});

describe('readBuildHints', () => {
  it('takes the outDir of tsconfig.build.json before tsconfig.json, written with comments', async () => {
    const root = await writeTree({
      'tsconfig.json': '{ "compilerOptions": { "outDir": "dist" } }\n',
      'tsconfig.build.json':
        '{\n  // the build\n  "compilerOptions": { "outDir": "./build/", },\n}\n',
    });
    expect((await readBuildHints(root, {})).tsOutDir).toBe('build');
  });

  it('ignores an outDir outside the package', async () => {
    const root = await writeTree({
      'tsconfig.json': '{ "compilerOptions": { "outDir": "../out" } }',
    });
    expect((await readBuildHints(root, {})).tsOutDir).toBeUndefined();
  });
});

describe('readPackageFacts: a hand-written Dockerfile beside the app', () => {
  it('gives the port it exposes and the path its health check probes on that port', async () => {
    const root = await writeTree({
      Dockerfile:
        'FROM node:22\nEXPOSE 3030\nHEALTHCHECK --interval=10s \\\n  CMD wget -qO- http://localhost:3030/api/health || exit 1\nCMD ["node", "dist/index.js"]\n',
    });
    expect(await readPackageFacts(root)).toMatchObject({
      dockerfilePort: { file: 'Dockerfile', port: 3030 },
      dockerfileHealthPath: '/api/health',
      dockerfileCommand: { file: 'Dockerfile', command: ['node', 'dist/index.js'] },
    });
  });

  it('names a Cloudflare Workers config beside the manifest', async () => {
    const root = await writeTree({ 'wrangler.jsonc': '{ "name": "proxy" }\n', 'src/index.ts': '' });
    expect((await readPackageFacts(root)).wranglerConfig).toBe('wrangler.jsonc');
    expect((await readPackageFacts(await writeTree({ 'src/index.ts': '' }))).wranglerConfig).toBe(
      undefined,
    );
  });

  it("reads the final stage's ENTRYPOINT with its CMD, an init left out, and EXPOSE ${PORT} from ENV PORT (botpress)", async () => {
    const facts = async (dockerfile: string) =>
      readPackageFacts(await writeTree({ Dockerfile: dockerfile }));
    const botpress = await facts(
      'FROM node:22 AS base\nWORKDIR /usr/app\nRUN pnpm build\nFROM node:22-slim AS deploy\nCOPY --from=base /usr/app/x.cjs ./index.cjs\nENV PORT=8081\nEXPOSE ${PORT}\nENTRYPOINT ["node", "server.js"]\n',
    );
    expect(botpress.dockerfilePort).toEqual({ file: 'Dockerfile', port: 8081 });
    // The final stage stands on no stage of the file: no WORKDIR it could be sure of.
    expect(botpress.dockerfileCommand).toEqual({
      file: 'Dockerfile',
      command: ['node', 'server.js'],
      instruction: 'ENTRYPOINT',
    });
    const init = await facts(
      'FROM node:24 AS build\nWORKDIR /app\nCMD ["node", "old.js"]\nFROM build\nWORKDIR services/api\nENTRYPOINT ["/sbin/tini", "-g", "--"]\nCMD ["node", "--enable-source-maps", "dist/main.js"]\n',
    );
    expect(init.dockerfileCommand).toEqual({
      file: 'Dockerfile',
      command: ['node', '--enable-source-maps', 'dist/main.js'],
      instruction: 'CMD',
      workdir: '/app/services/api',
    });
    // An ENTRYPOINT of its own resets the CMD it inherits; one of the stage stays.
    const reset = await facts(
      'FROM node:24 AS base\nCMD ["node", "a.js"]\nFROM base\nENTRYPOINT ["dumb-init", "node", "--inspect", "b.js"]\n',
    );
    expect(reset.dockerfileCommand?.command).toEqual(['node', '--inspect', 'b.js']);
    const both = await facts('FROM node:24\nCMD ["--port", "3000"]\nENTRYPOINT ["node", "c.js"]\n');
    expect(both.dockerfileCommand).toMatchObject({
      command: ['node', 'c.js', '--port', '3000'],
      instruction: 'ENTRYPOINT and CMD',
    });
    // Shell forms say nothing that can be run without a shell.
    expect((await facts('FROM node:24\nCMD node server.js\n')).dockerfileCommand).toBeUndefined();
  });

  it("gives the folder its command runs in: the final stage's literal WORKDIR", async () => {
    const root = await writeTree({
      Dockerfile:
        'FROM node:24 AS build\nWORKDIR /app\nRUN pnpm build\nFROM node:24-alpine\nCOPY --from=build /app /app\nWORKDIR /app/services/pds\nCMD ["node", "--enable-source-maps", "index.ts"]\n',
    });
    expect((await readPackageFacts(root)).dockerfileCommand).toEqual({
      file: 'Dockerfile',
      command: ['node', '--enable-source-maps', 'index.ts'],
      instruction: 'CMD',
      workdir: '/app/services/pds',
    });
    await writeFiles(root, {
      Dockerfile: 'FROM node:24\nWORKDIR $APP_DIR\nCMD ["node", "index.js"]\n',
    });
    expect((await readPackageFacts(root)).dockerfileCommand).toEqual({
      file: 'Dockerfile',
      command: ['node', 'index.js'],
      instruction: 'CMD',
    });
  });

  it("reads a probe on ${PORT} with the file's own ENV PORT (rallly), and what its build step is given", async () => {
    const root = await writeTree({
      Dockerfile:
        "FROM node:24 AS builder\nRUN SKIP_ENV_VALIDATION=1 pnpm build\nFROM node:24-slim\nENV PORT=3000\nEXPOSE 3000\nHEALTHCHECK CMD curl --fail --noproxy '*' http://localhost:${PORT}/api/status || exit 1\n",
    });
    expect(await readPackageFacts(root)).toMatchObject({
      dockerfilePort: { file: 'Dockerfile', port: 3000 },
      dockerfileHealthPath: '/api/status',
      dockerfileBuildEnv: { file: 'Dockerfile', env: { SKIP_ENV_VALIDATION: '1' } },
    });
  });

  it('takes no health path probed on another port', async () => {
    const root = await writeTree({
      'Dockerfile.api': 'EXPOSE 8080\nHEALTHCHECK CMD curl -f http://127.0.0.1:9000/health\n',
    });
    const facts = await readPackageFacts(root);
    expect(facts.dockerfilePort).toEqual({ file: 'Dockerfile.api', port: 8080 });
    expect(facts.dockerfileHealthPath).toBeUndefined();
  });
});
