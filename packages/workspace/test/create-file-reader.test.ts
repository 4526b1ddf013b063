import { rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTree } from '@build-images/test-helpers';
import { createFileReader } from '../src/index.js';

describe('createFileReader', () => {
  it('reads each file once: later changes on disk are not seen within a run', async () => {
    const root = await writeTree({ 'tsconfig.base.json': '{ "compilerOptions": {} }' });
    const reader = createFileReader();
    const first = reader.jsonc(path.join(root, 'tsconfig.base.json'));
    await writeFile(path.join(root, 'tsconfig.base.json'), '{ "changed": true }');
    expect(reader.jsonc(path.join(root, 'tsconfig.base.json'))).toBe(first);
    expect(reader.text(path.join(root, 'tsconfig.base.json'))).toBe('{ "compilerOptions": {} }');
  });

  it('reads JSON with comments and trailing commas, and answers undefined for invalid or absent files', async () => {
    const root = await writeTree({
      'tsconfig.json': '{\n  // the output\n  "compilerOptions": { "outDir": "dist", },\n}\n',
      'broken.json': '{ "compilerOptions": ',
      'list.json': '[1, 2]',
    });
    const reader = createFileReader();
    expect(reader.jsonc(path.join(root, 'tsconfig.json'))).toEqual({
      compilerOptions: { outDir: 'dist' },
    });
    expect(reader.jsonc(path.join(root, 'broken.json'))).toBeUndefined();
    expect(reader.jsonc(path.join(root, 'absent.json'))).toBeUndefined();
    expect(reader.text(path.join(root, 'absent.json'))).toBeUndefined();
    expect(reader.text(path.join(root, 'no-such-dir', 'a.json'))).toBeUndefined();
    expect(reader.jsonc(path.join(root, 'list.json'))).toEqual([1, 2]);
  });

  it('tells files and directories that exist from absent ones and dangling symlinks', async () => {
    const root = await writeTree({ 'configs/base.json': '{}', 'a.txt': '' });
    await symlink(path.join(root, 'gone.json'), path.join(root, 'dangling.json'));
    const reader = createFileReader();
    expect(reader.exists(path.join(root, 'configs'))).toBe(true);
    expect(reader.exists(path.join(root, 'configs/base.json'))).toBe(true);
    expect(reader.exists(path.join(root, 'configs/base'))).toBe(false);
    expect(reader.exists(path.join(root, 'dangling.json'))).toBe(false);
    expect(reader.list(root)).toEqual(new Set(['configs', 'a.txt', 'dangling.json']));
    expect(reader.list(path.join(root, 'a.txt'))).toBeUndefined();
  });

  it('lists a directory once: a file created after the listing counts as absent', async () => {
    const root = await writeTree({ 'a.txt': 'a' });
    const reader = createFileReader();
    expect(reader.text(path.join(root, 'a.txt'))).toBe('a');
    await writeFile(path.join(root, 'b.txt'), 'b');
    await rm(path.join(root, 'a.txt'));
    expect(reader.text(path.join(root, 'b.txt'))).toBeUndefined();
    expect(reader.text(path.join(root, 'a.txt'))).toBe('a');
  });
});
