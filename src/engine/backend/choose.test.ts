import { describe, expect, it } from 'vitest';
import { chooseBackend, parseBackendName } from './choose';

const fail = (why: string) => async () => {
  throw new Error(why);
};

describe('chooseBackend', () => {
  it('falls back tensorflow → wasm → cpu and records why each was rejected', async () => {
    const r = await chooseBackend({
      env: {},
      loaders: { tensorflow: fail('libtensorflow not installed'), wasm: fail('no wasm here') },
    });
    expect(r.chosen).toBe('cpu');
    expect(r.attempts.map((a) => [a.backend, a.ok])).toEqual([
      ['tensorflow', false],
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
    expect(r.attempts[0].detail).toMatch(/training kernels added: Conv2DBackpropFilter/);
  });

  it('skips wasm when the work would not fit its 4 GB heap, and says so', async () => {
    const r = await chooseBackend({ prefer: 'wasm', env: {}, memoryNeedBytes: 9.6e9, loaders: { tensorflow: fail('absent') } });
    expect(r.chosen).toBe('cpu');
    expect(r.attempts[0]).toMatchObject({ backend: 'wasm', ok: false });
    expect(r.attempts[0].detail).toMatch(/about 9\.6 GB per step, more than the wasm heap's 4 GB/);
  });

  it('names a bad backend value', () => {
    expect(() => parseBackendName('cuda', '--backend')).toThrow(/--backend: unknown backend 'cuda'/);
    expect(parseBackendName('auto', 'x')).toBeUndefined();
  });
});
