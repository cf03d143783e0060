import { describe, expect, it } from 'vitest';
import * as tf from '../tf';
import {
  chooseBackend,
  installNodeUtilShims,
  nativeLoader,
  parseBackendName,
  wasmThreadCount,
} from './choose';

/** A minimal module using one SIMD instruction (v128.const), to ask this runtime independently. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

const fail = (why: string) => async () => {
  throw new Error(why);
};

describe('chooseBackend', () => {
  it('falls back tensorflow → webgpu → wasm → cpu and records why each was rejected', async () => {
    const r = await chooseBackend({
      env: {},
      loaders: {
        tensorflow: fail('libtensorflow not installed'),
        webgpu: fail('no WebGPU adapter'),
        wasm: fail('no wasm here'),
      },
    });
    expect(r.chosen).toBe('cpu');
    expect(r.attempts.map((a) => [a.backend, a.ok])).toEqual([
      ['tensorflow', false],
      ['webgpu', false],
      ['wasm', false],
      ['cpu', true],
    ]);
    expect(r.attempts[0].detail).toContain('libtensorflow not installed');
    expect(r.whyNotFaster).toContain('tensorflow unavailable');
    expect(r.whyNotFaster).toContain('wasm unavailable');
  });

  it('honours a preferred backend, from options or the environment', async () => {
    const r = await chooseBackend({ prefer: 'cpu', env: {} });
    expect(r.attempts).toHaveLength(1);
    expect(r.chosen).toBe('cpu');
    const e = await chooseBackend({ env: { NAS_STUDIO_BACKEND: 'cpu' } });
    expect(e.chosen).toBe('cpu');
  });

  it('accepts the real wasm backend once the engine has added its training kernels', async () => {
    const r = await chooseBackend({ prefer: 'wasm', env: {}, loaders: { tensorflow: fail('absent') } });
    expect(r.chosen).toBe('wasm');
    expect(r.attempts[0].detail).toMatch(
      /kernels added or replaced \(convolution gradients on XNNPACK\): Conv2DBackpropFilter/,
    );
    // Threads as wasmThreadCount says for this machine (wasm-threads.test.ts runs 1 and 2 in
    // processes of their own); SIMD is Node's to say.
    const threads = wasmThreadCount(process.env);
    expect(r.flags.wasmThreads).toBe(threads > 1);
    expect(r.flags.wasmSimd).toBe(await WebAssembly.validate(SIMD_PROBE));
    expect(r.device).toMatch(
      new RegExp(
        `^CPU through WebAssembly \\((no )?SIMD, ${threads > 1 ? `${threads} threads` : 'one thread'}\\)$`,
      ),
    );
  });

  it('skips wasm when the work would not fit its 4 GB heap, and says so', async () => {
    const r = await chooseBackend({
      prefer: 'wasm',
      env: {},
      memoryNeedBytes: 9.6e9,
      loaders: { tensorflow: fail('absent') },
    });
    expect(r.chosen).toBe('cpu');
    expect(r.attempts[0]).toMatchObject({ backend: 'wasm', ok: false });
    expect(r.attempts[0].detail).toMatch(/about 9\.6 GB per step, more than the wasm heap's 4 GB/);
  });

  it('names a bad backend value', () => {
    expect(() => parseBackendName('cuda', '--backend')).toThrow(/--backend: unknown backend 'cuda'/);
    expect(parseBackendName('auto', 'x')).toBeUndefined();
  });
});

describe('the tensorflow (native) loader', () => {
  const notInstalled = (name: string) =>
    Object.assign(new Error(`Cannot find package '${name}'`), { code: 'ERR_MODULE_NOT_FOUND' });

  it('says which native package is missing and what GPU search needs', async () => {
    const load = nativeLoader(async (name) => {
      throw notInstalled(name);
    });
    const r = await chooseBackend({
      env: {},
      loaders: { tensorflow: load, webgpu: fail('no WebGPU adapter'), wasm: fail('no wasm here') },
    });
    expect(r.chosen).toBe('cpu');
    expect(r.attempts[0].detail).toMatch(
      /tfjs-node-gpu is not installed \(an optional dependency.*tfjs-node is not installed\. GPU search needs .*CUDA 11\.2 and cuDNN 8\.1/,
    );
  });

  it('refuses a package that registered its backend with another copy of tfjs-core', async () => {
    const load = nativeLoader(async () => ({})); // "loads" but registers nothing with the engine's tfjs-core
    await expect(load()).rejects.toThrow(/another copy of @tensorflow\/tfjs-core/);
  });

  it('falls back from tfjs-node-gpu to tfjs-node and reports that libtensorflow computes on the CPU', async () => {
    class FakeNodeBackend extends tf.KernelBackend {
      isGPUPackage = false;
      isUsingGpuDevice = false;
      override dispose(): void {}
    }
    const tried: string[] = [];
    const load = nativeLoader(async (name) => {
      tried.push(name);
      if (name === '@tensorflow/tfjs-node-gpu')
        throw new Error('libcudart.so.11.0: cannot open shared object file');
      tf.registerBackend('tensorflow', () => new FakeNodeBackend());
    });
    try {
      const r = await chooseBackend({ env: {}, loaders: { tensorflow: load } });
      expect(tried).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
      expect(r.chosen).toBe('tensorflow');
      expect(r.attempts).toEqual([
        { backend: 'tensorflow', ok: true, detail: '@tensorflow/tfjs-node loaded' },
      ]);
      expect(r.flags).toEqual({ tensorflowGpu: false });
      expect(r.device).toBe('CPU through libtensorflow (tfjs-node)');
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('tensorflow');
    }
  });

  it('shims the util functions tfjs-node 4.22 calls (removed in Node 23+) without replacing existing ones', () => {
    const util: Record<string, unknown> = {};
    installNodeUtilShims(util);
    const isNullOrUndefined = util.isNullOrUndefined as (v: unknown) => boolean;
    expect([null, undefined, 0, ''].map(isNullOrUndefined)).toEqual([true, true, false, false]);
    expect((util.isArray as (v: unknown) => boolean)([1])).toBe(true);
    const own = () => false;
    const existing: Record<string, unknown> = { isArray: own };
    installNodeUtilShims(existing);
    expect(existing.isArray).toBe(own);
  });
});
