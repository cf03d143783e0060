import type { SearchConfig } from './config';
import { loadDefaultDataset } from '../data/default-dataset';
import { BatchLoader, channelStats } from '../data/loader';
import { randomLabels, searchSplit } from '../data/splits';
import { syntheticDataset } from '../data/synthetic';
import type { ImageDataset } from '../data/dataset';
import { openDataset } from '../data/open';
import type { SearchData } from './session';
import { loadDefaultTextCorpus, openTextCorpus, type TextCorpus } from '../data/ptb';
import { TextBatchSource } from '../data/text-batches';

/** Loads the dataset a config names and splits it into the search-train and search-val streams. */
/** The training set a config's data section names, with random labels applied when asked (RLNAS). */
export async function loadSearchDataset(
  d: SearchConfig['data'],
  seed: number,
  onWarning?: (message: string) => void,
): Promise<ImageDataset> {
  let full: ImageDataset;
  switch (d.source) {
    case 'synthetic':
      full = syntheticDataset({ ...d.synthetic, seed });
      break;
    case 'default':
      full = loadDefaultDataset('train');
      break;
    case 'path':
      full = await openDataset(d.path as string, 'train', { imageSize: d.imageSize, onWarning });
      break;
    case 'text':
      throw new Error('data.source "text" is a text corpus, not images: use loadSearchText');
  }
  return d.labels === 'random' ? randomLabels(full, seed) : full;
}

/** The text corpus of a `data.source: "text"` section: the file or folder at `path`, else the bundled one. */
export function loadSearchText(d: SearchConfig['data']): TextCorpus {
  const opts = { maxVocab: d.text.maxVocab };
  return d.path ? openTextCorpus(d.path, opts) : loadDefaultTextCorpus(opts);
}

/**
 * Text data for a language-model space: the corpus's train split batchified into `batchSize` streams
 * for the weights (search-train), its valid split the same way for scores and rewards (search-val;
 * `valSplit` is a pass over all of it in `text.evalBatchSize` streams). The test split is not read
 * by the search; its size is in the summary.
 */
export function buildTextData(config: SearchConfig): SearchData & { description: string; summary: unknown } {
  const d = config.data;
  const corpus = loadSearchText(d);
  const train = new TextBatchSource(corpus.train, config.batchSize, d.text.bptt, 'search-train');
  const val = new TextBatchSource(corpus.valid, config.batchSize, d.text.bptt, 'search-val');
  const whole = new TextBatchSource(corpus.valid, d.text.evalBatchSize, d.text.bptt, 'validation');
  return {
    train,
    val,
    inChannels: 0,
    numClasses: corpus.vocab.length,
    text: { vocabSize: corpus.vocab.length, valSplit: () => whole.fromStart() },
    description: `${corpus.description}: vocabulary ${corpus.vocab.length}, ${corpus.train.length} search-train / ${corpus.valid.length} search-val / ${corpus.test.length} test tokens`,
    summary: {
      vocabSize: corpus.vocab.length,
      tokens: { train: corpus.train.length, valid: corpus.valid.length, test: corpus.test.length },
    },
  };
}

export async function buildSearchData(
  config: SearchConfig,
  onWarning?: (message: string) => void,
): Promise<SearchData & { description: string; summary: unknown }> {
  const d = config.data;
  if (d.source === 'text') return buildTextData(config);
  const full = await loadSearchDataset(d, config.seed, onWarning);
  const split = searchSplit(full, d.trainFraction, config.seed, d.subset);
  const stats = channelStats(split.train);
  return {
    // DARTS search augments the weights' batches with random crop (padding 4) and flip; no cutout.
    train: new BatchLoader(
      split.train,
      config.batchSize,
      config.seed + 1,
      stats,
      d.augment ? { cropPadding: 4, flip: true, cutout: 0 } : undefined,
    ),
    val: new BatchLoader(split.val, config.batchSize, config.seed + 2, stats),
    inChannels: full.channels,
    numClasses: full.classNames.length,
    imageSize: full.height,
    description: `${full.description}: ${split.train.labels.length} search-train / ${split.val.labels.length} search-val images`,
    summary: split.summary,
  };
}
