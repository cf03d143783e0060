import { describe, expect, it } from 'vitest';
import { spaceOf } from '../../../engine/catalog';
import { estimateCost } from './cost';
import { QUICK_DRAFT, setPath } from './draft';

describe('cost estimate', () => {
  it("is the space's own cost model on the bundled dataset's shape", () => {
    const e = estimateCost(QUICK_DRAFT)!;
    const cost = spaceOf(QUICK_DRAFT.space).cost;
    const shape = { size: 28, channels: 1, classes: 10 };
    expect(e).toEqual({
      params: cost.supernetParams(shape),
      multiplyAdds: cost.supernetFlops(shape),
      stepBytes: cost.stepBytes(shape, 16),
      assumedShape: false,
    });
    expect(e.params).toBeGreaterThan(0);
  });
  it('datasets on disk: sizes on an assumed shape, memory unknown until read', () => {
    const e = estimateCost(setPath(setPath(QUICK_DRAFT, 'data.source', 'path'), 'data.path', '/x'))!;
    expect(e.stepBytes).toBeNull();
    expect(e.assumedShape).toBe(true);
    expect(e.params).toBe(
      spaceOf(QUICK_DRAFT.space).cost.supernetParams({ size: 32, channels: 3, classes: 10 }),
    );
  });
  it('none for a config that does not validate', () => {
    expect(estimateCost(setPath(QUICK_DRAFT, 'space.cells', 0))).toBeNull();
  });
});
