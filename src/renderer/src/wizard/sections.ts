import { SPACE_SPECS, STRATEGY_SPECS, spaceSpec, strategySpec } from '../../../engine/catalog';
import type { SpaceSpec } from '../../../engine/search/space';
import { spacePresetOf, type StrategySpec } from '../../../engine/search/strategy';
import type { Draft } from './draft';

/**
 * Choosing a space or a strategy in the wizard, from the registry alone: a new choice replaces its
 * config section with that spec's defaults and keeps every other section.
 */

export const spaceSpecs = (): SpaceSpec[] => SPACE_SPECS.map((s) => spaceSpec(s.name));

/** The registered strategies that run on a space, in registry order. */
export function strategiesFor(space: string): StrategySpec[] {
  return STRATEGY_SPECS.map((s) => strategySpec(s.name)).filter((s) => s.spaces.includes(space));
}

/** The spec a draft's section names, or null when this build does not know it (a config from a newer app). */
export function spaceSpecOf(draft: Draft): SpaceSpec | null {
  const name = draft?.space?.name;
  return SPACE_SPECS.some((s) => s.name === name) ? spaceSpec(name) : null;
}
export function strategySpecOf(draft: Draft): StrategySpec | null {
  const name = draft?.strategy?.name;
  return STRATEGY_SPECS.some((s) => s.name === name) ? strategySpec(name) : null;
}

/** What a switch did: the new draft and, when it had to change the strategy too, a sentence saying so. */
export interface Switched {
  draft: Draft;
  note: string | null;
}

/** The space `name` with its defaults; the strategy too when the current one does not run on it. */
export function switchSpace(draft: Draft, name: string): Switched {
  if (name === draft.space.name) return { draft, note: null };
  const r = switchSpaceOnly(draft, name);
  return withMatchingData(r, name);
}

function switchSpaceOnly(draft: Draft, name: string): Switched {
  const space = spaceSpec(name).schema.parse({ name }) as Draft['space'];
  const current = strategySpecOf(draft);
  if (current?.spaces.includes(name)) {
    // A strategy whose defaults differ by space (ENAS on the RNN cell) takes the new space's defaults.
    const presets = current.spacePresets ?? {};
    if (!(draft.space.name in presets) && !(name in presets))
      return { draft: { ...draft, space }, note: null };
    return {
      draft: { ...draft, space, strategy: strategyDefaults(current, name) },
      note: `${current.title}'s defaults differ on ${spaceSpec(name).title}: its fields are now those defaults.`,
    };
  }
  const [first] = strategiesFor(name);
  if (!first)
    return { draft: { ...draft, space }, note: `No registered strategy runs on ${spaceSpec(name).title}.` };
  const strategy = strategyDefaults(first, name);
  const was = current?.title ?? draft.strategy.name;
  return {
    draft: { ...draft, space, strategy },
    note: `${was} does not run on ${spaceSpec(name).title}: switched to ${first.title} (its defaults).`,
  };
}

/** Text data for a language-model space and images for the others: the data source follows the space. */
function withMatchingData(r: Switched, name: string): Switched {
  const text = spaceSpec(name).modality === 'text';
  const source = r.draft.data.source;
  if (text === (source === 'text')) return r;
  const data = { ...r.draft.data, source: text ? 'text' : 'default', path: undefined } as Draft['data'];
  const said = text
    ? `${spaceSpec(name).title} reads text: the dataset is now the bundled tiny text corpus (step 1).`
    : `${spaceSpec(name).title} reads images: the dataset is now the bundled Fashion-MNIST subset (step 1).`;
  return { draft: { ...r.draft, data }, note: r.note ? `${r.note} ${said}` : said };
}

/** A new data source; the space (and strategy) too when the current space does not read that kind of data. */
export function switchDataSource(draft: Draft, source: string): Switched {
  const next = { ...draft, data: { ...draft.data, source } as Draft['data'] };
  const text = source === 'text';
  if ((spaceSpecOf(draft)?.modality === 'text') === text) return { draft: next, note: null };
  const target = SPACE_SPECS.find((s) => ((s as SpaceSpec).modality === 'text') === text);
  if (!target) return { draft: next, note: null };
  const r = switchSpaceOnly(next, target.name);
  const said = `${text ? 'Text data needs a language-model space' : 'Image data needs an image space'}: the search space is now ${spaceSpec(target.name).title} (step 3).`;
  return { draft: r.draft, note: r.note ? `${said} ${r.note}` : said };
}

/** The strategy `name` with its defaults. */
export function switchStrategy(draft: Draft, name: string): Draft {
  if (name === draft.strategy.name) return draft;
  const spec = strategySpec(name);
  // What the strategy declares it needs of the data and the space (RLNAS: random labels; FairDARTS: no
  // 'none' op) is set with it, so that choosing it never leaves the draft invalid.
  // The requirement reads the space as the engine will (defaults filled in): a draft may omit fields.
  const parsed = spaceSpecOf(draft)?.schema.safeParse(draft.space);
  const space = (parsed?.success ? parsed.data : draft.space) as { name: string } & Record<string, unknown>;
  const needed = spec.spaceRequirement?.(space);
  return {
    ...draft,
    strategy: strategyDefaults(spec, draft.space.name),
    ...(needed ? { space: { ...space, ...needed.patch } as Draft['space'] } : {}),
    ...(spec.labels && draft.data?.labels !== spec.labels
      ? { data: { ...draft.data, labels: spec.labels } as Draft['data'] }
      : {}),
  };
}

/** A strategy's defaults on a space: its schema's, with its preset for that space over them. */
function strategyDefaults(spec: StrategySpec, space: string): Draft['strategy'] {
  return spec.schema.parse({ ...spacePresetOf(spec, space), name: spec.name }) as Draft['strategy'];
}

/**
 * The strategy's CPU preset merged over its defaults on the draft's space (not over the current
 * values: a preset is a known state).
 */
export function withCpuPreset(draft: Draft): Draft {
  const spec = strategySpecOf(draft);
  if (!spec?.cpuPreset) return draft;
  return {
    ...draft,
    strategy: spec.schema.parse({
      ...spacePresetOf(spec, draft.space.name),
      ...spec.cpuPreset,
      name: spec.name,
    }) as Draft['strategy'],
  };
}
