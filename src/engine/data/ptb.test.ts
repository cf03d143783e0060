import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPtb } from './ptb';

describe('loadPtb', () => {
  it('builds the vocabulary from train, appends <eos> per line, maps unknown words to <unk>', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptb-'));
    writeFileSync(join(dir, 'train.txt'), ' the cat sat \n the dog \n');
    writeFileSync(join(dir, 'valid.txt'), ' the bird \n');
    writeFileSync(join(dir, 'test.txt'), ' dog sat \n');
    const c = loadPtb(dir);
    expect(c.vocab).toEqual(['<unk>', '<eos>', 'the', 'cat', 'sat', 'dog']);
    expect(Array.from(c.train)).toEqual([2, 3, 4, 1, 2, 5, 1]);
    expect(Array.from(c.valid)).toEqual([2, 0, 1]);
    expect(Array.from(c.test)).toEqual([5, 4, 1]);
  });

  it('names a missing or empty file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptb-'));
    writeFileSync(join(dir, 'train.txt'), 'a b\n');
    expect(() => loadPtb(dir)).toThrow(/valid\.txt: file not found/);
    writeFileSync(join(dir, 'valid.txt'), '\n');
    writeFileSync(join(dir, 'test.txt'), 'a\n');
    expect(() => loadPtb(dir)).toThrow(/valid\.txt: the file is empty/);
  });
});
