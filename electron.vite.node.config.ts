import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

/**
 * The Node bundles, apart from the Electron main process (electron.vite.config.ts): the engine worker
 * (run by utilityProcess.fork in Electron and child_process.fork elsewhere) and the CLI, which share
 * chunks with each other, never with out/main. Built as electron-vite's main section for its Node
 * output (dependencies left external, ESM with __dirname and require available).
 */
export default defineConfig({
  main: {
    resolve: {
      alias: {
        '@engine': resolve(__dirname, 'src/engine'),
        '@shared': resolve(__dirname, 'src/shared'),
      },
    },
    build: {
      outDir: 'out/node',
      rollupOptions: {
        input: {
          worker: resolve(__dirname, 'src/worker/index.ts'),
          cli: resolve(__dirname, 'src/cli/index.ts'),
        },
      },
    },
  },
});
