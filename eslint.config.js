import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { builtinModules } from 'node:module';

// The architecture's boundaries (docs/architecture.md, "Boundaries") as no-restricted-imports rules.
// Patterns are gitignore-style and match the import specifier as written ('**/shared' refuses
// '../../shared/paths'). A file gets the rule of the last block that matches it, with no merging, so
// a block for a sub-folder repeats its parent's groups. test/foundation/boundaries.test.ts proves that
// each rule fires; test/foundation/main-bundle.test.ts checks what the built bundles import, transitively.

/** The app around the engine. */
const APP = {
  group: [
    '**/shared',
    '**/runs',
    '**/service',
    '**/main',
    '**/renderer',
    '**/server',
    '**/worker',
    '**/cli',
    '**/preload',
    '@shared/*',
  ],
  message:
    'The engine imports nothing from the app: move what it needs into src/engine, or have the caller pass it in.',
};

/** What a backend's kernels must not know about. */
const ABOVE_KERNELS = {
  group: [
    '**/spaces',
    '**/strategies',
    '**/search',
    '**/nn',
    '**/optim',
    '**/data',
    '**/export',
    '**/train',
    '**/catalog',
  ],
  message:
    'Backends implement kernels: they import kernel names (and the loops they share) from src/engine/ops/, never a search space, a strategy, the search loop or the layers.',
};

/**
 * tfjs, wabt and the engine modules that load them. The engine's tfjs-free modules (catalog, config
 * schema, the *-spec files, search/space.ts, spaces/darts/space.ts, FLOP and parameter counts) stay
 * importable; the bundle test catches a tfjs module missing from this list.
 */
const TFJS_PACKAGES = ['@tensorflow/*', 'wabt'];
const TFJS_MESSAGE =
  'This module loads tfjs (or wabt): only the engine worker and the CLI may; hosts ask a worker (src/worker/requests.ts).';
const TFJS = {
  group: [
    ...TFJS_PACKAGES,
    '**/engine/tf',
    '**/engine/nn',
    '**/engine/ops',
    '**/engine/optim',
    '**/engine/backend',
    '**/engine/train',
    '**/engine/data',
    '**/engine/export',
    '**/engine/search/session',
    '**/engine/search/checkpoint',
    '**/engine/search/build-data',
    '**/engine/search/batch-source',
    '**/engine/search/supernet',
    '**/engine/spaces/registry',
    '**/engine/spaces/*/supernet',
    '**/engine/spaces/*/eval-network',
    '**/engine/spaces/*/primitives',
    '**/engine/spaces/*/cell-inputs',
    '**/engine/strategies/*',
    '!**/engine/strategies/*-spec',
  ],
  message: TFJS_MESSAGE,
};

/** The app's modules that run the engine in the process that imports them. */
const RUNS_ENGINE = {
  group: [
    '**/runs/execute',
    '**/runs/export',
    '**/worker/handlers',
    '**/worker/dataset-preview',
    '**/worker/index',
  ],
  message:
    'This module runs the engine in-process: hosts reach it through an engine worker (src/worker/requests.ts).',
};

const refuse = (options) => ({ 'no-restricted-imports': ['error', options] });

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'dist/**', 'test-artifacts/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // The engine is pure TypeScript on tfjs-core: no Electron, nothing of the app around it.
    files: ['src/engine/**/*.ts'],
    rules: refuse({ paths: ['electron'], patterns: [APP] }),
  },
  {
    // Kernels import only tfjs, util/, ops/ and other backend modules. Tests may drive a kernel
    // through a whole search step (wasm-kernels.test.ts), so they keep the engine's rule only.
    files: ['src/engine/backend/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: refuse({ paths: ['electron'], patterns: [APP, ABOVE_KERNELS] }),
  },
  {
    // The Electron main process draws the windows: engine work runs in utility processes.
    files: ['src/main/**/*.ts'],
    rules: refuse({
      patterns: [
        {
          group: ['**/engine', '@engine/*'],
          message:
            'The Electron main process imports no engine module: it asks an engine worker (src/worker/requests.ts).',
        },
        { group: TFJS_PACKAGES, message: TFJS_MESSAGE },
        RUNS_ENGINE,
      ],
    }),
  },
  {
    // StudioService runs inside the Electron main process: engine work comes in as functions (StudioDeps).
    files: ['src/service/**/*.ts'],
    rules: refuse({ patterns: [TFJS, RUNS_ENGINE] }),
  },
  {
    // Web mode is the other host of the same service: nothing of the Electron shell, no engine in-process.
    files: ['src/server/**/*.ts'],
    rules: refuse({
      paths: ['electron'],
      patterns: [
        {
          group: ['**/main'],
          message: 'Web mode imports nothing from the Electron shell: what both need lives in src/shared.',
        },
        TFJS,
        RUNS_ENGINE,
      ],
    }),
  },
  {
    // The renderer is a sandboxed web page: no Electron, no Node, no tfjs (it talks to NasStudioApi).
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: refuse({
      paths: [
        {
          name: 'electron',
          message: 'The renderer is sandboxed: it reaches the host through NasStudioApi (src/shared/api.ts).',
        },
        ...builtinModules.map((name) => ({ name, message: 'The renderer is a web page: no Node modules.' })),
      ],
      patterns: [{ group: ['node:*'], message: 'The renderer is a web page: no Node modules.' }, TFJS],
    }),
  },
);
