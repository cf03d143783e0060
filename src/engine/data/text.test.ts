import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { loadDefaultTextCorpus, loadPtb, openTextCorpus } from './ptb';
import { batchify, TextBatchSource, windowAt, windowCount } from './text-batches';
import { STANDARD_DATASETS } from './download';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const tokens = Array.from({ length: 21 }, (_, i) => i); // 0..20

describe('batchify and BPTT windows', () => {
  it('cuts the stream into `batch` contiguous streams and drops the tail', () => {
    const b = batchify(tokens, 2);
    expect(b.length).toBe(10);
    expect(b.streams.map((s) => Array.from(s))).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    ]);
  });

  it('windows of bptt tokens, targets shifted by one, a shorter last window', () => {
    const { streams, length } = batchify(tokens, 2);
    expect(windowCount(length, 4)).toBe(3);
    const rows = (w: ReturnType<typeof windowAt>) => ({
      x: w.x.map((r) => Array.from(r)),
      y: w.y.map((r) => Array.from(r)),
    });
    expect(rows(windowAt(streams, 0, 4))).toEqual({
      x: [
        [0, 1, 2, 3],
        [10, 11, 12, 13],
      ],
      y: [
        [1, 2, 3, 4],
        [11, 12, 13, 14],
      ],
    });
    expect(rows(windowAt(streams, 1, 4)).x).toEqual([
      [4, 5, 6, 7],
      [14, 15, 16, 17],
    ]);
    // Positions 8..8: len = min(4, 10 − 1 − 8) = 1.
    expect(rows(windowAt(streams, 2, 4))).toEqual({ x: [[8], [18]], y: [[9], [19]] });
    expect(() => windowAt(streams, 3, 4)).toThrow(/past the end/);
  });

  it('a source yields them in order as [batch, len] int32, marks each pass start, and resumes at its position', () => {
    const src = new TextBatchSource(tokens, 2, 4, 'search-train');
    expect(src.batchesPerEpoch).toBe(3);
    expect(src.targetsPerEpoch).toBe(18);
    const seen: Array<[number[][], boolean]> = [];
    for (let i = 0; i < 5; i++) {
      const b = src.next();
      expect(b.x.dtype).toBe('int32');
      seen.push([b.x.arraySync(), b.first]);
      tf.dispose([b.x, b.y]);
      if (i === 3) {
        const pos = src.getPosition();
        const again = new TextBatchSource(tokens, 2, 4);
        again.restorePosition(pos);
        const n = again.next();
        expect(n.x.arraySync()).toEqual([
          [4, 5, 6, 7],
          [14, 15, 16, 17],
        ]);
        tf.dispose([n.x, n.y]);
      }
    }
    expect(seen.map(([, f]) => f)).toEqual([true, false, false, true, false]);
    expect(seen[3][0]).toEqual(seen[0][0]);
    const whole = [...src.fromStart()];
    expect(whole.map((b) => b.y.size).reduce((a, b) => a + b, 0)).toBe(18);
    tf.dispose(whole.flatMap((b) => [b.x, b.y]));
    expect(() => new TextBatchSource([1, 2, 3], 2, 4, 'search-val')).toThrow(/search-val split has 3 tokens/);
  });
});

describe('text corpora', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'text-'));

  it('reads the standard ptb.*.txt names as well as train.txt', () => {
    const d = dir();
    writeFileSync(join(d, 'ptb.train.txt'), ' a b \n b c \n');
    writeFileSync(join(d, 'ptb.valid.txt'), ' a z \n');
    writeFileSync(join(d, 'ptb.test.txt'), ' c \n');
    const c = loadPtb(d);
    expect(c.vocab).toEqual(['<unk>', '<eos>', 'a', 'b', 'c']);
    expect(Array.from(c.valid)).toEqual([2, 0, 1]);
    expect(c.sampleLines).toEqual(['a b', 'b c']);
  });

  it('splits a single file by lines 80/10/10 in file order', () => {
    const d = dir();
    const f = join(d, 'corpus.txt');
    writeFileSync(f, Array.from({ length: 20 }, (_, i) => `w${i}`).join('\n'));
    const c = openTextCorpus(f);
    // 16 train lines (one word + <eos> each), 2 valid, 2 test.
    expect([c.train.length, c.valid.length, c.test.length]).toEqual([32, 4, 4]);
    expect(c.vocab[c.train[0]]).toBe('w0');
    // w16 and w17 never occur in train: <unk>.
    expect(Array.from(c.valid)).toEqual([0, 1, 0, 1]);
    writeFileSync(f, 'a\nb\n');
    expect(() => openTextCorpus(f)).toThrow(/corpus\.txt: only 2 line\(s\)/);
  });

  it('refuses an empty file, a binary file and a vocabulary over the limit, naming the file', () => {
    const d = dir();
    writeFileSync(join(d, 'ptb.train.txt'), 'a b c d e f\n');
    writeFileSync(join(d, 'ptb.valid.txt'), '  \n\n');
    writeFileSync(join(d, 'ptb.test.txt'), 'a\n');
    expect(() => loadPtb(d)).toThrow(/ptb\.valid\.txt: the file is empty/);
    writeFileSync(join(d, 'ptb.valid.txt'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff]));
    expect(() => loadPtb(d)).toThrow(/ptb\.valid\.txt: this is a binary file, not text/);
    writeFileSync(join(d, 'ptb.valid.txt'), 'a\n');
    expect(() => loadPtb(d, { maxVocab: 5 })).toThrow(
      /ptb\.train\.txt: the vocabulary has 8 words, more than the limit of 5/,
    );
    expect(() => loadPtb(join(d, 'nope'))).toThrow(/ptb\.train\.txt: file not found/);
  });

  it('bundles a tiny corpus small enough for a CPU search', () => {
    const c = loadDefaultTextCorpus();
    expect(c.vocab.length).toBeGreaterThan(50);
    expect(c.vocab.length).toBeLessThan(200);
    expect(c.train.length).toBeGreaterThan(10_000);
    expect(c.valid.length).toBeGreaterThan(1000);
  });

  it('offers the standard PTB files for download with the MD5 sums torchtext checks', () => {
    expect(STANDARD_DATASETS.ptb.files.map((f) => f.url.split('/').pop())).toEqual([
      'ptb.train.txt',
      'ptb.valid.txt',
      'ptb.test.txt',
    ]);
    expect(STANDARD_DATASETS.ptb.files[1].md5).toBe('aa0affc06ff7c36e977d7cd49e3839bf');
  });
});
