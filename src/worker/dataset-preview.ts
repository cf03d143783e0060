import { DataSchema, describeConfigError, type SearchConfig } from '../shared/search-config';
import type { DatasetPreviewDto } from '../shared/api';
import { loadSearchDataset, loadSearchText } from '../engine/search/build-data';
import { loadDefaultDataset } from '../engine/data/default-dataset';
import { openDataset } from '../engine/data/open';
import { previewDataset } from '../engine/data/preview';
import { searchSplit } from '../engine/data/splits';

/** Size of the dataset's test split, when it has one the app can read (null otherwise). */
async function testImages(d: SearchConfig['data']): Promise<number | null> {
  try {
    if (d.source === 'default') return loadDefaultDataset('test').labels.length;
    if (d.source === 'path')
      return (await openDataset(d.path as string, 'test', { imageSize: d.imageSize })).labels.length;
  } catch {
    // Image folders and many layouts have no separate test split.
  }
  return null;
}

/**
 * What the wizard shows for a data section: sample images per class, class counts in the whole set
 * and in the two search splits exactly as the search will draw them (same seed), and the test split.
 */
export async function previewForWizard(
  d: SearchConfig['data'],
  seed: number,
  perClass = 6,
): Promise<DatasetPreviewDto> {
  if (d.source === 'text') return textPreview(d);
  const full = await loadSearchDataset(d, seed);
  const split = searchSplit(full, d.trainFraction, seed, d.subset);
  const p = previewDataset(full, perClass);
  return {
    description: full.description,
    imageShape: [full.height, full.width, full.channels],
    classNames: full.classNames,
    samples: p.samples.map((s) => ({
      className: s.className,
      images: s.images.map((im) => ({
        width: im.width,
        height: im.height,
        rgbaBase64: Buffer.from(im.rgba.buffer, im.rgba.byteOffset, im.rgba.byteLength).toString('base64'),
      })),
    })),
    counts: { all: p.histograms.all, searchTrain: split.summary.train, searchVal: split.summary.val },
    testImages: await testImages(d),
  };
}

/** A text corpus for the wizard: its vocabulary, tokens per split (train / valid / test files) and sentences. */
function textPreview(d: SearchConfig['data']): DatasetPreviewDto {
  const c = loadSearchText(d);
  return {
    description: c.description,
    imageShape: [0, 0, 0],
    classNames: [],
    samples: [],
    counts: { all: [], searchTrain: [], searchVal: [] },
    testImages: null,
    text: {
      vocabSize: c.vocab.length,
      tokens: { searchTrain: c.train.length, searchVal: c.valid.length, test: c.test.length },
      sentences: c.sampleLines.slice(0, 6).map((l) => (l.length > 160 ? `${l.slice(0, 157)}…` : l)),
    },
  };
}

/** The wizard's dataset settings (unchecked, as they cross from the renderer) to a preview, or a clear error. */
export async function previewDatasetSettings(data: unknown, seed: number): Promise<DatasetPreviewDto> {
  const parsed = DataSchema.safeParse(data ?? {});
  if (!parsed.success) throw new Error(`Invalid dataset settings:\n${describeConfigError(parsed.error)}`);
  return previewForWizard(parsed.data, seed);
}
