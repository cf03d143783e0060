import type { SearchConfig } from './config';
import { loadDefaultDataset } from '../data/default-dataset';
import { BatchLoader, channelStats } from '../data/loader';
import { randomLabels, searchSplit } from '../data/splits';
import { syntheticDataset } from '../data/synthetic';
import type { ImageDataset } from '../data/dataset';
import { openDataset } from '../data/open';
import type { SearchData } from './session';

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
  }
  return d.labels === 'random' ? randomLabels(full, seed) : full;
}

export async function buildSearchData(
  config: SearchConfig,
  onWarning?: (message: string) => void,
): Promise<SearchData & { description: string; summary: unknown }> {
  const d = config.data;
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
