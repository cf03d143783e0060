import { describe, expect, it } from 'vitest';
import '../../tf';
import { Rng } from '../../util/rng';
import { countSupernetParams } from './param-count';
import { SearchNetwork } from './supernet';
import { DartsSpaceSchema } from './search-space';

describe('countSupernetParams', () => {
  it.each([
    [{ cells: 5, channels: 8 }, 1, 10],
    [{ cells: 8, channels: 16 }, 3, 10],
    [{ cells: 4, nodes: 3, channels: 6, ops: ['sep_conv_5x5', 'skip_connect', 'max_pool_3x3'] }, 3, 7],
  ] as const)('matches the parameters of the built network for %j', (space, inCh, classes) => {
    const s = DartsSpaceSchema.parse(space);
    const net = new SearchNetwork(s, inCh, classes, new Rng(1));
    const built = net.parameters().reduce((n, v) => n + v.size, 0);
    net.dispose();
    expect(countSupernetParams(s, inCh, classes)).toBe(built);
  });
});
