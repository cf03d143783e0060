import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtFile, root } from './built';

/**
 * The architecture's boundary as the built files show it, transitively (the lint rules see one import
 * at a time): the Electron main process reaches the engine only through engine workers, so nothing
 * in its bundle loads tfjs or wabt. CI runs `npm run build` before the tests; elsewhere builtFile builds.
 */

/** Every JavaScript file under `dir`, recursively. */
function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(c|m)?js$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** Module specifiers that load tfjs or wabt: static and dynamic imports, re-exports, require and require.resolve. */
const LOADS_TFJS =
  /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire(?:\.resolve)?\s*\(\s*)["'`](@tensorflow\/[^"'`]*|wabt(?:\/[^"'`]*)?)["'`]/g;

function tfjsImports(dir: string): string[] {
  return jsFiles(dir).flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(LOADS_TFJS)].map((m) => `${f.slice(root.length + 1)}: ${m[1]}`),
  );
}

describe('the built Electron main bundle', () => {
  const mainDir = join(root, 'out', 'main');

  it('holds the main process only: the engine worker and the CLI are built into out/node', () => {
    builtFile('out/main/index.js');
    builtFile('out/node/worker.js');
    builtFile('out/node/cli.js');
    expect(existsSync(join(mainDir, 'worker.js'))).toBe(false);
    expect(existsSync(join(mainDir, 'cli.js'))).toBe(false);
  });

  it('imports or requires no @tensorflow package and no wabt, in any of its files', () => {
    builtFile('out/main/index.js');
    expect(jsFiles(mainDir).length).toBeGreaterThan(0);
    expect(tfjsImports(mainDir)).toEqual([]);
  });

  it('the check finds them where they belong: the engine worker bundle loads tfjs', () => {
    builtFile('out/node/worker.js');
    expect(tfjsImports(join(root, 'out', 'node')).some((i) => i.endsWith('@tensorflow/tfjs-core'))).toBe(
      true,
    );
  });

  it('the renderer bundle has no tfjs inside either (it bundles its dependencies, so it is searched for tfjs-core itself)', () => {
    builtFile('out/renderer/index.html');
    // An error message of tfjs-core's Tensor class: in any bundle that includes tfjs-core, minified or not.
    const withTfjs = jsFiles(join(root, 'out', 'renderer')).filter((f) =>
      readFileSync(f, 'utf8').includes('Tensor is disposed'),
    );
    expect(withTfjs).toEqual([]);
  });
});
