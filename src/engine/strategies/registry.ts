import type { StrategyName } from '../catalog';
import type { SearchStrategy, StrategyContext } from '../search/strategy';
import { Darts } from './darts';
import type { DartsStrategyConfig } from './darts-spec';
import { Gdas } from './gdas';
import type { GdasConfig } from './gdas-spec';
import { PcDarts } from './pcdarts';
import type { PcDartsConfig } from './pcdarts-spec';
import { Pdarts } from './pdarts';
import type { PdartsConfig } from './pdarts-spec';
import { RandomSearch } from './random-search';
import type { RandomSearchConfig } from './random-search-spec';
import { Spos } from './spos';
import type { SposConfig } from './spos-spec';
import { RegularizedEvolution } from './evolution';
import type { RegularizedEvolutionConfig } from './evolution-spec';
import { Nasp } from './nasp';
import type { NaspConfig } from './nasp-spec';
import { Rlnas } from './rlnas/rlnas';
import type { RlnasConfig } from './rlnas-spec';
import { Snas } from './snas';
import type { SnasConfig } from './snas-spec';
import { FairDarts } from './fairdarts';
import type { FairDartsConfig } from './fairdarts-spec';
import { Enas } from './enas/enas';
import type { EnasConfig } from './enas-spec';

type Factory = (ctx: StrategyContext<never>) => SearchStrategy;

/**
 * The tensor side of every registered strategy (its spec, tfjs-free, is in catalog.ts): a strategy
 * missing here is a compile error, so a registered strategy can always be built.
 */
export const STRATEGY_FACTORIES: { [K in StrategyName]: Factory } = {
  darts: (c: StrategyContext<DartsStrategyConfig>) => new Darts(c.net, c.config, c.rng, c.space),
  'random-search': (c: StrategyContext<RandomSearchConfig>) =>
    new RandomSearch(c.net, c.config, c.space, c.shape),
  gdas: (c: StrategyContext<GdasConfig>) => new Gdas(c.net, c.config, c.rng, c.space),
  pcdarts: (c: StrategyContext<PcDartsConfig>) => new PcDarts(c.net, c.config, c.rng, c.space),
  spos: (c: StrategyContext<SposConfig>) => new Spos(c),
  'regularized-evolution': (c: StrategyContext<RegularizedEvolutionConfig>) => new RegularizedEvolution(c),
  nasp: (c: StrategyContext<NaspConfig>) => new Nasp(c.net, c.config, c.space),
  rlnas: (c: StrategyContext<RlnasConfig>) => new Rlnas(c),
  snas: (c: StrategyContext<SnasConfig>) => new Snas(c.net, c.config, c.rng, c.space, c.shape),
  fairdarts: (c: StrategyContext<FairDartsConfig>) => new FairDarts(c.net, c.config, c.rng, c.space),
  pdarts: (c: StrategyContext<PdartsConfig>) => new Pdarts(c.net, c.config, c.rng, c.space),
  enas: (c: StrategyContext<EnasConfig>) => new Enas(c.net, c.config, c.rng, c.space),
};

/** Builds the strategy a (validated) config names. */
export function createStrategy(ctx: StrategyContext<{ name: string }>): SearchStrategy {
  const f = (STRATEGY_FACTORIES as Record<string, Factory>)[ctx.config.name];
  if (!f) throw new Error(`no factory registered for the strategy '${ctx.config.name}'`);
  return f(ctx as StrategyContext<never>);
}
