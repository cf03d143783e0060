import { TextBatchSource } from '../data/text-batches';
import { loadSearchText } from '../search/build-data';
import type { TrainConfig } from './train-config';

/**
 * What a language model's training run needs of its text: the training split as `batchSize`
 * contiguous streams read in BPTT windows of `data.text.bptt` tokens (the search's batchify), and the
 * valid and test splits as `data.text.evalBatchSize` streams scored whole every epoch.
 */
export interface LmTrainData {
  kind: 'text';
  train: TextBatchSource;
  valid: TextBatchSource;
  test: TextBatchSource;
  vocab: string[];
  bptt: number;
  description: string;
}

export function isLmTrainData(d: unknown): d is LmTrainData {
  return (d as Partial<LmTrainData> | null)?.kind === 'text';
}

/**
 * The text of a training run: the search's corpus (data.path, or the bundled tiny one), all of its
 * train split for the weights (the search held valid out for rewards; a final training has no α).
 * Too little text is an error naming the field to change: a training stream must hold one whole
 * window (bptt + 1 tokens), an evaluation stream at least two tokens.
 */
export function buildLmTrainData(config: TrainConfig): LmTrainData {
  const d = config.data;
  const corpus = loadSearchText(d);
  const { bptt, evalBatchSize } = d.text;
  const batch = config.recipe.batchSize;
  const perStream = Math.floor(corpus.train.length / batch);
  if (perStream < bptt + 1)
    throw new Error(
      `recipe.batchSize ${batch} / data.text.bptt ${bptt}: the training split of ${corpus.description} has ${corpus.train.length} tokens, so ${batch} streams of ${perStream} tokens, too short for one window of ${bptt} inputs and their next-token targets (${bptt + 1} tokens); use a smaller batch size or bptt, or more text`,
    );
  const evalSource = (ids: Int32Array, name: 'valid' | 'test') => {
    if (Math.floor(ids.length / evalBatchSize) < 2)
      throw new Error(
        `data.text.evalBatchSize ${evalBatchSize}: the ${name} split of ${corpus.description} has ${ids.length} tokens, too few for ${evalBatchSize} streams of at least 2 tokens; use a smaller evalBatchSize or more text`,
      );
    return new TextBatchSource(ids, evalBatchSize, bptt, name);
  };
  return {
    kind: 'text',
    train: new TextBatchSource(corpus.train, batch, bptt, 'train'),
    valid: evalSource(corpus.valid, 'valid'),
    test: evalSource(corpus.test, 'test'),
    vocab: corpus.vocab,
    bptt,
    description: `${corpus.description}: vocabulary ${corpus.vocab.length}, ${corpus.train.length} training / ${corpus.valid.length} validation / ${corpus.test.length} test tokens`,
  };
}
