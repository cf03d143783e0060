import { describe, expect, it } from 'vitest';
import {
  PAPER_DRAFT,
  QUICK_DRAFT,
  draftErrors,
  draftIssues,
  errorsByPath,
  pathTitle,
  setPath,
} from './draft';

describe('wizard draft', () => {
  it('the presets are valid configs', () => {
    expect(draftErrors(QUICK_DRAFT)).toEqual([]);
    expect(draftErrors(PAPER_DRAFT)).toEqual([]);
    expect(PAPER_DRAFT.space).toMatchObject({ name: 'darts', cells: 8 });
    expect(PAPER_DRAFT.batchSize).toBe(64);
  });
  it('setPath replaces nested values without touching the original', () => {
    const d = setPath(QUICK_DRAFT, 'space.channels', 12);
    // A space with channels (the union of space configs includes the mobilenet one, which has none).
    const channels = (s: object) => (s as { channels?: number }).channels;
    expect(channels(d.space)).toBe(12);
    expect(channels(QUICK_DRAFT.space)).toBe(8);
    expect(setPath(QUICK_DRAFT, 'stepsPerEpoch', undefined)).not.toHaveProperty('stepsPerEpoch');
  });
  it('errors are reported on the step that owns the field, named by the field’s title', () => {
    const bad = setPath(setPath(QUICK_DRAFT, 'epochs', 0), 'space.cells', 0);
    expect(draftErrors(bad, 'training')).toEqual([expect.stringMatching(/^epochs: /)]);
    // The space's schema titles its fields ('cells', 'initial channels'): errors use them, not keys.
    expect(draftErrors(bad, 'space')).toEqual([expect.stringMatching(/^cells: Too small/)]);
    expect(draftIssues(bad, 'space')).toEqual([
      expect.objectContaining({ path: 'space.cells', title: 'cells' }),
    ]);
    expect(draftErrors(bad, 'dataset')).toEqual([]);
    expect(draftErrors(setPath(QUICK_DRAFT, 'data.source', 'path'), 'dataset')).toEqual([
      expect.stringMatching(/^folder or file: .*required/),
    ]);
    expect(errorsByPath(bad)).toEqual({ epochs: expect.any(String), 'space.cells': expect.any(String) });
  });
  it('names spec fields, items of tuples and unknown paths', () => {
    expect(pathTitle(QUICK_DRAFT, 'space.channels')).toBe('initial channels');
    expect(pathTitle(QUICK_DRAFT, 'strategy.alphaLr')).toBe('α learning rate');
    expect(pathTitle(QUICK_DRAFT, 'strategy.alphaBetas.1')).toBe('α Adam betas, item 2');
    expect(pathTitle(QUICK_DRAFT, 'batchSize')).toBe('batch size');
    expect(pathTitle(QUICK_DRAFT, 'space.nope')).toBe('space.nope');
    expect(pathTitle(QUICK_DRAFT, '')).toBe('(config)');
    const badBeta = setPath(QUICK_DRAFT, 'strategy.alphaBetas', [0.5, 2]);
    expect(draftErrors(badBeta, 'strategy')).toEqual([
      expect.stringMatching(/^α Adam betas, item 2: Too big/),
    ]);
  });
});
