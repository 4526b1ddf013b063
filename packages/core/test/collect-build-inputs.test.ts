import { describe, expect, it } from 'vitest';
import {
  collectBuildInputs,
  createWorkspaceGraph,
  isBuildInput,
  type PackageName,
} from '../src/index.js';
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

  it('keeps one folder input for the folders and files below it', () => {
    const { graph: folders } = createWorkspaceGraph([
      pkg('pds', 'services/pds', {
        dependencies: { dependencies: { api: 'workspace:*', lexicon: 'workspace:*' } },
      }),
      pkg('api', 'packages/api', {
        buildInputs: ['lexicons/app/bsky/', 'lexicons/com/atproto/', 'lexicons/README.md'],
      }),
      pkg('lexicon', 'packages/lexicon', { buildInputs: ['lexicons/', 'packages/api/x/'] }),
    ]);
    expect(collectBuildInputs(folders, 'pds' as PackageName, [])).toEqual(['lexicons/']);
  });
});

describe('isBuildInput', () => {
  it('matches a file input exactly and a folder input by what lies below it', () => {
    const inputs = ['tsconfig.base.json', 'lexicons/'];
    expect(isBuildInput('tsconfig.base.json', inputs)).toBe(true);
    expect(isBuildInput('lexicons/com/atproto/repo.json', inputs)).toBe(true);
    expect(isBuildInput('lexicons-old/x.json', inputs)).toBe(false);
    expect(isBuildInput('tsconfig.base.json.bak', inputs)).toBe(false);
    expect(isBuildInput('packages/a/lexicons/x.json', inputs)).toBe(false);
  });
});
