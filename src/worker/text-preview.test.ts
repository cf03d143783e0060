import { describe, expect, it } from 'vitest';
import { DataSchema } from '../engine/search/config';
import { previewForWizard } from './dataset-preview';

describe('the wizard preview of text data', () => {
  it('previews a text corpus: vocabulary size, tokens per split, sample sentences', async () => {
    const p = await previewForWizard(DataSchema.parse({ source: 'text' }), 1);
    expect(p.text?.vocabSize).toBeGreaterThan(50);
    expect(p.text?.tokens.searchTrain).toBeGreaterThan(10_000);
    expect(p.text?.sentences.length).toBe(6);
    expect(p.samples).toEqual([]);
  });
});
