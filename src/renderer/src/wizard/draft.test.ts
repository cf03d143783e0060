import { describe, expect, it } from 'vitest';
import { PAPER_DRAFT, QUICK_DRAFT, draftErrors, setPath } from './draft';

describe('wizard draft', () => {
  it('the presets are valid configs', () => {
    expect(draftErrors(QUICK_DRAFT)).toEqual([]);
    expect(draftErrors(PAPER_DRAFT)).toEqual([]);
    expect(PAPER_DRAFT.space).toMatchObject({ name: 'darts', cells: 8 });
    expect(PAPER_DRAFT.batchSize).toBe(64);
  });
  it('setPath replaces nested values without touching the original', () => {
    const d = setPath(QUICK_DRAFT, 'space.channels', 12);
    expect(d.space.channels).toBe(12);
    expect(QUICK_DRAFT.space.channels).toBe(8);
    expect(setPath(QUICK_DRAFT, 'stepsPerEpoch', undefined)).not.toHaveProperty('stepsPerEpoch');
  });
  it('errors are reported on the step that owns the field', () => {
    const bad = setPath(setPath(QUICK_DRAFT, 'epochs', 0), 'space.cells', 0);
    expect(draftErrors(bad, 'training')).toEqual([expect.stringMatching(/^epochs: /)]);
    expect(draftErrors(bad, 'space')).toEqual([expect.stringMatching(/^space\.cells: /)]);
    expect(draftErrors(bad, 'dataset')).toEqual([]);
    expect(draftErrors(setPath(QUICK_DRAFT, 'data.source', 'path'), 'dataset')).toEqual([expect.stringMatching(/^data\.path: .*required/)]);
  });
});
