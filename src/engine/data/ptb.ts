import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetError } from './dataset';
import { TEXT_VOCAB_LIMIT } from './text-limits';

/** A word-level corpus in the PTB format: ids per split over one vocabulary built from train. */
export interface TextCorpus {
  vocab: string[];
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
  /** Where it came from, for logs and the UI. */
  description: string;
  /** The first lines of the training text, as read (the wizard's sample sentences). */
  sampleLines: string[];
}

export type TextSplit = 'train' | 'valid' | 'test';
const SPLITS: readonly TextSplit[] = ['train', 'valid', 'test'];

export { TEXT_VOCAB_LIMIT };

export interface TextOptions {
  /** Refuse a corpus whose vocabulary (from train, with <unk> and <eos>) is larger (default TEXT_VOCAB_LIMIT). */
  maxVocab?: number;
}

/**
 * Text a user can hand us by mistake that is not text: a NUL byte, or many undecodable bytes
 * (U+FFFD after UTF-8 decoding), in the first 64 KiB.
 */
function looksBinary(bytes: Buffer, text: string): boolean {
  const head = bytes.subarray(0, 65536);
  if (head.includes(0)) return true;
  const sample = text.slice(0, 65536);
  let bad = 0;
  for (const ch of sample) if (ch === '\uFFFD') bad++;
  return bad > Math.max(8, sample.length * 0.01);
}

/** Non-blank lines of a text file, with clear errors naming the file (missing, binary, empty). */
function readLines(p: string, hint: string): string[] {
  if (!existsSync(p)) throw new DatasetError('missing', p, `file not found (${hint})`);
  const bytes = readFileSync(p);
  const text = bytes.toString('utf8');
  if (looksBinary(bytes, text))
    throw new DatasetError(
      'unsupported',
      p,
      'this is a binary file, not text: a text corpus is UTF-8 words separated by spaces, one sentence per line',
    );
  const lines = text.split('\n').filter((l) => l.trim());
  if (!lines.length) throw new DatasetError('corrupt', p, 'the file is empty (no words in it)');
  return lines;
}

/**
 * Words to ids: Mikolov's PTB layout (space-separated words, one sentence per line, rare words
 * already <unk>). Every line ends with <eos>; the vocabulary is built from train (ids 0 and 1 are
 * <unk> and <eos>, then words in order of first appearance) and words absent from train map to <unk>.
 * (ENAS-pytorch's data/text.py adds the words of all three files to its dictionary; on PTB, whose
 * valid and test words all occur in train, both give the same 10,000 words.)
 */
function encodeSplits(
  lines: Record<TextSplit, string[]>,
  files: Record<TextSplit, string>,
  description: string,
  opts: TextOptions,
): TextCorpus {
  const limit = opts.maxVocab ?? TEXT_VOCAB_LIMIT;
  const index = new Map<string, number>([
    ['<unk>', 0],
    ['<eos>', 1],
  ]);
  for (const line of lines.train)
    for (const w of line.trim().split(/\s+/)) if (!index.has(w)) index.set(w, index.size);
  if (index.size > limit)
    throw new DatasetError(
      'unsupported',
      files.train,
      `the vocabulary has ${index.size} words, more than the limit of ${limit}: replace rare words by <unk> (PTB keeps the 10,000 most frequent)`,
    );
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
    description,
    sampleLines: lines.train.slice(0, 8).map((l) => l.trim()),
  };
}

/** The file of a split in a PTB folder: `ptb.<split>.txt` (the standard files) or `<split>.txt` (ENAS-pytorch's data/ptb). */
function splitFile(dir: string, split: TextSplit): string {
  const standard = join(dir, `ptb.${split}.txt`);
  if (existsSync(standard)) return standard;
  const short = join(dir, `${split}.txt`);
  return existsSync(short) ? short : standard;
}

/** Reads a PTB folder: ptb.train.txt / ptb.valid.txt / ptb.test.txt (or train.txt / valid.txt / test.txt). */
export function loadPtb(dir: string, opts: TextOptions = {}, description = `text corpus ${dir}`): TextCorpus {
  const files = Object.fromEntries(SPLITS.map((s) => [s, splitFile(dir, s)])) as Record<TextSplit, string>;
  const hint =
    'a text folder needs ptb.train.txt, ptb.valid.txt and ptb.test.txt (or train.txt, valid.txt, test.txt)';
  const lines = Object.fromEntries(SPLITS.map((s) => [s, readLines(files[s], hint)])) as Record<
    TextSplit,
    string[]
  >;
  return encodeSplits(lines, files, description, opts);
}

/** Shares of a single text file's lines: train, then valid, then test (contiguous, in file order). */
export const SINGLE_FILE_SPLIT = { train: 0.8, valid: 0.1, test: 0.1 } as const;

/**
 * One text file split by lines, in file order (text must keep its order, so nothing is shuffled):
 * the first 80% of the non-blank lines are train, the next 10% valid, the last 10% test.
 */
export function loadTextFile(file: string, opts: TextOptions = {}): TextCorpus {
  const all = readLines(file, 'a text file of sentences, one per line');
  const nTrain = Math.floor(all.length * SINGLE_FILE_SPLIT.train);
  const nValid = Math.floor(all.length * SINGLE_FILE_SPLIT.valid);
  if (nValid < 1 || all.length - nTrain - nValid < 1)
    throw new DatasetError(
      'corrupt',
      file,
      `only ${all.length} line(s): a single text file is split by lines 80/10/10 into train/valid/test, which needs at least 10 lines`,
    );
  const lines = {
    train: all.slice(0, nTrain),
    valid: all.slice(nTrain, nTrain + nValid),
    test: all.slice(nTrain + nValid),
  };
  return encodeSplits(
    lines,
    { train: file, valid: file, test: file },
    `text file ${file} (split by lines 80/10/10)`,
    opts,
  );
}

/** A text folder (PTB layout) or a single text file, whichever `path` is. */
export function openTextCorpus(path: string, opts: TextOptions = {}): TextCorpus {
  if (!existsSync(path)) throw new DatasetError('missing', path, 'not found');
  return statSync(path).isDirectory() ? loadPtb(path, opts) : loadTextFile(path, opts);
}

/** Finds assets/datasets/tiny-text from the sources or from a built bundle. */
export function defaultTextDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'assets', 'datasets', 'tiny-text');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('the bundled text corpus assets/datasets/tiny-text was not found beside the app');
}

/** The bundled tiny corpus (generated by scripts/make-default-text.mjs; ~105 words, 18k training tokens). */
export function loadDefaultTextCorpus(opts: TextOptions = {}): TextCorpus {
  return loadPtb(defaultTextDir(), opts, 'tiny text corpus (bundled, generated)');
}
