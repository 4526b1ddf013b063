import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Builds index.html and src/client into dist/public, next to the server's dist/main.js,
// so that `pnpm deploy` (which keeps only dist/) ships both.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  build: {
    outDir: 'dist/public',
    emptyOutDir: true,
  },
});
