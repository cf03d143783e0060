import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../../shared/doctor';
import { fitWarning, gpuMemoryBytes } from './fit';

const report = (chosen: 'tensorflow' | 'wasm' | 'cpu', memory?: string) =>
  ({
    backend: { chosen },
    gpus: { devices: memory ? [{ name: 'NVIDIA H100', memory, driver: '550' }] : [] },
  }) as unknown as DoctorReport;

describe('fit warning', () => {
  it('reads nvidia-smi memory', () => {
    expect(gpuMemoryBytes(report('tensorflow', '81559 MiB'))).toBe(81559 * 2 ** 20);
    expect(gpuMemoryBytes(report('cpu'))).toBeNull();
  });
  it('warns before a search would not fit the GPU, and only then', () => {
    const gpu = report('tensorflow', '8192 MiB'); // 8.6 GB
    expect(fitWarning(5e9, gpu)).toBeNull();
    expect(fitWarning(8e9, gpu)).toMatch(
      /Needs about 8\.0 GB per step but the GPU has 8\.6 GB: reduce the batch size/,
    );
  });
  it('warns when the wasm heap is too small; says nothing on cpu or without an estimate', () => {
    expect(fitWarning(5e9, report('wasm'))).toMatch(/more than the wasm backend's 4 GB heap/);
    expect(fitWarning(1e9, report('wasm'))).toBeNull();
    expect(fitWarning(50e9, report('cpu'))).toBeNull();
    expect(fitWarning(null, report('wasm'))).toBeNull();
  });
});
