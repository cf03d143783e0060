import { spaceOf } from '../../../engine/catalog';
import { knownInputShape } from '../../../engine/search/memory';
import type { InputShape } from '../../../engine/search/space';
import { SearchConfigSchema } from '../../../shared/search-config';
import type { Draft } from './draft';

export interface CostEstimate {
  params: number;
  /** Multiply-adds of one image's forward pass through the whole supernet. */
  multiplyAdds: number;
  /** Peak bytes of one step; null while the dataset's image size is unknown (datasets on disk). */
  stepBytes: number | null;
  /** The image shape was assumed (datasets on disk, before they are read). */
  assumedShape: boolean;
  /** Text data (a language model): multiplyAdds are per token, the vocabulary assumed PTB's 10,000 words. */
  text?: boolean;
}

/**
 * What a dataset on disk is taken to be until read: colour images of the folder resize, 10 classes;
 * a text corpus, PTB's 10,000 words.
 */
function assumedShape(d: Draft['data']): InputShape {
  if (d.source === 'text') return { size: 0, channels: 0, classes: 10_000 };
  return { size: d.imageSize, channels: 3, classes: 10 };
}

/** The space's own cost model on a valid draft; null when the draft does not validate. */
export function estimateCost(draft: Draft): CostEstimate | null {
  const parsed = SearchConfigSchema.safeParse(draft);
  if (!parsed.success) return null;
  const config = parsed.data;
  const known = knownInputShape(config.data);
  const shape = known ?? assumedShape(config.data);
  const cost = spaceOf(config.space).cost;
  return {
    params: cost.supernetParams(shape),
    multiplyAdds: cost.supernetFlops(shape),
    stepBytes: known ? cost.stepBytes(known, config.batchSize) : null,
    assumedShape: !known,
    ...(config.data.source === 'text' ? { text: true } : {}),
  };
}
