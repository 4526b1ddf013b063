import { describe, expect, it } from 'vitest';
import { collectBuildInputs, createWorkspaceGraph, type PackageName } from '../src/index.js';
import { pkg } from './builders.js';

describe('collectBuildInputs', () => {
  const { graph } = createWorkspaceGraph([
    pkg('web', 'examples/web', {
      dependencies: { dependencies: { theme: 'workspace:*' } },
      buildInputs: ['tsconfig.base.json'],
    }),
    pkg('theme', 'packages/theme', {
      buildInputs: ['packages/theme-docs/postcss.config.mjs', 'examples/web/shared.mjs'],
    }),
    pkg('theme-docs', 'packages/theme-docs'),
  ]);

  it("keeps files outside the closure, even in another package, and drops the closure's own", () => {
    expect(collectBuildInputs(graph, 'web' as PackageName, ['./scripts/gen.mjs'])).toEqual([
      'packages/theme-docs/postcss.config.mjs',
      'scripts/gen.mjs',
      'tsconfig.base.json',
    ]);
  });
});
