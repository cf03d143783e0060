import { describe, expect, it } from 'vitest';
import { DartsSpaceSchema } from './search-space';
import { countForwardFlops } from './flops';

describe('countForwardFlops', () => {
  it('counts a one-cell, one-op space by hand', () => {
    // stem: 2·8·8·3·6·9 = 20736; cell 0 is a reduction cell (cells=1 → index 0) with C=4:
    // preprocess: 2·(2·8·8·6·4) = 6144; 2 edges of a strided 3x3 sep conv at 4x4:
    // each 2·(dw 2·16·4·9 + pw 2·16·4·4) = 2·(1152 + 512) = 3328 → 6656; classifier 2·4·2 = 16.
    const space = DartsSpaceSchema.parse({
      ops: ['none', 'sep_conv_3x3'],
      nodes: 1,
      cells: 1,
      channels: 2,
      stemMultiplier: 3,
    });
    expect(countForwardFlops(space, 8, 3, 2)).toBe(20736 + 6144 + 6656 + 16);
  });
});
