import { basename } from 'node:path';
import { spaceOf, spaceSpec, strategySpec } from '../engine/catalog';
import type { SearchConfig } from '../shared/search-config';
import type { RunConfig } from '../shared/run-config';

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

/** What the runs list says of a run of either kind: a training run's "strategy" column names its recipe. */
export function describeRun(c: RunConfig): {
  kind: 'search' | 'train';
  strategy: string;
  space: string;
  dataset: string;
  epochs: number;
} {
  if (c.kind === 'train') {
    const a = c.architecture;
    const what = a.random
      ? 'random architecture'
      : a.origin?.run
        ? `architecture of ${a.origin.run}`
        : 'architecture';
    return {
      kind: 'train',
      strategy: `train ${what} (${c.recipe.preset} recipe)`,
      // The trained network's size, not the search skeleton's.
      space: `${spaceSpec(c.space.name).title}, network ${
        Object.entries(c.network)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || "at the space's layout"
      }`,
      dataset: describeDataSource(c.data),
      epochs: c.recipe.epochs,
    };
  }
  return {
    kind: 'search',
    strategy: describeStrategy(c.strategy),
    space: describeSpace(c.space),
    dataset: describeDataSource(c.data),
    epochs: c.epochs,
  };
}
