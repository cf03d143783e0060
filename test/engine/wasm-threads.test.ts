import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wasmThreadCount } from '../../src/engine/backend/choose';
import { parseSearchConfig } from '../../src/shared/search-config';
import { RunManager, type WorkerHandle } from '../../src/runs/manager';
import { WorkerClient } from '../../src/worker/client';
import { builtFile } from '../foundation/built';

const run = promisify(execFile);

interface ProbeOutput {
  chosen: string;
  device: string;
  y: string;
  dx: string;
  dw: string;
  simd: string;
  simdKernels: boolean;
}

/** Runs the probe in its own process (the thread pool is per process) with `threads` wasm threads. */
async function probe(threads: number): Promise<ProbeOutput> {
  const { stdout } = await run(
    process.execPath,
    ['scripts/run-ts.mjs', 'test/engine/wasm-threads-probe.ts'],
    {
      env: { ...process.env, NAS_STUDIO_WASM_THREADS: String(threads), NAS_STUDIO_BACKEND: '' },
      // No process.exit in the probe: if a pthread worker kept it alive, this would time out.
      timeout: 60_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as ProbeOutput;
}

describe('wasm threads', () => {
  it('reads NAS_STUDIO_WASM_THREADS, else one per logical core from 1 to 4, and names a bad value', () => {
    expect(wasmThreadCount({}, 2)).toBe(2);
    expect(wasmThreadCount({}, 3)).toBe(3);
    expect(wasmThreadCount({}, 16)).toBe(4);
    expect(wasmThreadCount({}, 1)).toBe(1);
    expect(wasmThreadCount({ NAS_STUDIO_WASM_THREADS: '3' }, 2)).toBe(3);
    expect(wasmThreadCount({ NAS_STUDIO_WASM_THREADS: '' }, 8)).toBe(4);
    expect(() => wasmThreadCount({ NAS_STUDIO_WASM_THREADS: 'two' }, 2)).toThrow(
      /NAS_STUDIO_WASM_THREADS: expected a whole number from 1 to 64, got 'two'/,
    );
    expect(() => wasmThreadCount({ NAS_STUDIO_WASM_THREADS: '0' }, 2)).toThrow(/got '0'/);
  });

  it('runs the threaded binary, gives the one-thread results bit for bit, and lets the process exit', async () => {
    const [two, one] = await Promise.all([probe(2), probe(1)]);
    expect(one).toMatchObject({ chosen: 'wasm', device: expect.stringMatching(/one thread\)$/) });
    expect(two).toMatchObject({ chosen: 'wasm', device: expect.stringMatching(/, 2 threads\)$/) });
    expect(two.y).toBe(one.y);
    expect(two.dx).toBe(one.dx);
    expect(two.dw).toBe(one.dw);
    // The SIMD loops bound to the threaded build's shared memory agree with the single-threaded build's.
    expect(two.simdKernels && one.simdKernels).toBe(true);
    expect(two.simd).toBe(one.simd);
  });
});

describe('wasm threads in a run worker', () => {
  it('a child-process worker runs a search on threaded wasm to completion and then exits', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-thr-'));
    const handles: WorkerHandle[] = [];
    const launch = WorkerClient.launcher(builtFile('out/node/worker.js'));
    const m = new RunManager({
      root,
      env: { ...process.env, NAS_STUDIO_WASM_THREADS: '2', NAS_STUDIO_BACKEND: '' },
      launch: (env) => {
        const h = launch(env);
        handles.push(h);
        return h;
      },
    });
    const config = parseSearchConfig({
      space: { cells: 2, nodes: 2, channels: 2 },
      epochs: 1,
      batchSize: 8,
      stepsPerEpoch: 2,
      backend: 'wasm',
      data: { source: 'synthetic', synthetic: { size: 32, imageSize: 8, channels: 3, classes: 4 } },
    });
    m.create(config, 't');
    const ended = new Promise<string>((resolve) =>
      m.on(
        'status',
        (id: string, s: string) => id === 't' && s !== 'queued' && s !== 'running' && resolve(s),
      ),
    );
    m.enqueue('t');
    expect(await ended).toBe('completed');
    expect(m.dir('t').readStatus()).toMatchObject({ status: 'completed', backend: 'wasm' });
    expect(readFileSync(m.dir('t').logPath, 'utf8')).toMatch(
      /backend: wasm on CPU through WebAssembly \((no )?SIMD, 2 threads\)/,
    );
    // Then the manager ends the worker, which exits cleanly with its pthread workers.
    expect(await handles[0].exited).toMatchObject({ code: 0 });
  });
});
