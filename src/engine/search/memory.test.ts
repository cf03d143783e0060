import { describe, expect, it } from 'vitest';
import { parseSearchConfig } from './config';
import { DartsSpaceSchema } from '../spaces/darts/search-space';
import { assertFitsInMemory, cellActivationSizes, estimateSpaceStepBytes, estimateStepBytes } from './memory';

const MiB = 2 ** 20;
// The bench's configs (bench/darts-step.ts).
const tiny = { space: DartsSpaceSchema.parse({ cells: 5, channels: 8 }), size: 16, batch: 8 };
const small = { space: DartsSpaceSchema.parse({ cells: 8, channels: 16 }), size: 32, batch: 16 };

describe('cellActivationSizes', () => {
  it('halves the side and doubles the channels at each reduction cell', () => {
    expect(cellActivationSizes(tiny.space, 16)).toEqual([
      16 * 16 * 8,
      8 * 8 * 16,
      8 * 8 * 16,
      4 * 4 * 32,
      4 * 4 * 32,
    ]);
    expect(cellActivationSizes(small.space, 32).reduce((a, b) => a + b) * 16).toBe(1_114_112);
  });
});

describe('estimateSpaceStepBytes', () => {
  // Peaks of tfjs's tensor bytes over a first-order DARTS step on wasm, measured with the bench
  // (2026-11-22, docs/performance.md); the model must stay within 30% of them, on the safe side.
  const measured = [
    { name: 'tiny off', ...tiny, mode: 'off', bytes: 364 * MiB },
    { name: 'tiny edge', ...tiny, mode: 'edge', bytes: 38 * MiB },
    { name: 'tiny cell', ...tiny, mode: 'cell', bytes: 125 * MiB },
    { name: 'small edge', ...small, mode: 'edge', bytes: 831 * MiB },
    { name: 'small cell', ...small, mode: 'cell', bytes: 1995 * MiB },
    // The paper's search defaults on the app's default data (batch 64, 28×28×1), probed once.
    {
      name: 'paper defaults edge',
      space: DartsSpaceSchema.parse({}),
      size: 28,
      batch: 64,
      mode: 'edge',
      bytes: 2531 * MiB,
    },
    // Without recomputation the small config only runs on cpu; its peak RSS there: 9.7 GB.
    { name: 'small off (RSS)', ...small, mode: 'off', bytes: 9.7e9 },
  ] as const;
  for (const m of measured)
    it(`matches the measured ${m.name}`, () => {
      const est = estimateSpaceStepBytes(m.space, m.size, m.batch, m.mode);
      expect(est / m.bytes).toBeGreaterThan(0.97);
      expect(est / m.bytes).toBeLessThan(1.3);
    });

  it('puts the small config within the wasm heap with recomputation (the default) and far outside without', () => {
    expect(estimateSpaceStepBytes(small.space, small.size, small.batch) / 1e9).toBeLessThan(1.2);
    expect(estimateSpaceStepBytes(small.space, small.size, small.batch, 'off') / 1e9).toBeGreaterThan(9);
  });
});

describe('estimateStepBytes', () => {
  it('uses the configured images and batch, and is unknown for datasets on disk', () => {
    const c = parseSearchConfig({
      batchSize: 16,
      space: { cells: 8, channels: 16 },
      data: { source: 'synthetic', synthetic: { imageSize: 32, channels: 3, classes: 10 } },
    });
    expect(estimateStepBytes(c)).toBe(estimateSpaceStepBytes(small.space, 32, 16));
    expect(estimateStepBytes(c, 'off')).toBe(estimateSpaceStepBytes(small.space, 32, 16, 'off'));
    expect(estimateStepBytes(parseSearchConfig({ data: { source: 'path', path: '/x' } }))).toBeNull();
  });
});

describe('assertFitsInMemory', () => {
  it('refuses a search that does not fit with the fields to change, and allows a GPU', () => {
    // The paper's defaults (batch 64, 28×28 images here) need ~3.3 GB with recomputation.
    const paper = parseSearchConfig({ data: { source: 'default' } });
    expect(estimateStepBytes(paper)! / 1e9).toBeGreaterThan(3);
    expect(() => assertFitsInMemory(paper, 'cpu', 24e9)).not.toThrow();
    expect(() => assertFitsInMemory(paper, 'cpu', 4e9)).toThrow(
      /needs about \d+\.\d GB per step .* reduce batchSize \(now 64\)/,
    );
    expect(() => assertFitsInMemory(paper, 'tensorflow', 4e9)).not.toThrow();
    const big = parseSearchConfig({ batchSize: 256, data: { source: 'default' } });
    expect(() => assertFitsInMemory(big, 'cpu', 8e9)).toThrow(/reduce batchSize \(now 256\)/);
  });
});
