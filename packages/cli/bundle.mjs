// Bundles the CLI for publishing: the internal @build-images/* packages are compiled into
// dist/bin.js, third-party packages stay dependencies (loaded from node_modules, and the
// heavy ones only when a command needs them). Run after tsc (which type-checks and emits).
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const manifest = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
await build({
  entryPoints: ['dist/bin.js'],
  outfile: 'dist/bin.js',
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  external: Object.keys(manifest.dependencies),
  logLevel: 'warning',
});
