import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkerClient } from '../../src/worker/client';
import type { WorkerMessage } from '../../src/shared/protocol';
import {
  requestDatasetDownload,
  requestDatasetPreview,
  requestDoctorReport,
  requestRunExport,
} from '../../src/worker/requests';
import { DoctorReportSchema } from '../../src/shared/doctor';
import { RunDir } from '../../src/runs/run-dir';
import { parseSearchConfig } from '../../src/shared/search-config';
import { builtFile } from './built';

const is =
  <T extends WorkerMessage['type']>(type: T) =>
  (m: WorkerMessage): m is Extract<WorkerMessage, { type: T }> =>
    m.type === type;

describe('the built engine worker, forked with child_process', () => {
  it('speaks the protocol: ready, info, compute with progress, typed errors, clean stop', async () => {
    const worker = WorkerClient.fork(builtFile('out/node/worker.js'), {
      ...process.env,
      NAS_STUDIO_BACKEND: 'cpu',
    });
    const messages: WorkerMessage[] = [];
    worker.onMessage((m) => messages.push(m));
    await worker.waitFor(is('ready'));

    worker.send({ type: 'info' });
    const info = await worker.waitFor(is('info'));
    expect(info.report.backend.chosen).toBe('cpu');
    expect(info.report.backend.device).toMatch(/pure-JavaScript/);

    worker.send({ type: 'compute', id: 'c1', size: 8, iterations: 3 });
    const result = await worker.waitFor(is('result'));
    expect(result.id).toBe('c1');
    expect(Number.isFinite(result.value)).toBe(true);
    expect(messages.filter((m) => m.type === 'progress').map((m) => (m as { done: number }).done)).toEqual([
      1, 2, 3,
    ]);

    worker.send({ type: 'compute', id: 'c2', size: -1, iterations: 1 });
    const bad = await worker.waitFor(is('error'));
    expect(bad.code).toBe('bad-message');
    expect(bad.message).toMatch(/size/);
    worker.send({ what: 'is this' });
    const bad2 = await worker.waitFor(is('error'));
    expect(bad2.code).toBe('bad-message');
    worker.send('stop'); // a bare string is not a message either, and must not stop the worker
    const bad3 = await worker.waitFor(is('error'));
    expect(bad3.code).toBe('bad-message');

    worker.send({ type: 'hello' });
    await worker.waitFor(is('ready'));

    worker.send({ type: 'stop' });
    await worker.waitFor(is('stopped'));
    const exit = await worker.exited;
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('answers the doctor request the Electron main sends (same code path, child_process instead of utilityProcess)', async () => {
    const launch = WorkerClient.launcher(builtFile('out/node/worker.js'));
    const handle = launch({ ...process.env, NAS_STUDIO_BACKEND: 'wasm' });
    const report = await requestDoctorReport(handle, { backend: 'cpu' });
    // The request's backend overrides the environment's, as the app's setting should.
    expect(DoctorReportSchema.parse(report).backend.chosen).toBe('cpu');
    expect(report.backend.whyNotFaster).toContain('cpu was requested explicitly');
    expect(await handle.exited).toEqual({ code: 0, signal: null });
  });

  it('loads the wizard dataset preview in the worker, and passes its error sentence on for bad settings', async () => {
    const launch = WorkerClient.launcher(builtFile('out/node/worker.js'));
    const handle = launch(process.env);
    const preview = await requestDatasetPreview(
      handle,
      { source: 'synthetic', synthetic: { size: 40, imageSize: 8, channels: 3, classes: 4 } },
      3,
    );
    expect(preview.classNames).toHaveLength(4);
    expect(preview.imageShape).toEqual([8, 8, 3]);
    expect(
      preview.counts.searchTrain.reduce((a, b) => a + b, 0) +
        preview.counts.searchVal.reduce((a, b) => a + b, 0),
    ).toBe(40);
    expect(await handle.exited).toEqual({ code: 0, signal: null });
    await expect(requestDatasetPreview(launch(process.env), { source: 'path' }, 3)).rejects.toThrow(
      /^Invalid dataset settings:/,
    );
  });

  it('exports runs and downloads datasets for the Electron main, which loads no engine: refusals come back as sentences', async () => {
    const launch = WorkerClient.launcher(builtFile('out/node/worker.js'));
    const dir = RunDir.create(
      mkdtempSync(join(tmpdir(), 'nas-worker-export-')),
      'fresh',
      parseSearchConfig({ data: { source: 'default' } }),
    );
    await expect(requestRunExport(launch(process.env), dir.path)).rejects.toThrow(
      /^run fresh has no checkpoint yet: export works once/,
    );
    const cache = mkdtempSync(join(tmpdir(), 'nas-worker-cache-'));
    await expect(requestDatasetDownload(launch(process.env), 'imagenet-1k', cache, () => {})).rejects.toThrow(
      /^unknown dataset 'imagenet-1k'; choose one of cifar-10/,
    );
    await expect(requestDatasetDownload(launch(process.env), '../x', cache, () => {})).rejects.toThrow(
      /^malformed message: name: not a dataset name/,
    );
  });
});
