import { describe, expect, it } from 'vitest';
import {
  PAPER_DRAFT,
  QUICK_DRAFT,
  draftErrors,
  draftIssues,
  errorsByPath,
  pathTitle,
  setPath,
  titledMessage,
} from './draft';
import { switchStrategy } from './sections';

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
  it('messages that name config keys name them by the titles the wizard shows', () => {
    // A message of the engine's, as the server sends it when a search cannot start.
    expect(
      titledMessage(QUICK_DRAFT, '', 'reduce batchSize (now 16) or space.channels, or set data.source'),
    ).toBe('reduce batch size (now 16) or initial channels, or set dataset source');
    // Words that name no field, and plain words that happen to be keys, stay as they are.
    expect(titledMessage(QUICK_DRAFT, '', 'maxBufferSize of the adapter; cells and epochs')).toBe(
      'maxBufferSize of the adapter; cells and epochs',
    );
    // A cross-field check of the config schema: a language-model space with image data.
    const textSpace = setPath(QUICK_DRAFT, 'space', { name: 'enas-rnn' });
    const [dataError] = draftErrors(textSpace, 'dataset');
    expect(dataError).toMatch(
      /^dataset source: the 'enas-rnn' space is a language model: set dataset source to "text"/,
    );
    expect(dataError).not.toMatch(/data\.source/);
    // A strategy's own check names another of its fields by key (P-DARTS: "as keepOps").
    const pdarts = setPath(switchStrategy(QUICK_DRAFT, 'pdarts'), 'strategy.addLayers', [0, 1]);
    const lines = draftErrors(pdarts, 'strategy');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /: needs one entry per stage: 3 \(as ops kept per edge after each stage\), got 2$/,
      ),
    );
    expect(lines.join('\n')).not.toMatch(/keepOps|addLayers/);
    // Beside the field too.
    expect(errorsByPath(pdarts)['strategy.addLayers']).toMatch(/as ops kept per edge after each stage/);
  });
});
