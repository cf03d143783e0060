import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';

const alias = {
  '@engine': resolve(__dirname, 'src/engine'),
  '@shared': resolve(__dirname, 'src/shared'),
};

// The three Electron bundles: main, preload, renderer. out/main holds the Electron main process only,
// with no chunk shared with the engine: the engine worker and the CLI are built into out/node by
// electron.vite.node.config.ts (`npm run build` runs both), so that the process that draws the windows
// never loads tfjs (test/foundation/main-bundle.test.ts checks the built files).
export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(__dirname, 'src/main/index.ts') } },
    },
  },
  preload: {
    resolve: { alias },
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        // Sandboxed preloads cannot be ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    resolve: { alias },
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
});
