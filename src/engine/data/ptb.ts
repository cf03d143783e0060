import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from './dataset';

/** A word-level corpus in the PTB format: ids per split over one vocabulary built from train. */
export interface TextCorpus {
  vocab: string[];
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
}

const FILES = { train: 'train.txt', valid: 'valid.txt', test: 'test.txt' } as const;

/**
 * Reads train.txt / valid.txt / test.txt (Mikolov's PTB layout: space-separated words, one sentence per
 * line, rare words already <unk>). Every line ends with <eos>; words absent from train map to <unk>.
 */
export function loadPtb(dir: string): TextCorpus {
  const read = (f: string) => {
    const p = join(dir, f);
    if (!existsSync(p))
      throw new DatasetError(
        'missing',
        p,
        'file not found (a PTB folder needs train.txt, valid.txt and test.txt)',
      );
    const text = readFileSync(p, 'utf8');
    if (!text.trim()) throw new DatasetError('corrupt', p, 'the file is empty');
    return text.split('\n').filter((l) => l.trim());
  };
  const lines = { train: read(FILES.train), valid: read(FILES.valid), test: read(FILES.test) };
  const index = new Map<string, number>([
    ['<unk>', 0],
    ['<eos>', 1],
  ]);
  for (const line of lines.train)
    for (const w of line.trim().split(/\s+/)) if (!index.has(w)) index.set(w, index.size);
  const encode = (ls: string[]) => {
    const ids: number[] = [];
    for (const line of ls) {
      for (const w of line.trim().split(/\s+/)) ids.push(index.get(w) ?? 0);
      ids.push(1);
    }
    return Int32Array.from(ids);
  };
  return {
    vocab: [...index.keys()],
    train: encode(lines.train),
    valid: encode(lines.valid),
    test: encode(lines.test),
  };
}
