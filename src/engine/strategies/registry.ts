import type { StrategyConfig } from '../../shared/search-config';
import type { SearchNetwork } from '../spaces/darts/supernet';
import type { Rng } from '../util/rng';
import { Darts } from './darts';
import type { SearchStrategy } from './strategy';

/** Builds the strategy a config names. New strategies register here (see docs/strategies.md). */
export function createStrategy(cfg: StrategyConfig, net: SearchNetwork, rng: Rng): SearchStrategy {
  switch (cfg.name) {
    case 'darts':
      return new Darts(net, cfg, rng);
  }
}
