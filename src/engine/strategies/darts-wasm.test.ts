import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { parseSearchConfig } from '../search/config';
import { SearchSession } from '../search/session';
import { buildSearchData } from '../search/build-data';

beforeAll(async () => {
  const r = await chooseBackend({ prefer: 'wasm' });
  expect(r.chosen).toBe('wasm');
});

describe('DARTS on the wasm backend', () => {
  for (const order of ['first', 'second'] as const) {
    it(`a tiny ${order}-order search runs end to end without leaking tensors`, async () => {
      const config = parseSearchConfig({
        space: { cells: 3, nodes: 2, channels: 4 },
        strategy: { name: 'darts', order },
        epochs: 3,
        batchSize: 8,
        stepsPerEpoch: 8,
        data: { source: 'synthetic', synthetic: { size: 128, imageSize: 8, channels: 3, classes: 4 } },
      });
      const s = new SearchSession(config, await buildSearchData(config));
      s.runStep();
      s.runStep();
      const before = tf.memory().numTensors;
      let last;
      while (!s.done) last = s.runStep();
      expect(s.step).toBe(24);
      expect(tf.memory().numTensors).toBe(before);
      expect(Number.isFinite(last!.metrics.trainLoss)).toBe(true);
      expect(last!.epochEnd?.genotype.normal).toHaveLength(4);
      s.dispose();
    });
  }
});
