import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunManager } from '../../src/runs/manager';
import { startWebServer, type WebServer } from '../../src/server/web-server';
import { WorkerClient } from '../../src/worker/client';
import { workerOperations } from '../../src/worker/requests';
import { StudioService } from '../../src/service/studio';
import { SettingsSchema } from '../../src/shared/api';
import { EventEmitter } from 'node:events';
import type { DoctorReport } from '../../src/shared/doctor';
import { builtFile } from './built';

let web: WebServer;
const staticDir = mkdtempSync(join(tmpdir(), 'nas-static-'));

beforeAll(async () => {
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>NAS Studio</title>');
  const worker = builtFile('out/node/worker.js');
  const runs = new RunManager({
    root: mkdtempSync(join(tmpdir(), 'nas-web-runs-')),
    launch: WorkerClient.launcher(worker),
  });
  const events = new EventEmitter();
  const service = new StudioService({
    runs,
    doctor: async () => ({ node: process.versions.node }) as unknown as DoctorReport,
    settings: { get: () => SettingsSchema.parse({}), set: () => SettingsSchema.parse({}) },
    // As `nas-studio serve` wires them: previews and exports in the built worker.
    ...workerOperations(
      () => WorkerClient.launcher(worker)(process.env),
      mkdtempSync(join(tmpdir(), 'nas-web-cache-')),
    ),
    emit: (name, payload) => events.emit('event', name, payload),
  });
  web = await startWebServer({ service, events, runs, staticDir });
});

afterAll(() => web.close());

const base = () => web.url.split('/?')[0];
const auth = () => ({ Authorization: `Bearer ${web.token}` });
/** One API call as the renderer makes it in web mode. */
const call = (method: string, ...args: unknown[]) =>
  fetch(`${base()}/api/call/${method}`, { method: 'POST', headers: auth(), body: JSON.stringify(args) });
const result = async (method: string, ...args: unknown[]) => {
  const r = await call(method, ...args);
  const body = await r.json();
  if (r.status !== 200) throw new Error(`${method}: ${r.status} ${body.error}`);
  return body.result;
};

describe('web mode server', () => {
  it('binds to loopback only and prints a URL with a random token', () => {
    const addr = web.server.address() as { address: string };
    expect(addr.address).toBe('127.0.0.1');
    expect(web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  });

  it('refuses requests without the token or with a wrong one', async () => {
    expect((await fetch(`${base()}/api/call/listRuns`, { method: 'POST', body: '[]' })).status).toBe(401);
    expect(
      (await fetch(`${base()}/api/call/listRuns?token=nope`, { method: 'POST', body: '[]' })).status,
    ).toBe(401);
    expect((await fetch(`${base()}/api/events`)).status).toBe(401);
    expect((await fetch(`${base()}/`)).status).toBe(401);
    expect((await fetch(web.url)).status).toBe(200);
  });

  it('refuses requests from other origins even with the token', async () => {
    const r = await fetch(`${base()}/api/call/listRuns`, {
      method: 'POST',
      body: '[]',
      headers: { ...auth(), Origin: 'http://evil.example' },
    });
    expect(r.status).toBe(403);
    const ok = await fetch(`${base()}/api/call/listRuns`, {
      method: 'POST',
      body: '[]',
      headers: { ...auth(), Origin: base() },
    });
    expect(ok.status).toBe(200);
  });

  it('never serves files outside the UI folder', async () => {
    expect((await fetch(`${base()}/..%2f..%2fetc%2fpasswd`, { headers: auth() })).status).toBe(404);
  });

  it('refuses unknown methods and malformed arguments with a sentence naming them', async () => {
    const unknown = await call('evalSomething');
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error).toMatch(/unknown API method "evalSomething"/);
    const bad = await call('deleteRun', '../../etc');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/bad arguments for deleteRun: argument 1: not a run id/);
    const dialog = await call('chooseDatasetPath');
    expect((await dialog.json()).error).toMatch(/web mode has no file dialog: type the dataset's path/);
    const badExport = await fetch(`${base()}/api/runs/..%2f..%2fetc/exports/passwd`, { headers: auth() });
    expect(badExport.status).toBe(400);
  });

  it('previews a dataset as the search will split it', async () => {
    const p = await result(
      'previewDataset',
      { source: 'synthetic', synthetic: { size: 40, imageSize: 8, channels: 3, classes: 4 } },
      3,
    );
    expect(p.classNames).toHaveLength(4);
    expect(p.imageShape).toEqual([8, 8, 3]);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(p.counts.all)).toBe(40);
    expect(sum(p.counts.searchTrain) + sum(p.counts.searchVal)).toBe(40);
    // RGBA bytes of each sample image: 8 × 8 × 4.
    expect(Buffer.from(p.samples[0].images[0].rgbaBase64, 'base64').length).toBe(256);
    const bad = await call('previewDataset', { source: 'path' }, 0);
    expect((await bad.json()).error).toMatch(/data\.path is required/);
  });

  it('validates configs and runs a search through the API with progress events', async () => {
    const bad = await call('startRun', { epochs: 0 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/epochs/);
    const events = await fetch(`${base()}/api/events`, { headers: auth() });
    const reader = events.body!.getReader();
    const config = {
      space: { cells: 2, nodes: 2, channels: 2 },
      epochs: 1,
      batchSize: 8,
      stepsPerEpoch: 2,
      backend: 'cpu',
      data: { source: 'synthetic', synthetic: { size: 32, imageSize: 8, channels: 3, classes: 4 } },
    };
    // Arguments beyond the config are checked too: meta has a name and notes only.
    const badMeta = await call('startRun', config, { colour: 'red' });
    expect(badMeta.status).toBe(400);
    expect((await badMeta.json()).error).toMatch(/bad arguments for startRun/);
    // The run's time, measured in a worker before any run exists: the strategy's plan and a rate.
    const probe = await result('probeRun', config);
    expect(probe.phases).toMatchObject([{ name: 'search', epochs: 1, stepsPerEpoch: 2, probedSteps: 2 }]);
    expect(probe.phases[0].secondsPerStep).toBeGreaterThan(0);
    expect(probe.estimatedSeconds).toBeGreaterThan(probe.setupSeconds);
    const id = await result('startRun', config, { name: '  tiny DARTS  ', notes: 'first, "quick" try' });
    let text = '';
    while (!text.includes('"status":"completed"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(text).toContain('event: progress');
    expect(text).toContain(`"id":"${id}"`);
    expect(text).toContain('"epochEnded":true');
    // The worker's resource sample and the strategy's phase survive the protocol's check to the page.
    expect(text).toMatch(/"resources":\{"rssBytes":\d+,"heapUsedBytes":\d+/);
    expect(text).toContain('"phase":"search"');
    const runs = await result('listRuns');
    const run = runs.find((r: { id: string }) => r.id === id);
    expect(run).toMatchObject({
      status: 'completed',
      step: 2,
      backend: 'cpu',
      strategy: 'DARTS (first order)',
      epochs: 1,
      name: 'tiny DARTS',
      notes: 'first, "quick" try',
    });
    expect(run.dataset).toMatch(/^synthetic 8×8×3/);
    expect(run.bestValAcc).toBeGreaterThanOrEqual(0);
    expect(run.elapsedSeconds).toBeGreaterThan(0);

    // Export: genotype and weights from the newest checkpoint, downloadable with the token.
    const exported = await result('exportRun', id);
    expect(exported.files.map((f: { name: string }) => f.name)).toEqual([
      'genotype.json',
      'genotype.txt',
      'supernet.safetensors',
      'alpha.safetensors',
    ]);
    const genotype = await fetch(`${base()}/api/runs/${id}/exports/genotype.json`, { headers: auth() });
    expect(genotype.status).toBe(200);
    expect((await genotype.json()).normal).toHaveLength(4);
    expect((await fetch(`${base()}/api/runs/${id}/exports/genotype.json`)).status).toBe(401);

    expect(run.canResume).toBe(false);
    await result('deleteRun', id);
    expect((await result('listRuns')).some((r: { id: string }) => r.id === id)).toBe(false);
  });

  it('refuses a run whose dataset cannot be read before any run folder exists', async () => {
    const before = (await result('listRuns')).length;
    const missing = join(tmpdir(), 'nas-no-such-dataset');
    const r = await call('startRun', { epochs: 1, data: { source: 'path', path: missing } });
    expect(r.status).toBe(400);
    expect((await r.json()).error).toContain(`${missing}: not found`);
    expect(await result('listRuns')).toHaveLength(before);
  });
});
