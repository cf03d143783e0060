import type { SearchSpace, SpaceSpec } from './search/space';
import type { StrategySpec } from './search/strategy';
import { dartsSpaceSpec } from './spaces/darts/space';
import { nb201SpaceSpec } from './spaces/nb201/space';
import { mobileNetSpaceSpec } from './spaces/mobilenet/space';
import { enasMicroSpaceSpec } from './spaces/enas-micro/space';
import { enasRnnSpaceSpec } from './spaces/enas-rnn/space';
import { dartsSpec } from './strategies/darts-spec';
import { gdasSpec } from './strategies/gdas-spec';
import { pcdartsSpec } from './strategies/pcdarts-spec';
import { pdartsSpec } from './strategies/pdarts-spec';
import { randomSearchSpec } from './strategies/random-search-spec';
import { sposSpec } from './strategies/spos-spec';
import { regularizedEvolutionSpec } from './strategies/evolution-spec';
import { naspSpec } from './strategies/nasp-spec';
import { rlnasSpec } from './strategies/rlnas-spec';
import { snasSpec } from './strategies/snas-spec';
import { fairdartsSpec } from './strategies/fairdarts-spec';
import { enasSpec } from './strategies/enas-spec';

/**
 * Every registered space and strategy, as they declare themselves (timm-style registry). tfjs-free:
 * the app's wizard, runs list and config validation are built from these. A new space or strategy
 * adds one line to its list here and its factory in spaces/registry.ts or strategies/registry.ts
 * (docs/strategies.md, "Adding a strategy or a space").
 */
export const SPACE_SPECS = [
  dartsSpaceSpec,
  nb201SpaceSpec,
  mobileNetSpaceSpec,
  enasMicroSpaceSpec,
  enasRnnSpaceSpec,
] as const;
export const STRATEGY_SPECS = [
  dartsSpec,
  randomSearchSpec,
  gdasSpec,
  pcdartsSpec,
  sposSpec,
  pdartsSpec,
  regularizedEvolutionSpec,
  naspSpec,
  rlnasSpec,
  snasSpec,
  fairdartsSpec,
  enasSpec,
] as const;

export type SpaceName = (typeof SPACE_SPECS)[number]['name'];
export type StrategyName = (typeof STRATEGY_SPECS)[number]['name'];

export function spaceSpec(name: string): SpaceSpec {
  const s = SPACE_SPECS.find((x) => x.name === name);
  if (!s)
    throw new Error(`unknown search space '${name}' (known: ${SPACE_SPECS.map((x) => x.name).join(', ')})`);
  return s as unknown as SpaceSpec;
}

export function strategySpec(name: string): StrategySpec {
  const s = STRATEGY_SPECS.find((x) => x.name === name);
  if (!s)
    throw new Error(`unknown strategy '${name}' (known: ${STRATEGY_SPECS.map((x) => x.name).join(', ')})`);
  return s as unknown as StrategySpec;
}

const bound = new WeakMap<object, SearchSpace>();
/** The space a (validated) space config names, bound to that config (cached per config object). */
export function spaceOf(config: { name: string }): SearchSpace {
  let s = bound.get(config);
  if (!s) {
    s = spaceSpec(config.name).create(config as never);
    bound.set(config, s);
  }
  return s;
}
