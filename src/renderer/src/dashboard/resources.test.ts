import { describe, expect, it } from 'vitest';
import { appendBounded, formatBytes, resourceFigures } from './resources';

const sample = {
  rssBytes: 812 * 1024 * 1024,
  heapUsedBytes: 40 * 1024 * 1024,
  heapTotalBytes: 64 * 1024 * 1024,
  externalBytes: 0,
  cpuPercent: 97.4,
  tensorBytes: 1536,
  tensors: 12,
  backend: 'cpu',
};

describe('the resource panel figures', () => {
  it('formats bytes in binary units with three significant figures', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(812 * 1024 * 1024)).toBe('812 MiB');
    expect(formatBytes(1.25 * 1024 ** 3)).toBe('1.25 GiB');
    expect(formatBytes(-1)).toBe('–');
  });

  it('shows memory, heap, CPU and tensors; GPU memory as a figure when reported, else says why not', () => {
    const f = Object.fromEntries(resourceFigures(sample).map((x) => [x.label, x]));
    expect(f['memory (RSS)'].value).toBe('812 MiB');
    expect(f['JS heap'].value).toBe('40.0 MiB of 64.0 MiB');
    expect(f.CPU.value).toBe('97 %');
    expect(f.tensors.value).toBe('12 (1.50 KiB)');
    expect(f['GPU memory'].value).toBe('not reported');
    expect(f['GPU memory'].title).toMatch(/cpu backend computes on the CPU/);
    expect(f['wasm heap']).toBeUndefined();
    const gpu = resourceFigures({ ...sample, backend: 'tensorflow', gpuBytes: 3 * 1024 ** 3 });
    expect(gpu.find((x) => x.label === 'GPU memory')?.value).toBe('3.00 GiB');
    const wasm = resourceFigures({ ...sample, backend: 'wasm', wasmHeapBytes: 256 * 1024 * 1024 });
    expect(wasm.find((x) => x.label === 'wasm heap')?.value).toBe('256 MiB');
  });

  it('keeps a bounded history, newest last', () => {
    let xs: number[] = [];
    for (let i = 0; i < 10; i++) xs = appendBounded(xs, i, 4);
    expect(xs).toEqual([6, 7, 8, 9]);
  });
});
