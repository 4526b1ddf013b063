import { describe, expect, it } from 'vitest';
import { checkAppEngines, resolveNode, type PackageName } from '../src/index.js';

const manifest = (fields: object = {}): string => JSON.stringify({ name: 'root', ...fields });

describe('resolveNode', () => {
  it.each([
    ['nothing', manifest(), {}, 24, 'default'],
    ['.nvmrc with an old exact patch', manifest(), { '.nvmrc': '20.8.1\n' }, 20, '.nvmrc (20.8.1)'],
    [
      '.nvmrc with a v prefix and comment',
      manifest(),
      { '.nvmrc': '# team node\nv22\n' },
      22,
      '.nvmrc (v22)',
    ],
    ['.nvmrc lts name', manifest(), { '.nvmrc': 'lts/iron' }, 20, '.nvmrc (lts/iron)'],
    ['.nvmrc lts/*', manifest(), { '.nvmrc': 'lts/*' }, 24, '.nvmrc (lts/*)'],
    ['.node-version', manifest(), { '.node-version': '22.12.0' }, 22, '.node-version (22.12.0)'],
    [
      '.tool-versions',
      manifest(),
      { '.tool-versions': 'python 3.12.1\nnodejs 20.11.0\n' },
      20,
      '.tool-versions (20.11.0)',
    ],
    ['volta', manifest({ volta: { node: '22.3.0' } }), {}, 22, 'volta.node (22.3.0)'],
    [
      'engines range with an upper bound',
      manifest({ engines: { node: '>=20 <21' } }),
      {},
      20,
      'engines.node (>=20 <21)',
    ],
    [
      'engines open range: the newest pinned',
      manifest({ engines: { node: '>=18' } }),
      {},
      24,
      'engines.node (>=18)',
    ],
    [
      'engines caret',
      manifest({ engines: { node: '^22.11.0' } }),
      {},
      22,
      'engines.node (^22.11.0)',
    ],
    [
      'engines alternatives',
      manifest({ engines: { node: '18 || 20' } }),
      {},
      20,
      'engines.node (18 || 20)',
    ],
    [
      'the version file before engines',
      manifest({ engines: { node: '>=20' } }),
      { '.nvmrc': '20' },
      20,
      '.nvmrc (20)',
    ],
  ])('%s', (_name, root, files, major, source) => {
    const { node, warnings } = resolveNode(root, files);
    expect(node.major).toBe(major);
    expect(node.source).toBe(source);
    expect(node.image).toMatch(new RegExp(`^node:${major}\\.\\d+\\.\\d+-bookworm-slim$`));
    expect(node.bundleImage).toBe(`gcr.io/distroless/nodejs${major}-debian12:nonroot`);
    expect(warnings).toEqual([]);
  });

  it('warns when the version file and engines disagree, and follows engines, what the packages say they run on', () => {
    const { node, warnings } = resolveNode(manifest({ engines: { node: '>=22 <23' } }), {
      '.nvmrc': '20',
    });
    expect(node.major).toBe(22);
    expect(node.source).toBe('engines.node (>=22 <23)');
    expect(warnings.map((warning) => warning.message)).toEqual([
      `.nvmrc (20) asks for Node 20, which engines.node (>=22 <23) does not allow; the images use Node ${node.version}, which it does: make them agree`,
    ]);
    // postiz: Volta's pin against engines.
    const volta = resolveNode(
      manifest({ engines: { node: '>=22.12.0 <23.0.0' }, volta: { node: '20.17.0' } }),
      {},
    );
    expect(volta.node.major).toBe(22);
    expect(volta.warnings).toHaveLength(1);
  });

  it('takes an exact engines.node for its major, as a version file (cosmo: 22.22.2)', () => {
    const { node, warnings } = resolveNode(manifest({ engines: { node: '22.22.2' } }), {});
    expect(node.major).toBe(22);
    expect(node.source).toBe('engines.node (22.22.2)');
    expect(warnings).toEqual([]);
  });

  it('warns and uses the default for a major it pins no image for, naming the fix', () => {
    const { node, warnings } = resolveNode(manifest(), { '.nvmrc': '16.20.2' });
    expect(node.major).toBe(24);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.file).toBe('.nvmrc');
    expect(warnings[0]!.message).toContain('.nvmrc (16.20.2) asks for a Node major');
    expect(warnings[0]!.message).toContain('"baseImage"');
  });

  it('warns about a version file it cannot read and goes on', () => {
    const { node, warnings } = resolveNode(manifest(), { '.nvmrc': 'hydrogen-ish' });
    expect(node.major).toBe(24);
    expect(warnings[0]!.message).toContain('.nvmrc: "hydrogen-ish" is not a Node version');
  });

  it('ignores an unreadable root manifest (reported by the reader)', () => {
    expect(resolveNode('{', {}).node.major).toBe(24);
  });
});

describe('checkAppEngines', () => {
  const node = resolveNode(manifest(), { '.nvmrc': '20' }).node;
  it('warns for an app whose engines.node excludes the chosen Node, naming its manifest', () => {
    const warnings = checkAppEngines(node, [
      { dir: 'apps/api', packageName: 'api' as PackageName, engines: '>=22' },
      { dir: 'apps/web', packageName: 'web' as PackageName, engines: '>=18' },
      { dir: 'apps/cli', packageName: 'cli' as PackageName, engines: undefined },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.file).toBe('apps/api/package.json');
    expect(warnings[0]!.message).toContain('engines.node ">=22" does not allow Node 20.20.2');
  });
});
