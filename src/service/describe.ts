import { basename } from 'node:path';
import { spaceOf, strategySpec } from '../engine/catalog';
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
    case 'text':
      return d.path ? `text ${basename(d.path)}` : 'tiny text corpus (bundled)';
  }
}

/** A strategy as the runs list names it: what its spec says of this config. */
export function describeStrategy(s: SearchConfig['strategy']): string {
  return strategySpec(s.name).summary(s as never);
}

/** A search space as the runs list names it. */
export function describeSpace(s: SearchConfig['space']): string {
  return spaceOf(s).summary;
}
