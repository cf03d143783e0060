import { basename } from 'node:path';
import type { SearchConfig } from '../shared/search-config';

/** A dataset as the runs list names it. */
export function describeDataSource(d: SearchConfig['data']): string {
  const labels = d.labels === 'random' ? ', random labels' : '';
  const subset = d.subset ? ` (${d.subset} images)` : '';
  switch (d.source) {
    case 'default':
      return `Fashion-MNIST subset${subset}${labels}`;
    case 'synthetic':
      return `synthetic ${d.synthetic.imageSize}×${d.synthetic.imageSize}×${d.synthetic.channels}${subset}${labels}`;
    case 'path':
      return `${basename(d.path ?? '')}${subset}${labels}`;
  }
}

/** A strategy as the runs list names it. */
export function describeStrategy(s: SearchConfig['strategy']): string {
  return `DARTS (${s.order} order)`;
}
