import { describe, expect, it } from 'vitest';
import { draftErrors, QUICK_DRAFT } from './draft';
import { switchDataSource, switchSpace } from './sections';

describe('text data in the wizard', () => {
  it('choosing text data moves the space to the ENAS RNN cell and a strategy that runs on it, with a valid draft', () => {
    const r = switchDataSource(QUICK_DRAFT, 'text');
    expect(r.draft.data.source).toBe('text');
    expect(r.draft.space.name).toBe('enas-rnn');
    expect(r.draft.strategy.name).toBe('random-search');
    expect(draftErrors(r.draft)).toEqual([]);
    // And back: images again for an image space.
    const back = switchDataSource(r.draft, 'default');
    expect(back.draft.space.name).not.toBe('enas-rnn');
    expect(draftErrors(back.draft)).toEqual([]);
  });

  it('choosing the ENAS RNN space switches the data to the bundled text corpus, and says so', () => {
    const r = switchSpace(QUICK_DRAFT, 'enas-rnn');
    expect(r.draft.data.source).toBe('text');
    expect(r.note).toMatch(/reads text: the dataset is now the bundled tiny text corpus/);
    expect(draftErrors(r.draft)).toEqual([]);
  });
});
