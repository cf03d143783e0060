import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DartsSpaceSchema } from '../../../engine/spaces/darts/search-space';
import { DARTS_PRIMITIVES } from '../../../engine/spaces/darts/primitives-contract';
import { DartsStrategySchema } from '../../../engine/strategies/darts-spec';
import { fieldTitle, fieldsOf } from './schema-fields';

describe('schema → form fields', () => {
  it('the DARTS space: every field titled and described, the candidate ops as a checkbox group', () => {
    const fields = fieldsOf(DartsSpaceSchema);
    // The discriminator is chosen with the space picker, not typed.
    expect(fields.map((f) => f.key)).toEqual([
      'ops',
      'nodes',
      'cells',
      'channels',
      'stemMultiplier',
      'edgeOps',
    ]);
    expect(fields.map((f) => f.title)).toEqual([
      'candidate operations',
      'nodes per cell',
      'cells',
      'initial channels',
      'stem multiplier',
      'ops per edge',
    ]);
    for (const f of fields) expect(f.description).toMatch(/^paper: /);
    expect(fields[0]).toMatchObject({
      kind: 'enum-set',
      options: [...DARTS_PRIMITIVES],
      minItems: 2,
      optional: false,
    });
    expect(fields[2]).toMatchObject({ kind: 'number', integer: true, min: 1, max: 32 });
  });
  it('the DARTS strategy: enums as selects, decimals, a tuple of numbers', () => {
    const fields = fieldsOf(DartsStrategySchema);
    expect(fields.find((f) => f.key === 'order')).toMatchObject({
      kind: 'enum',
      title: 'order',
      options: ['first', 'second'],
    });
    // An exclusive minimum (> 0) is shown at the bound; the schema itself still refuses 0.
    expect(fields.find((f) => f.key === 'weightLr')).toMatchObject({
      kind: 'number',
      integer: false,
      min: 0,
      title: 'weights learning rate',
      description: expect.stringMatching(/0\.025/),
    });
    expect(fields.find((f) => f.key === 'alphaBetas')).toMatchObject({
      kind: 'number-tuple',
      items: [
        { min: 0, max: 1, integer: false },
        { min: 0, max: 1, integer: false },
      ],
    });
    expect(fieldTitle(DartsStrategySchema, 'alphaLr')).toBe('α learning rate');
    expect(fieldTitle(DartsStrategySchema, 'nope')).toBeNull();
  });
  it('booleans, optional fields, untitled fields and shapes without a widget', () => {
    const schema = z.object({
      name: z.literal('toy'),
      greedy: z.boolean().default(false).meta({ title: 'greedy', description: 'why' }),
      budget: z.number().int().positive().optional(),
      label: z.string().default('x'),
      nested: z.object({ a: z.number() }).default({ a: 1 }),
    });
    const fields = fieldsOf(schema);
    expect(fields.map((f) => [f.key, f.kind, f.title, f.optional])).toEqual([
      ['greedy', 'boolean', 'greedy', false],
      ['budget', 'number', 'budget', true],
      ['label', 'text', 'label', false],
      ['nested', 'json', 'nested', false],
    ]);
    // The descriptors are computed once per schema.
    expect(fieldsOf(schema)).toBe(fields);
  });
});
