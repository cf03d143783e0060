import { describe, expect, it } from 'vitest';
import { parseSearchConfig } from '../../search/config';
import { Rng } from '../../util/rng';
import { looseEnds, type EnasRnnArch } from './arch';
import { EnasRnnSpaceSchema } from './search-space';
import { EnasRnnSearchSpace } from './space';

const space = (nodes = 12) => new EnasRnnSearchSpace(EnasRnnSpaceSchema.parse({ name: 'enas-rnn', nodes }));

describe('the enas-rnn space', () => {
  it('declares per node its input (only earlier nodes) and its activation (all four) as rnn-node choice points', () => {
    const s = space(4);
    expect(s.choicePoints).toEqual([
      expect.objectContaining({
        label: 'node-input',
        kind: 'rnn-node',
        rows: ['n1', 'n2', 'n3'],
        options: ['n0', 'n1', 'n2'],
        rowOptions: [1, 2, 3],
      }),
      expect.objectContaining({
        label: 'node-activation',
        kind: 'rnn-node',
        rows: ['n0', 'n1', 'n2', 'n3'],
        options: ['tanh', 'ReLU', 'identity', 'sigmoid'],
      }),
    ]);
    // The reference's 12 nodes by default.
    expect(space().choicePoints[1].rows).toHaveLength(12);
  });

  it('round-trips an architecture through choices, JSON and the text notation', () => {
    const s = space(4);
    const a: EnasRnnArch = { activations: ['tanh', 'ReLU', 'identity', 'sigmoid'], inputs: [0, 1, 0] };
    expect(s.toText(a)).toBe('n0=tanh(x,h) n1=ReLU(n0) n2=identity(n1) n3=sigmoid(n0)');
    expect(s.fromText('n0=TANH(x,h)  n1=relu(n0) n2=Identity(n1) n3=sigmoid(n0)')).toEqual(a);
    expect(s.choices(a)).toEqual({ 'node-input': [0, 1, 0], 'node-activation': [0, 1, 2, 3] });
    expect(s.fromChoices(s.choices(a))).toEqual(a);
    expect(s.fromJson(JSON.stringify(s.toJson(a)))).toEqual(a);
    expect(looseEnds(a)).toEqual([2, 3]);
  });

  it('names what is wrong with a bad architecture, text or file', () => {
    const s = space(3);
    expect(() => s.fromText('n0=tanh(x,h) n1=relu(n1) n2=tanh(n0)')).toThrow(
      /node 1: its input must be an earlier node 0\.\.0/,
    );
    expect(() => s.fromText('n0=tanh(x,h) n1=gelu(n0) n2=tanh(n0)')).toThrow(/unknown activation 'gelu'/);
    expect(() => s.fromText('n0=tanh(x,h) n1=relu(n0)')).toThrow(/expected 3 node terms/);
    expect(() => s.fromChoices({ 'node-input': [0, 2], 'node-activation': [0, 0, 0] })).toThrow(
      /node 2: its input must be an earlier node 0\.\.1, got 2/,
    );
    expect(() => s.fromChoices({ 'node-input': [0, 0], 'node-activation': [0, 4, 0] })).toThrow(
      /node 1: option 4/,
    );
    expect(() =>
      s.fromJson(
        { format: 'nas-studio.enas-rnn-arch', version: 1, nodes: 4, activations: [], inputs: [] },
        'a.json',
      ),
    ).toThrow(/a\.json: a cell of 4 nodes does not fit this space of 3 nodes/);
    expect(() => s.fromJson({ format: 'other' }, 'b.json')).toThrow(
      /b\.json: not an ENAS RNN architecture file/,
    );
  });

  it('samples uniformly: node j reads each earlier node with probability 1/j, each activation 1/4', () => {
    const s = space(5);
    const rng = new Rng(7);
    const n = 8000;
    const input4 = [0, 0, 0, 0];
    const acts = [0, 0, 0, 0];
    for (let k = 0; k < n; k++) {
      const c = s.choices(s.sample(rng));
      input4[c['node-input'][3]] += 1;
      acts[c['node-activation'][2]] += 1;
    }
    for (const v of input4) expect(v / n).toBeCloseTo(0.25, 1);
    for (const v of acts) expect(v / n).toBeCloseTo(0.25, 1);
  });

  it('mutates exactly one decision to a different valid option; with a probability it redraws each', () => {
    const s = space(6);
    const rng = new Rng(3);
    for (let k = 0; k < 300; k++) {
      const a = s.sample(rng);
      const b = s.mutate(a, rng);
      const [ca, cb] = [s.choices(a), s.choices(b)];
      const diff =
        ca['node-input'].filter((v, i) => v !== cb['node-input'][i]).length +
        ca['node-activation'].filter((v, i) => v !== cb['node-activation'][i]).length;
      expect(diff).toBe(1);
    }
    const a = s.sample(rng);
    expect(s.mutate(a, rng, { probability: 0 })).toEqual(a);
    expect(() => s.mutate(a, rng, { probability: 2 })).toThrow(/\[0, 1\]/);
  });

  it('crosses over decision by decision, each from one parent', () => {
    const s = space(6);
    const rng = new Rng(5);
    const [a, b] = [s.sample(rng), s.sample(rng)];
    const c = s.choices(s.crossover(a, b, rng));
    const [ca, cb] = [s.choices(a), s.choices(b)];
    for (const label of ['node-input', 'node-activation'])
      c[label].forEach((v, i) => expect([ca[label][i], cb[label][i]]).toContain(v));
  });

  it('derives the argmax of each row among the options the row may take', () => {
    const s = space(3);
    const a = s.derive({
      'node-input': [
        [0.1, 0.9],
        [0.2, 0.7],
      ],
      'node-activation': [
        [0, 0, 1, 0],
        [0, 0, 0, 1],
        [1, 0, 0, 0],
      ],
    });
    // Row n1 may only read n0, whatever its weights say.
    expect(a).toEqual({ inputs: [0, 1], activations: ['identity', 'sigmoid', 'tanh'] });
  });

  it('is refused on image data and needs text data (naming data.source)', () => {
    const base = { strategy: { name: 'random-search' }, space: { name: 'enas-rnn' } };
    expect(() => parseSearchConfig({ ...base, data: { source: 'default' } })).toThrow(
      /data\.source: the 'enas-rnn' space is a language model: set data\.source to "text"/,
    );
    expect(() =>
      parseSearchConfig({
        space: { name: 'nb201' },
        strategy: { name: 'random-search' },
        data: { source: 'text' },
      }),
    ).toThrow(/data\.source: data\.source "text" needs a language-model space/);
    expect(() =>
      parseSearchConfig({ ...base, strategy: { name: 'darts' }, data: { source: 'text' } }),
    ).toThrow(/strategy 'darts' does not run on the 'enas-rnn' space/);
    expect(parseSearchConfig({ ...base, data: { source: 'text' } }).data.text).toEqual({
      bptt: 35,
      evalBatchSize: 10,
      maxVocab: 50_000,
    });
  });
});
