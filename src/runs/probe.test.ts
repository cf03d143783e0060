import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../engine/tf';
import { chooseBackend } from '../engine/backend';
import { buildSearchData } from '../engine/search/build-data';
import { SearchSession } from '../engine/search/session';
import { parseSearchConfig, type SearchConfigInput } from '../shared/search-config';
import { WorkerMessageSchema, type WorkerMessage } from '../shared/protocol';
import { handleMessage } from '../worker/handlers';
import { PROBE_STEPS, probeRun } from './probe';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

/** Two phases (train the supernet, score candidates), tiny: a probe of it takes a second or two. */
const tiny: SearchConfigInput = {
  space: { name: 'nb201', channels: 2, cellsPerStage: 1 },
  strategy: { name: 'random-search', candidates: 4, scoreBatches: 1, rescoreTop: 2 },
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 3,
  seed: 4,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
};

/**
 * A clock that makes the setup take `setup` seconds and each step the next of `steps` seconds: the
 * probe reads it once before and once after the setup and around every step.
 */
function scriptedClock(setup: number, steps: number[]) {
  const times = [0, setup * 1000];
  let t = setup * 1000;
  for (const s of steps) {
    times.push(t);
    t += s * 1000;
    times.push(t);
  }
  let i = 0;
  return () => {
    if (i >= times.length) throw new Error('the probe read the clock more often than it steps');
    return times[i++];
  };
}

describe('the run probe', () => {
  it("times each phase's steps after a warm-up and estimates setup + planned steps × rate", async () => {
    const config = parseSearchConfig(tiny);
    const data = await buildSearchData(config);
    // The plan as the loop builds it, independently of the probe.
    const plan = new SearchSession(config, await buildSearchData(config));
    const planned = plan.phases.map((p) => ({ name: p.name, steps: p.epochs * p.stepsPerEpoch }));
    plan.dispose();
    expect(planned).toEqual([
      { name: 'supernet', steps: 6 },
      { name: 'evaluate', steps: 6 },
    ]);
    const before = tf.memory().numTensors;
    // Phase 1 steps take 3 s (warm-up), 1 s, 2 s; phase 2's 4 s, 0.5 s, 1.5 s.
    const probe = await probeRun(config, { data, now: scriptedClock(5, [3, 1, 2, 4, 0.5, 1.5]) });
    expect(tf.memory().numTensors).toBe(before);
    expect(probe.backend).toBe('cpu');
    expect(probe.setupSeconds).toBe(5);
    expect(probe.phases.map((p) => [p.name, p.probedSteps, p.secondsPerStep])).toEqual([
      ['supernet', PROBE_STEPS, 1.5], // median of 1 and 2
      ['evaluate', PROBE_STEPS, 1], // median of 0.5 and 1.5
    ]);
    expect(probe.totalSteps).toBe(12);
    // 5 s + 6 × 1.5 s + 6 × 1 s.
    expect(probe.estimatedSeconds).toBe(5 + 9 + 6);
  });

  it('a phase whose first step is long stops after it and is timed by it (an upper bound)', async () => {
    const config = parseSearchConfig(tiny);
    const probe = await probeRun(config, {
      data: await buildSearchData(config),
      now: scriptedClock(1, [30, 2, 2, 2]),
    });
    expect(probe.phases.map((p) => [p.probedSteps, p.secondsPerStep])).toEqual([
      [1, 30],
      [PROBE_STEPS, 2],
    ]);
    expect(probe.estimatedSeconds).toBe(1 + 6 * 30 + 6 * 2);
  });

  it('the worker validates the config, probes it on a real clock and replies with a typed message', async () => {
    const sent: WorkerMessage[] = [];
    await handleMessage({ type: 'probe-run', config: tiny }, (m) => sent.push(m));
    expect(sent).toHaveLength(1);
    const reply = WorkerMessageSchema.parse(sent[0]);
    if (reply.type !== 'run-probe') throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
    expect(reply.probe.phases.every((p) => p.secondsPerStep! > 0)).toBe(true);
    expect(reply.probe.estimatedSeconds).toBeGreaterThan(reply.probe.setupSeconds);
    sent.length = 0;
    await handleMessage({ type: 'probe-run', config: { ...tiny, batchSize: 0 } }, (m) => sent.push(m));
    expect(sent[0]).toMatchObject({ type: 'error', code: 'failed' });
    expect((sent[0] as { message: string }).message).toMatch(
      /Invalid search configuration in the wizard:[\s\S]*batchSize/,
    );
  });
});
