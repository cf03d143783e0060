import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import * as tf from '../tf';

/**
 * Multi-threaded XNNPACK for the wasm backend under Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD binary but turns it off under Node
 * (WASM_HAS_MULTITHREAD_SUPPORT is false there, tfjs issue #3830), because its Emscripten loader
 * hands pthread workers blob: URLs, which Node's worker_threads cannot load. This module makes
 * that path work without touching the package:
 *   1. the two scripts the loader builds as Blobs (the pthread worker and the module factory it
 *      imports) are written to a private temporary folder and given to workers as file paths;
 *   2. the factory's source, taken out of its bundle by toString(), gets back the bundle-level
 *      names it refers to (`require$$N`, `commonjsGlobal`);
 *   3. the pool size: the binary sizes its thread pool as logical cores / 2 (assuming
 *      hyper-threading), so os.cpus() reports twice the wanted thread count while it initialises.
 * The patches are checked against the installed bundle first; if it differs (another tfjs
 * version), threads stay off and the reason is returned.
 */

const WORKER_IMPORT =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';
const FACTORY_PREFIX = 'var WasmBackendModuleThreadedSimd';

export interface WasmThreadsResult {
  threads: number;
  /** Why threads are off, when they are. */
  why?: string;
}

/** The `var require$$N = require('x');` lines of the bundle, which the extracted factory needs. */
function bundlePrelude(bundle: string): string {
  const lines = [...bundle.matchAll(/^var (require\$\$\d+) = require\('([^']+)'\);$/gm)].map(
    (m) => `var ${m[1]}=require(${JSON.stringify(m[2])});`,
  );
  return `var commonjsGlobal=globalThis;${lines.join('')}`;
}

let installed: WasmThreadsResult | null = null;

/**
 * Prepares the threaded binary (call before the wasm backend is first initialised) and initialises
 * the backend with `threads` threads. Returns how many it got, or 1 with the reason.
 */
export async function initWasmWithThreads(threads: number): Promise<WasmThreadsResult> {
  if (installed) return installed;
  if (threads <= 1) return (installed = { threads: 1, why: 'one thread requested' });
  const require = createRequire(import.meta.url);
  const bundlePath = require.resolve('@tensorflow/tfjs-backend-wasm');
  const bundle = readFileSync(bundlePath, 'utf8');
  if (
    !bundle.includes(WORKER_IMPORT.replace(/"/g, '\\"')) ||
    !bundle.includes('var WasmBackendModuleThreadedSimd = ')
  )
    return (installed = {
      threads: 1,
      why: `the installed tfjs-backend-wasm (${bundlePath}) differs from 4.22, whose loader this patches`,
    });
  if (typeof SharedArrayBuffer === 'undefined')
    return (installed = { threads: 1, why: 'SharedArrayBuffer is unavailable' });

  const dir = mkdtempSync(join(os.tmpdir(), 'nas-studio-wasm-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const texts = new WeakMap<Blob, string>();
  let factoryFile: string | null = null;
  let written = 0;
  const RealBlob = globalThis.Blob;
  const realCreateObjectURL = URL.createObjectURL.bind(URL);
  globalThis.Blob = class extends RealBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === 'string')) {
        const text = (parts as string[]).join('');
        texts.set(this, text);
        if (text.startsWith(FACTORY_PREFIX)) {
          factoryFile = join(dir, 'factory.js');
          writeFileSync(factoryFile, bundlePrelude(bundle) + text);
        }
      }
    }
  } as typeof Blob;
  URL.createObjectURL = (obj: Blob | MediaSource) => {
    const text = obj instanceof RealBlob ? texts.get(obj) : undefined;
    if (text === undefined || !factoryFile) return realCreateObjectURL(obj as Blob);
    const file = join(dir, `worker-${written++}.js`);
    writeFileSync(file, text.replace(WORKER_IMPORT, `importScripts(${JSON.stringify(factoryFile)});`));
    return file;
  };
  // The loader sets the global Worker to worker_threads' class and starts its pool with it. A
  // pthread worker must not keep the process alive once the backend is up (the main thread blocks
  // on them only inside a kernel call), so each is unref'd after start-up, as newer Emscripten does.
  const workers: { unref(): void }[] = [];
  let started = false;
  let Unrefd: unknown;
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => Unrefd,
    set(W: new (...a: unknown[]) => { unref(): void }) {
      Unrefd = class extends W {
        constructor(...a: unknown[]) {
          super(...a);
          if (started) this.unref();
          else workers.push(this);
        }
      };
    },
  });
  const realCpus = os.cpus;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  try {
    const one = realCpus()[0];
    os.cpus = () => Array.from({ length: 2 * threads }, () => one);
    if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed with threads");
  } finally {
    os.cpus = realCpus;
    globalThis.Blob = RealBlob;
    Object.defineProperty(globalThis, 'Worker', { configurable: true, writable: true, value: Unrefd });
  }
  started = true;
  for (const w of workers) w.unref();
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  return (installed = { threads: wasm.getThreadsCount() });
}
