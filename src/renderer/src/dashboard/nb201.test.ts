import { describe, expect, it } from 'vitest';
import { parseNb201 } from './nb201';

describe('NB201 cell strings', () => {
  it('parses the six edges of a cell, node by node', () => {
    expect(
      parseNb201('|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|'),
    ).toEqual([
      { from: 0, to: 1, op: 'nor_conv_3x3' },
      { from: 0, to: 2, op: 'none' },
      { from: 1, to: 2, op: 'avg_pool_3x3' },
      { from: 0, to: 3, op: 'skip_connect' },
      { from: 1, to: 3, op: 'nor_conv_1x1' },
      { from: 2, to: 3, op: 'nor_conv_3x3' },
    ]);
  });
  it('says what is wrong with a malformed string', () => {
    expect(() => parseNb201('|a~0|+|b~0|c~1|')).toThrow(/3 nodes .* got 2/);
    expect(() => parseNb201('|a~0|+|b~0|+|c~0|d~1|e~2|')).toThrow(/node 2 takes 2 inputs, got 1/);
    expect(() => parseNb201('|a~0|+|b~0|c~0|+|c~0|d~1|e~2|')).toThrow(
      /node 2's input 2 should come from node 1, got ~0/,
    );
    expect(() => parseNb201('|a0|+|b~0|c~1|+|c~0|d~1|e~2|')).toThrow(/'a0' is not op~source/);
  });
});
