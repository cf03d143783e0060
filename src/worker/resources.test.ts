import { describe, expect, it } from 'vitest';
import { ResourceSampleSchema, WorkerMessageSchema } from '../shared/protocol';
import { ResourceSampler, type TfMemorySource } from './resources';

/** A clock, a CPU counter and a memory report the test moves by hand. */
function fakes() {
  const s = { t: 0, user: 0, system: 0, rss: 200e6 };
  return {
    s,
    opts: {
      now: () => s.t,
      cpuUsage: () => ({ user: s.user, system: s.system }),
      memoryUsage: () => ({
        rss: s.rss,
        heapUsed: 50e6,
        heapTotal: 80e6,
        external: 5e6,
        arrayBuffers: 1e6,
      }),
    },
  };
}

const cpuTf = (numBytes = 4096): TfMemorySource => ({
  memory: () => ({ numBytes, numTensors: 3 }),
  getBackend: () => 'cpu',
});

describe('the worker resource sampler', () => {
  it('reports CPU as the share of one core used since the previous sample (hand-computed)', () => {
    const { s, opts } = fakes();
    const sampler = new ResourceSampler(cpuTf(), { ...opts, intervalMs: 1000 });
    // 2 s of wall time, 1.5 s user + 0.5 s system CPU: 100 % of one core.
    s.t = 2000;
    s.user = 1_500_000;
    s.system = 500_000;
    expect(sampler.sample().cpuPercent).toBe(100);
    // Then 4 s with 1 s of CPU: 25 %.
    s.t = 6000;
    s.user = 2_500_000;
    expect(sampler.sample().cpuPercent).toBe(25);
  });

  it('samples at most once per interval: progress every step costs one read per second', () => {
    const { s, opts } = fakes();
    const sampler = new ResourceSampler(cpuTf(), { ...opts, intervalMs: 1000 });
    s.t = 1000;
    const first = sampler.sample();
    s.rss = 900e6;
    s.t = 1500;
    expect(sampler.sample()).toBe(first);
    s.t = 2001;
    expect(sampler.sample().rssBytes).toBe(900e6);
  });

  it('carries memory and tfjs figures that the protocol schema accepts, and no GPU figure on the cpu backend', () => {
    const { opts } = fakes();
    const sample = new ResourceSampler(cpuTf(123_456), opts).sample();
    expect(sample).toMatchObject({
      rssBytes: 200e6,
      heapUsedBytes: 50e6,
      heapTotalBytes: 80e6,
      externalBytes: 5e6,
      tensorBytes: 123_456,
      tensors: 3,
      backend: 'cpu',
    });
    expect(sample.gpuBytes).toBeUndefined();
    expect(ResourceSampleSchema.parse(sample)).toEqual(sample);
    const progress = {
      type: 'run-progress',
      step: 1,
      totalSteps: 2,
      epoch: 0,
      metrics: { loss: 1 },
      stepSeconds: 0.1,
      etaSeconds: 0.1,
      phase: 'search',
      phaseIndex: 0,
      phaseCount: 1,
      resources: sample,
    };
    // The phase fields and the sample survive validation (zod strips what it does not declare).
    expect(WorkerMessageSchema.parse(progress)).toEqual(progress);
    expect(
      WorkerMessageSchema.safeParse({ ...progress, resources: { ...sample, rssBytes: -1 } }).success,
    ).toBe(false);
  });

  it('reports GPU memory where the backend can: numBytesInGPU, or the driver for TensorFlow, asked in the background', async () => {
    const { s, opts } = fakes();
    const webgl: TfMemorySource = {
      memory: () => ({ numBytes: 10, numTensors: 1, numBytesInGPU: 7777 }),
      getBackend: () => 'webgl',
    };
    expect(new ResourceSampler(webgl, opts).sample().gpuBytes).toBe(7777);

    const asked: number[] = [];
    const tensorflow: TfMemorySource = {
      memory: () => ({ numBytes: 10, numTensors: 1 }),
      getBackend: () => 'tensorflow',
    };
    const sampler = new ResourceSampler(tensorflow, {
      ...opts,
      intervalMs: 0,
      gpuIntervalMs: 10_000,
      gpuProbe: async (pid) => {
        asked.push(pid);
        return 512 * 1024 * 1024;
      },
    });
    s.t = 1;
    // The first sample does not wait for the driver; the next one carries its answer.
    expect(sampler.sample().gpuBytes).toBeUndefined();
    await Promise.resolve();
    s.t = 2;
    expect(sampler.sample().gpuBytes).toBe(512 * 1024 * 1024);
    expect(asked).toEqual([process.pid]);
    s.t = 5000;
    sampler.sample();
    expect(asked).toHaveLength(1); // not again within gpuIntervalMs

    // No driver: asked once, then never again.
    let probes = 0;
    const none = new ResourceSampler(tensorflow, {
      ...opts,
      intervalMs: 0,
      gpuIntervalMs: 0,
      gpuProbe: async () => {
        probes++;
        return undefined;
      },
    });
    for (let i = 0; i < 5; i++) {
      s.t += 1;
      none.sample();
      await Promise.resolve();
    }
    expect(probes).toBe(1);
  });

  it('the wasm backend reports its heap, where its tensors live', () => {
    const { opts } = fakes();
    const wasm: TfMemorySource = {
      memory: () => ({ numBytes: 10, numTensors: 1 }),
      getBackend: () => 'wasm',
      wasmHeapBytes: () => 64 * 1024 * 1024,
    };
    expect(new ResourceSampler(wasm, opts).sample().wasmHeapBytes).toBe(64 * 1024 * 1024);
  });
});
