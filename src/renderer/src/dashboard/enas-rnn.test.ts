import { describe, expect, it } from 'vitest';
import { layoutRnnCell } from './enas-rnn';

describe('ENAS RNN cell layout', () => {
  it('puts each node one column right of its input and averages the loose ends into h[t]', () => {
    const l = layoutRnnCell('n0=tanh(x,h) n1=ReLU(n0) n2=identity(n0) n3=sigmoid(n2)');
    const at = Object.fromEntries(l.nodes.map((n) => [n.id, [n.column, n.row, n.activation]]));
    expect(at).toEqual({
      x: [0, 0, null],
      h: [0, 1, null],
      n0: [1, 0, 'tanh'],
      n1: [2, 0, 'ReLU'],
      n2: [2, 1, 'identity'],
      n3: [3, 0, 'sigmoid'],
      avg: [4, 0, null],
      out: [5, 0, null],
    });
    // Loose ends: n1 and n3 (nobody reads them).
    expect(l.edges).toEqual([
      { from: 'x', to: 'n0' },
      { from: 'h', to: 'n0' },
      { from: 'n0', to: 'n1' },
      { from: 'n0', to: 'n2' },
      { from: 'n2', to: 'n3' },
      { from: 'n1', to: 'avg' },
      { from: 'n3', to: 'avg' },
      { from: 'avg', to: 'out' },
    ]);
    expect([l.columns, l.rows]).toEqual([6, 2]);
  });
  it('refuses a malformed cell, saying why', () => {
    expect(() => layoutRnnCell('n0=tanh(x,h) n1=ReLU(n1)')).toThrow(/earlier node/);
  });
});
