import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

/**
 * A toy space and two toy strategies registered beside DARTS, so that switching is tested against the
 * registry as it will be (several spaces, strategies that run on some of them, a CPU preset).
 */
vi.mock('../../../engine/catalog', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../engine/catalog')>();
  const toySpace = {
    name: 'toy',
    title: 'Toy cells',
    description: 'a toy',
    reference: 'none',
    schema: z
      .object({
        name: z.literal('toy'),
        width: z.number().int().default(3).meta({ title: 'width', description: 'toy' }),
      })
      .strict(),
    create: () => ({ summary: 'toy', cost: {} }),
  };
  const toyStrategy = (name: string, spaces: string[], cpuPreset?: object) => ({
    name,
    title: name.toUpperCase(),
    description: '',
    reference: '',
    schema: z
      .object({
        name: z.literal(name),
        samples: z.number().int().default(100),
        keep: z.number().default(0.5),
      })
      .strict(),
    spaces,
    summary: () => name,
    metrics: [],
    cpuPreset,
  });
  const SPACE_SPECS = [...real.SPACE_SPECS, toySpace];
  const STRATEGY_SPECS = [
    ...real.STRATEGY_SPECS,
    toyStrategy('toy-rs', ['darts', 'toy'], { samples: 4 }),
    toyStrategy('toy-only', ['toy']),
  ];
  return {
    ...real,
    SPACE_SPECS,
    STRATEGY_SPECS,
    spaceSpec: (n: string) => SPACE_SPECS.find((s) => s.name === n),
    strategySpec: (n: string) => STRATEGY_SPECS.find((s) => s.name === n),
  };
});

const catalog = await import('../../../engine/catalog');
const { QUICK_DRAFT, draftErrors, setPath } = await import('./draft');
const { spaceSpecs, strategiesFor, switchSpace, switchStrategy, withCpuPreset } = await import('./sections');

describe('choosing a space and a strategy', () => {
  it('lists the registered spaces, and the strategies that run on one', () => {
    // Every registered space (DARTS, NB201, …) and the toy, in registry order.
    expect(spaceSpecs().map((s) => s.name)).toEqual(catalog.SPACE_SPECS.map((s) => s.name));
    expect(spaceSpecs().map((s) => s.name)).toEqual(expect.arrayContaining(['darts', 'toy']));
    const onDarts = catalog.STRATEGY_SPECS.filter((s) =>
      (s.spaces as readonly string[]).includes('darts'),
    ).map((s) => s.name);
    expect(strategiesFor('darts').map((s) => s.name)).toEqual(onDarts);
    expect(onDarts).toEqual(expect.arrayContaining(['darts', 'random-search', 'toy-rs']));
    expect(strategiesFor('toy').map((s) => s.name)).toEqual(['toy-rs', 'toy-only']);
  });
  it('a new space replaces the space section with its defaults and keeps the rest', () => {
    const d = setPath(switchStrategy(QUICK_DRAFT, 'toy-rs'), 'epochs', 9);
    const r = switchSpace(d, 'toy');
    expect(r.note).toBeNull();
    expect(r.draft.space).toEqual({ name: 'toy', width: 3 });
    expect(r.draft.strategy).toBe(d.strategy);
    expect(r.draft.data).toBe(d.data);
    expect(r.draft.epochs).toBe(9);
    expect(draftErrors(r.draft)).toEqual([]);
    expect(switchSpace(r.draft, 'toy').draft).toBe(r.draft);
  });
  it('a space the strategy does not run on switches to the first strategy that does, and says so', () => {
    const r = switchSpace(QUICK_DRAFT, 'toy');
    expect(r.draft.strategy).toEqual({ name: 'toy-rs', samples: 100, keep: 0.5 });
    expect(r.note).toBe('DARTS does not run on Toy cells: switched to TOY-RS (its defaults).');
    expect(draftErrors(r.draft)).toEqual([]);
  });
  it('a new strategy starts from its defaults; the CPU preset merges over them', () => {
    const d = setPath(switchStrategy(QUICK_DRAFT, 'toy-rs'), 'strategy.keep', 0.9);
    expect(withCpuPreset(d).strategy).toEqual({ name: 'toy-rs', samples: 4, keep: 0.5 });
    expect(switchStrategy(d, 'darts').strategy).toEqual(
      expect.objectContaining({ name: 'darts', order: 'first', weightLr: 0.025 }),
    );
    // No preset: nothing changes.
    expect(withCpuPreset(QUICK_DRAFT)).toBe(QUICK_DRAFT);
  });

  it("choosing a strategy applies what it declares it needs (FairDARTS: no 'none'; RLNAS: random labels)", () => {
    expect(draftErrors(switchStrategy(QUICK_DRAFT, 'fairdarts'))).toEqual([]);
    const fair = switchStrategy(QUICK_DRAFT, 'fairdarts');
    expect(fair.space.name === 'darts' && fair.space.ops).not.toContain('none');
    // The same config written by hand, with 'none', is refused naming the field.
    const handWritten = { ...fair, space: QUICK_DRAFT.space };
    expect(draftErrors(handWritten).join('\n')).toMatch(/space\.ops|none/);
    const rl = switchStrategy(QUICK_DRAFT, 'rlnas');
    expect(rl.data.labels).toBe('random');
    expect(draftErrors(rl)).toEqual([]);
  });

  it("a strategy whose defaults differ by space (ENAS on the RNN cell) takes that space's preset, in the CPU preset too", () => {
    // The RNN cell space reads text: the data source follows it.
    const rnn = switchSpace(QUICK_DRAFT, 'enas-rnn').draft;
    const enas = switchStrategy(rnn, 'enas');
    expect(enas.strategy).toMatchObject({
      name: 'enas',
      controllerHidden: 100,
      temperature: 5,
      tanhConstant: 2.5,
      baselineDecay: 0.95,
      reward: 'perplexity',
    });
    expect(draftErrors(enas)).toEqual([]);
    expect(withCpuPreset(enas).strategy).toMatchObject({ controllerHidden: 100, controllerSteps: 5 });
    // Back to an image space with ENAS kept: the CNN reference's defaults again, and it says so.
    const micro = switchSpace(enas, 'enas-micro');
    expect(micro.draft.strategy).toMatchObject({ name: 'enas', controllerHidden: 64, reward: 'accuracy' });
    expect(micro.note).toMatch(/ENAS's defaults differ on/);
    expect(draftErrors(micro.draft)).toEqual([]);
  });
});
