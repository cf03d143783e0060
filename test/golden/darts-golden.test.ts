import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/engine/backend';
import { GOLDEN_FILE, recordGolden, type GoldenRecord } from './darts-golden';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

// The numbers DARTS produced on main before the search contract became space-neutral (see darts-golden.ts):
// the refactor must not change a single bit of them on the cpu backend.
const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Record<'first' | 'second', GoldenRecord>;

describe('DARTS is bit for bit what it was before the space-neutral seam', () => {
  for (const order of ['first', 'second'] as const) {
    it(`${order} order: losses, α, weights and genotype after 20 steps`, async () => {
      const now = await recordGolden(order);
      expect(now.losses).toEqual(golden[order].losses);
      expect(now.alpha).toEqual(golden[order].alpha);
      expect(now.weightsSha256).toBe(golden[order].weightsSha256);
      expect(now.genotype).toEqual(golden[order].genotype);
    });
  }
});
