import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolConfigSchema } from '@build-images/core';
import { renderConfigReference, renderOptionsHelp } from '../src/cli-options.js';

describe('the README option reference', () => {
  it('is the one --help prints (regenerate with: pnpm build && node scripts/sync-generated-docs.mjs)', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    const block = /<!-- options:start -->\n```\n([\s\S]*?)```\n<!-- options:end -->/.exec(
      readme,
    )?.[1];
    expect(block).toBe(renderOptionsHelp());
  });
});

describe('the generated config docs', () => {
  it('the README config table and the published JSON schema come from the config field table', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    expect(/<!-- config:start -->\n([\s\S]*?)<!-- config:end -->/.exec(readme)?.[1]).toBe(
      renderConfigReference(),
    );
    const schema = readFileSync(
      path.resolve(import.meta.dirname, '../schema/build-images.config.schema.json'),
      'utf8',
    );
    expect(JSON.parse(schema)).toEqual(toolConfigSchema());
  });
});
