import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderOptionsHelp } from '../src/cli-options.js';

describe('the README option reference', () => {
  it('is the one --help prints (regenerate with: pnpm build && node scripts/sync-readme-options.mjs)', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    const block = /<!-- options:start -->\n```\n([\s\S]*?)```\n<!-- options:end -->/.exec(readme)?.[1];
    expect(block).toBe(renderOptionsHelp());
  });
});
