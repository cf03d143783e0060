import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { builtFile } from '../foundation/built';
import { fuzzApi } from './api-fuzz';
import { fuzzProtocol } from './protocol-fuzz';

/**
 * The fuzzing of docs/reliability.md at a CI-sized count (bench/fuzz.ts runs 10,000 each): hostile
 * API argument lists and raw requests against web mode, hostile messages to the built engine
 * worker and through the host's check of worker messages. No crash, every reply typed, no internal
 * error in a reply, no run folder changed. The seed is fixed so that CI is reproducible; FUZZ_SEED
 * picks another (`npm run fuzz -- --seed S` runs the full counts with it).
 */
const seed = Number(process.env.FUZZ_SEED ?? 1);

describe(`fuzzing (seed ${seed})`, () => {
  it('300 random and mutated API calls: typed replies, no failed request, run folders unchanged', async () => {
    const r = await fuzzApi({ count: 300, seed });
    expect(r.failures, `seed ${seed}`).toEqual([]);
    expect(r.runsUnchanged).toBe(true);
    // Most inputs are refused, some succeed: the fuzzer reaches both sides of the checks.
    expect(r.outcomes['400']).toBeGreaterThan(100);
    expect(r.outcomes['200']).toBeGreaterThan(0);
  });

  it('300 hostile worker-protocol messages: the worker survives and answers each in type', async () => {
    const r = await fuzzProtocol({ count: 300, seed, workerPath: builtFile('out/node/worker.js') });
    expect(r.failures, `seed ${seed}`).toEqual([]);
    expect(r.runsUnchanged).toBe(true);
    expect(r.outcomes.refused).toBeGreaterThan(100);
    expect(r.outcomes.valid).toBeGreaterThan(0);
  });
});

describe('what the fuzzers found stays fixed', () => {
  it('a dataset named like an Object property is an unknown dataset, not a TypeError', async () => {
    const { downloadStandardDataset } = await import('../../src/engine/data/download');
    for (const name of ['constructor', '__proto__', 'hasOwnProperty'])
      await expect(downloadStandardDataset(name, tmpdir())).rejects.toThrow(`unknown dataset '${name}'`);
  });

  it('web mode answers a malformed URL encoding and a bad run id with sentences, not decoder or zod output', async () => {
    const { startWebServer } = await import('../../src/server/web-server');
    const staticDir = mkdtempSync(join(tmpdir(), 'nas-fuzz-static-'));
    const web = await startWebServer({
      service: {} as never,
      events: new EventEmitter(),
      runs: {} as never,
      staticDir,
    });
    try {
      const origin = web.url.split('/?')[0];
      const auth = { Authorization: `Bearer ${web.token}` };
      const bad = await fetch(`${origin}/%E0%A4%A`, { headers: auth });
      expect(bad.status).toBe(400);
      expect((await bad.json()).error).toMatch(/^the URL's percent-encoding is malformed/);
      const id = await fetch(`${origin}/api/runs/..%2f..%2fetc/exports/passwd`, { headers: auth });
      expect(id.status).toBe(400);
      expect((await id.json()).error).toBe('not a run id: "..%2f..%2fetc"');
    } finally {
      await web.close();
      rmSync(staticDir, { recursive: true, force: true });
    }
  });
});
