import { describe, expect, it } from 'vitest';
import { parseSearchConfig } from '../../shared/search-config';
import { assertFitsInMemory, estimateStepBytes } from './memory';
import { countForwardFlops } from '../spaces/darts/flops';

describe('estimateStepBytes', () => {
  it('scales the forward FLOPs of a batch, and is unknown for datasets on disk', () => {
    const c = parseSearchConfig({ batchSize: 16, data: { source: 'synthetic', synthetic: { imageSize: 32, channels: 3, classes: 10 } } });
    expect(estimateStepBytes(c)).toBe(countForwardFlops(c.space, 32, 3, 10) * 16);
    expect(estimateStepBytes(c)! / 1e9).toBeGreaterThan(9); // the small config: 0.6 GFLOP/image × 16
    expect(estimateStepBytes(parseSearchConfig({ data: { source: 'path', path: '/x' } }))).toBeNull();
  });
});

describe('assertFitsInMemory', () => {
  it('refuses the paper defaults on a 24 GB CPU machine with the fields to change, and allows a GPU', () => {
    const paper = parseSearchConfig({ data: { source: 'default' } });
    expect(() => assertFitsInMemory(paper, 'cpu', 24e9)).toThrow(/needs about \d+\.\d GB per step .* reduce batchSize \(now 64\)/);
    expect(() => assertFitsInMemory(paper, 'tensorflow', 24e9)).not.toThrow();
    const small = parseSearchConfig({ batchSize: 8, space: { cells: 3, channels: 4 }, data: { source: 'default' } });
    expect(() => assertFitsInMemory(small, 'cpu', 24e9)).not.toThrow();
  });
});
