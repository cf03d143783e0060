import { describe, expect, it } from 'vitest';
import { chooseBackend } from './choose';
import { isSoftwareAdapter, loadWebGpu, requestWebGpuAdapter, webgpuMemoryRefusal } from './webgpu';

/** An adapter as Dawn describes it, with the spec's default limits unless overridden. */
function fakeAdapter(info: Record<string, unknown>, limits: Record<string, number> = {}) {
  return {
    info,
    features: new Set<string>(),
    limits: {
      maxBufferSize: 256 * 2 ** 20,
      maxStorageBufferBindingSize: 128 * 2 ** 20,
      maxComputeWorkgroupStorageSize: 16384,
      maxComputeInvocationsPerWorkgroup: 256,
      maxStorageBuffersPerShaderStage: 8,
      ...limits,
    },
    requestDevice: async () => {
      throw new Error('not in this test');
    },
  };
}
const probeOf = (adapter: ReturnType<typeof fakeAdapter> | null) =>
  (async () => ({ gpu: { requestAdapter: async () => adapter }, adapter })) as typeof requestWebGpuAdapter;

// What Dawn reports on Mesa 25's lavapipe and (names as NVIDIA's Vulkan driver gives them) an H100.
const LAVAPIPE = {
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
  isFallbackAdapter: true,
};
const NVIDIA = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3' };

describe('the webgpu loader judges its adapter', () => {
  it('tells software adapters from hardware ones, by flag or by name', () => {
    expect(isSoftwareAdapter(LAVAPIPE)).toBe(true);
    expect(isSoftwareAdapter({ ...LAVAPIPE, isFallbackAdapter: undefined })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'google', description: 'SwiftShader Device (Subzero)' })).toBe(true);
    expect(isSoftwareAdapter(NVIDIA)).toBe(false);
  });

  it('rejects no adapter, and a software one unless asked for by name', async () => {
    await expect(loadWebGpu({ requested: true, probe: probeOf(null) })).rejects.toThrow(/no WebGPU adapter/);
    await expect(loadWebGpu({ requested: false, probe: probeOf(fakeAdapter(LAVAPIPE)) })).rejects.toThrow(
      /software one \(llvmpipe: Mesa 25\.0\.7.*skipped \(select it with --backend webgpu/,
    );
  });

  it('names a missing capability', async () => {
    const weak = fakeAdapter(NVIDIA, { maxComputeInvocationsPerWorkgroup: 128 });
    await expect(loadWebGpu({ requested: false, probe: probeOf(weak) })).rejects.toThrow(
      /lacks what tfjs-backend-webgpu needs: maxComputeInvocationsPerWorkgroup 128 < 256/,
    );
  });

  it('refuses a step whose largest tensor exceeds a storage binding, or the GPU memory', async () => {
    const a = fakeAdapter(NVIDIA);
    // 32 × 128 MiB is the largest step whose largest tensor (1/32 of it, see webgpu-limits.ts) still binds.
    await expect(loadWebGpu({ requested: false, memoryNeedBytes: 5e9, probe: probeOf(a) })).rejects.toThrow(
      /largest tensors \(about 0\.16 GB\) exceed the adapter's maxStorageBufferBindingSize of 0\.13 GB/,
    );
    const report = {
      ...a,
      software: false,
      architecture: '',
      device: '',
      vendor: '',
      description: '',
      features: [],
    };
    expect(webgpuMemoryRefusal(4e9, report)).toBeNull();
    expect(webgpuMemoryRefusal(4e9, report, 4e9)).toMatch(/more than the GPU's 4\.00 GB/);
  });

  it('with the adapter forced unavailable, the chooser falls back to wasm and says why', async () => {
    process.env.NAS_STUDIO_WEBGPU = 'off';
    try {
      const off = await chooseBackend({
        env: { NAS_STUDIO_BACKEND: 'webgpu' },
        loaders: {
          tensorflow: async () => {
            throw new Error('absent');
          },
        },
      });
      expect(off.chosen).toBe('wasm');
      expect(off.attempts[0]).toEqual({
        backend: 'webgpu',
        ok: false,
        detail: 'WebGPU is turned off (NAS_STUDIO_WEBGPU=off)',
      });
      expect(off.whyNotFaster).toContain('webgpu unavailable: WebGPU is turned off');
    } finally {
      delete process.env.NAS_STUDIO_WEBGPU;
    }
  });
});
