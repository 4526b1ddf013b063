import { describe, expect, it } from 'vitest';
import { generatedHeader } from '@build-images/core';
import { writeTree } from '@build-images/test-helpers';
import { chooseDockerfilePath, readPackageFacts } from '../src/index.js';

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
  it("records Dockerfiles beside the manifest, Nest's entry and the TypeScript outDir (JSON with comments)", async () => {
    const root = await writeTree({
      Dockerfile: 'FROM x\n',
      'Containerfile.dev': 'FROM x\n',
      'README.md': '',
      'nest-cli.json': { entryFile: 'server' },
      'tsconfig.json': '{\n  // output\n  "compilerOptions": { "outDir": "./build/", },\n}\n',
    });
    expect(await readPackageFacts(root)).toEqual({
      dockerfiles: ['Containerfile.dev', 'Dockerfile'],
      nestEntry: 'server',
      outDir: 'build',
    });
  });
});
