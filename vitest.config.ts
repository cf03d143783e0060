import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: {
    alias: {
      '@engine': fileURLToPath(new URL('./src/engine', import.meta.url)),
      '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)),
    },
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The engine runs real tfjs computations on the pure-JS cpu backend: give them room, never assert on time.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // Two test files run at once on two cores: wasm threads would only contend. Threading has its
    // own test (test/engine/wasm-threads.test.ts), which sets the count for its child processes.
    env: { NAS_STUDIO_WASM_THREADS: '1' },
  },
});
