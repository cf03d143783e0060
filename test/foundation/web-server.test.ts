import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunManager } from '../../src/runs/manager';
import { startWebServer, type WebServer } from '../../src/server/web-server';
import { WorkerClient } from '../../src/worker/client';
import type { DoctorReport } from '../../src/shared/doctor';
import { builtFile } from './built';

let web: WebServer;
const staticDir = mkdtempSync(join(tmpdir(), 'nas-static-'));

beforeAll(async () => {
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>NAS Studio</title>');
  const worker = builtFile('out/main/worker.js');
  const runs = new RunManager({
    root: mkdtempSync(join(tmpdir(), 'nas-web-runs-')),
    launch: WorkerClient.launcher(worker),
  });
  web = await startWebServer({
    runs,
    staticDir,
    doctor: async () => ({ node: process.versions.node }) as unknown as DoctorReport,
  });
});

afterAll(() => web.close());

const base = () => web.url.split('/?')[0];
const auth = () => ({ Authorization: `Bearer ${web.token}` });

describe('web mode server', () => {
  it('binds to loopback only and prints a URL with a random token', () => {
    const addr = web.server.address() as { address: string };
    expect(addr.address).toBe('127.0.0.1');
    expect(web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  });

  it('refuses requests without the token or with a wrong one', async () => {
    expect((await fetch(`${base()}/api/runs`)).status).toBe(401);
    expect((await fetch(`${base()}/api/runs?token=nope`)).status).toBe(401);
    expect((await fetch(`${base()}/`)).status).toBe(401);
    expect((await fetch(web.url)).status).toBe(200);
  });

  it('refuses requests from other origins even with the token', async () => {
    const r = await fetch(`${base()}/api/runs`, { headers: { ...auth(), Origin: 'http://evil.example' } });
    expect(r.status).toBe(403);
    const ok = await fetch(`${base()}/api/runs`, { headers: { ...auth(), Origin: base() } });
    expect(ok.status).toBe(200);
  });

  it('never serves files outside the UI folder', async () => {
    expect((await fetch(`${base()}/..%2f..%2fetc%2fpasswd`, { headers: auth() })).status).toBe(404);
  });

  it('validates configs and runs a search through the API with progress events', async () => {
    const bad = await fetch(`${base()}/api/runs`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ epochs: 0 }),
    });
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
    const created = await fetch(`${base()}/api/runs`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify(config),
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    let text = '';
    while (!text.includes('"status":"completed"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(text).toContain('event: progress');
    expect(text).toContain(`"id":"${id}"`);
    const runs = await (await fetch(`${base()}/api/runs`, { headers: auth() })).json();
    expect(runs.find((r: { id: string }) => r.id === id)).toMatchObject({ status: 'completed', step: 2 });
  });
});
