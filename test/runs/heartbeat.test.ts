import '@tensorflow/tfjs-backend-cpu';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/engine/tf';
import { executeRun } from '../../src/runs/execute';
import { RunDir } from '../../src/runs/run-dir';
import { parseSearchConfig } from '../../src/shared/search-config';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = parseSearchConfig({
  space: { cells: 2, nodes: 2, channels: 2 },
  epochs: 1,
  batchSize: 8,
  stepsPerEpoch: 3,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 48, imageSize: 8, channels: 3, classes: 4 } },
});

describe('the heartbeat of an executing run', () => {
  it("gives status the live step and ETA while running, and never a step behind status.json's", () => {
    const dir = RunDir.create(mkdtempSync(join(tmpdir(), 'nas-hb-')), 'r', config);
    dir.transition('running', { totalSteps: 30, step: 10 });
    expect(dir.readLiveStatus().step).toBe(10);
    dir.writeHeartbeat({ step: 17, totalSteps: 30, etaSeconds: 26 });
    expect(dir.readLiveStatus()).toMatchObject({ status: 'running', step: 17, etaSeconds: 26 });
    expect(dir.readStatus().step).toBe(10);
    dir.writeHeartbeat({ step: 4, totalSteps: 30, etaSeconds: 1 }); // an older session's
    expect(dir.readLiveStatus().step).toBe(10);
    writeFileSync(dir.heartbeatPath, '{"step": 2');
    expect(dir.readLiveStatus().step).toBe(10);
    dir.writeHeartbeat({ step: 20, totalSteps: 30, etaSeconds: 5 });
    dir.transition('pausing');
    dir.transition('paused');
    expect(dir.readLiveStatus()).not.toHaveProperty('etaSeconds');
  });

  it('is written by the run loop', async () => {
    const dir = RunDir.create(mkdtempSync(join(tmpdir(), 'nas-hb-')), 'r', config);
    expect(await executeRun(dir, { resume: false })).toBe('completed');
    expect(existsSync(dir.heartbeatPath)).toBe(true);
    expect(JSON.parse(readFileSync(dir.heartbeatPath, 'utf8'))).toMatchObject({ step: 3, totalSteps: 3 });
  });
});
