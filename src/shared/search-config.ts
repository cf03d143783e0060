/**
 * The search configuration as it crosses process boundaries (CLI file, IPC, HTTP). The engine owns
 * the schema (engine/search/config.ts), composed from what each registered space and strategy
 * declares (engine/catalog.ts); this module is the app's door to it.
 */
export {
  DataSchema,
  SearchConfigSchema,
  SpaceSchema,
  StrategySchema,
  describeConfigError,
  parseSearchConfig,
  type SearchConfig,
  type SearchConfigInput,
  type SpaceConfig,
  type StrategyConfig,
} from '../engine/search/config';
export { DartsStrategySchema, type DartsStrategyConfig } from '../engine/strategies/darts-spec';
