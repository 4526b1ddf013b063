import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDockerfile, shellcheckRunBodies } from '../src/index.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** The apps whose package.json `buildImages` has a `healthPath`: their images serve HTTP. */
async function servedApps(): Promise<string[]> {
  const served: string[] = [];
  for (const dir of (await readdir(path.join(repoRoot, 'apps'))).sort()) {
    const manifest = JSON.parse(
      await readFile(path.join(repoRoot, 'apps', dir, 'package.json'), 'utf8'),
    ) as { name: string; buildImages?: { healthPath?: string } };
    if (manifest.buildImages?.healthPath !== undefined)
      served.push(manifest.name.replace(/^@[^/]+\//, ''));
  }
  return served;
}

describe('the generated docker/Dockerfile of this repository', () => {
  it('serves api and web (the apps with a healthPath)', async () => {
    expect(await servedApps()).toEqual(['api', 'web']);
  });

  it('passes checkDockerfile', async () => {
    const text = await readFile(path.join(repoRoot, 'docker/Dockerfile'), 'utf8');
    expect(checkDockerfile(text, { servedTargets: await servedApps() })).toEqual([]);
  });

  it('checks the runtime stages as targets, not the base, pnpm, -deps and -build stages', async () => {
    const text = await readFile(path.join(repoRoot, 'docker/Dockerfile'), 'utf8');
    // Without USER every target fails BI001: the findings name the targets.
    const rootOnly = text.replace(/^USER .*$/gm, '');
    const targets = checkDockerfile(rootOnly, { servedTargets: [] })
      .filter((finding) => finding.rule === 'BI001')
      .map((finding) => /stage "([^"]+)"/.exec(finding.message)?.[1]);
    expect(targets).toEqual(expect.arrayContaining(['api', 'web', 'worker']));
    expect(
      targets.filter((name) => name === undefined || /^(base|pnpm)$|-(deps|build)$/.test(name)),
    ).toEqual([]);
  });

  it('passes shellcheck on every RUN', async () => {
    const text = await readFile(path.join(repoRoot, 'docker/Dockerfile'), 'utf8');
    expect(await shellcheckRunBodies(text)).toEqual([]);
  });
});
