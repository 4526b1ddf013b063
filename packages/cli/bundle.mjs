// Bundles the CLI for publishing: the internal @build-images/* packages are compiled into
// dist/bin.js (and chunks it imports on demand), third-party packages stay dependencies
// (loaded from node_modules, and the heavy ones only when a command needs them). Run after tsc (which type-checks and emits).
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const manifest = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
await build({
  entryPoints: ['dist/bin.js'],
  outdir: 'dist',
  allowOverwrite: true,
  bundle: true,
  // Dynamic imports (the build command, the engine client) become chunks of their own, so
  // their third-party imports (dockerode, protobufjs, listr2) load only when a build runs.
  splitting: true,
  chunkNames: 'chunk-[name]-[hash]',
  platform: 'node',
  target: 'node22',
  format: 'esm',
  external: Object.keys(manifest.dependencies),
  logLevel: 'warning',
});
