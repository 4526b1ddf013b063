import { describe, expect, it } from 'vitest';
import { writeTree } from '@build-images/test-helpers';
import { listContextFiles, sensitiveFile } from '../src/list-context-files.js';

describe('sensitiveFile', () => {
  it.each([
    ['.env', true],
    ['apps/api/.env', true],
    ['apps/api/.env.local', true],
    ['apps/api/.env.development.local', true],
    ['apps/api/.env.production', false],
    ['apps/api/.env.example', false],
    ['apps/api/id_ed25519', true],
    ['apps/api/id_ed25519.pub', false],
    ['apps/api/tls/server.PEM', true],
    ['apps/api/tls/server.key', true],
    ['apps/api/keys.ts', false],
    ['apps/api/.npmrc', true],
    ['.npmrc-cloud', true],
    ['ci.npmrc', true],
    ['docs/npmrc.md', false],
    ['apps/api/credentials.json', true],
    ['apps/api/.aws/config', true],
    ['apps/api/.vscode/settings.json', true],
    ['apps/api/src/index.ts', false],
  ])('%s: %s', (file, expected) => {
    expect(sensitiveFile(file)).toBe(expected);
  });
});

describe('listContextFiles', () => {
  it('leaves sensitive files out, collecting them, and keeps the rest', async () => {
    const root = await writeTree({
      'apps/api/src/main.ts': 'x',
      'apps/api/.env': 'TOKEN=x',
      'apps/api/.vscode/settings.json': '{}',
    });
    const leftOut: string[] = [];
    expect(await listContextFiles(root, ['apps/api'], () => false, leftOut)).toEqual([
      'apps/api/src/main.ts',
    ]);
    // Editor settings go without a warning.
    expect(leftOut.sort()).toEqual(['apps/api/.env']);
  });
});
