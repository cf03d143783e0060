import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { root } from './built';

/**
 * The boundaries of docs/architecture.md are eslint.config.js's no-restricted-imports rules: each is
 * proven to fire on a deliberate violation, and to let the allowed import through, by linting a
 * snippet as if it were a file at `file` (the file need not exist).
 */
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The messages of no-restricted-imports for `code` placed at `file`. */
async function refusals(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result.messages
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => `${m.severity === 2 ? 'error' : 'warning'}: ${m.message}`);
}

const imports = (...specifiers: string[]) =>
  specifiers.map((s, i) => `import * as m${i} from '${s}';\nvoid m${i};\n`).join('');

describe('architecture boundaries (eslint no-restricted-imports)', () => {
  it('the engine imports nothing from the app and not Electron, as errors (CI fails on them)', async () => {
    const r = await refusals('src/engine/x.ts', imports('../shared/paths'));
    expect(r).toEqual([
      expect.stringMatching(
        /^error: '\.\.\/shared\/paths' import is restricted .*The engine imports nothing from the app/,
      ),
    ]);
    for (const s of [
      '../../shared/search-config',
      '../runs/run-dir',
      '../service/studio',
      '../main/security',
      '../renderer/api',
      '../server/web-server',
      '../worker/requests',
      '../cli/index',
      'electron',
    ])
      expect(await refusals('src/engine/search/x.ts', imports(s)), s).toHaveLength(1);
    expect(
      await refusals(
        'src/engine/search/x.ts',
        `import type { SearchConfig } from '../../shared/search-config';\nexport type C = SearchConfig;\n`,
      ),
    ).toHaveLength(1);
    expect(
      await refusals(
        'src/engine/search/x.ts',
        `export { parseSearchConfig } from '../../shared/search-config';\n`,
      ),
    ).toHaveLength(1);
    expect(await refusals('src/engine/x.ts', imports('./tf', './search/config', 'zod', 'node:fs'))).toEqual(
      [],
    );
  });

  it('backends import no search space, strategy or search loop: custom ops come from ops/', async () => {
    for (const s of [
      '../../spaces/darts/supernet',
      '../../strategies/darts',
      '../../search/session',
      '../../nn/module',
      '../../optim/sgd',
      '../../../shared/paths',
    ])
      expect(await refusals('src/engine/backend/wasm-kernels/x.ts', imports(s)), s).toHaveLength(1);
    expect(
      await refusals(
        'src/engine/backend/wasm-kernels/x.ts',
        imports(
          '../../tf',
          '../../ops/weighted-sum',
          '../../util/rng',
          '../kernel-override',
          '../cpu-kernels/conv-grads',
        ),
      ),
    ).toEqual([]);
  });

  it('the Electron main process imports no engine module, no tfjs and nothing that runs the engine in-process', async () => {
    for (const s of [
      '../engine/tf',
      '../engine/catalog',
      '@tensorflow/tfjs-core',
      'wabt',
      '../runs/execute',
      '../runs/export',
      '../worker/handlers',
    ])
      expect(await refusals('src/main/x.ts', imports(s)), s).toHaveLength(1);
    expect(
      await refusals(
        'src/main/x.ts',
        imports(
          'electron',
          '../shared/api',
          '../service/studio',
          '../runs/manager',
          '../worker/requests',
          './security',
        ),
      ),
    ).toEqual([]);
  });

  it('the service and web mode load no tfjs, and web mode nothing of the Electron shell', async () => {
    for (const s of ['../runs/export', '../engine/data/download', '@tensorflow/tfjs'])
      expect(await refusals('src/service/x.ts', imports(s)), s).toHaveLength(1);
    for (const s of ['../main/security', 'electron', '../runs/execute'])
      expect(await refusals('src/server/x.ts', imports(s)), s).toHaveLength(1);
    expect(
      await refusals(
        'src/server/x.ts',
        imports('../shared/security-policy', '../service/studio', 'node:http'),
      ),
    ).toEqual([]);
  });

  it('the renderer imports no Electron, no Node module and no engine module that loads tfjs, but the tfjs-free ones', async () => {
    for (const s of [
      'electron',
      'node:fs',
      'fs',
      'path',
      '@tensorflow/tfjs-core',
      '../../../engine/tf',
      '../../../engine/nn/module',
      '../../../engine/strategies/darts',
      '../../../engine/spaces/darts/supernet',
      '../../../engine/backend/doctor',
    ])
      expect(await refusals('src/renderer/src/wizard/X.tsx', imports(s)), s).toHaveLength(1);
    const tfjsFree = [
      '../../../engine/catalog',
      '../../../engine/search/space',
      '../../../engine/search/memory',
      '../../../engine/spaces/darts/space',
      '../../../engine/spaces/darts/flops',
      '../../../engine/strategies/darts-spec',
      '../../../shared/api',
      'react',
    ];
    expect(await refusals('src/renderer/src/wizard/X.tsx', imports(...tfjsFree))).toEqual([]);
  });
});
