import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { parseSearchConfig } from '../search/config';
import { buildSearchData } from '../search/build-data';
import { SearchSession } from '../search/session';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

// DARTS on the NAS-Bench-201 cell comes with the contract: α per edge of the one label 'cell'.
const dartsNb201Config = parseSearchConfig({
  space: { name: 'nb201', channels: 2, cellsPerStage: 1 },
  strategy: { name: 'darts', order: 'first' },
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 3,
  seed: 6,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
});

describe('DARTS on the NAS-Bench-201 space', () => {
  it('keeps one α per edge and op, derives the argmax cell, and does not leak tensors', async () => {
    const s = new SearchSession<{ edges: string[] }>(
      dartsNb201Config,
      await buildSearchData(dartsNb201Config),
    );
    const st = s.strategy.getState();
    expect(Object.keys(st.tensors).filter((k) => k.startsWith('alpha.'))).toEqual(['alpha.cell']);
    expect(st.tensors['alpha.cell'].shape).toEqual([6, 5]);
    s.runStep();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) s.runStep();
    expect(tf.memory().numTensors).toBe(before);
    const snap = s.strategy.architecture();
    expect(Object.keys(snap)).toEqual(['cell']);
    const p = snap.cell.values;
    const ops = snap.cell.options;
    // The benchmark's derivation: the first maximum of softmax(α) per edge, 'none' included.
    expect(s.strategy.derive().edges).toEqual(p.map((row) => ops[row.indexOf(Math.max(...row))]));
    expect(s.space.toText(s.strategy.derive())).toMatch(/^\|[a-z_0-9]+~0\|\+\|/);
    s.dispose();
  });
});
