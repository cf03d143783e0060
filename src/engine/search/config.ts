import { z } from 'zod';
import { SPACE_SPECS, STRATEGY_SPECS, strategySpec } from '../catalog';

/**
 * The full configuration of a search, validated wherever it enters (CLI file, IPC, HTTP), with the
 * papers' defaults filled in. The space and strategy sections are the union of what the registered
 * specs declare (catalog.ts); the engine owns this schema and src/shared re-exports it.
 */
type Specs<T extends readonly { schema: z.ZodType }[]> = T[number]['schema'];
const spaceUnion = z.discriminatedUnion(
  'name',
  SPACE_SPECS.map((s) => s.schema) as unknown as [Specs<typeof SPACE_SPECS>, ...Specs<typeof SPACE_SPECS>[]],
  { error: () => `unknown search space (known: ${SPACE_SPECS.map((s) => s.name).join(', ')})` },
);
const strategyUnion = z.discriminatedUnion(
  'name',
  STRATEGY_SPECS.map((s) => s.schema) as unknown as [
    Specs<typeof STRATEGY_SPECS>,
    ...Specs<typeof STRATEGY_SPECS>[],
  ],
  { error: () => `unknown strategy (known: ${STRATEGY_SPECS.map((s) => s.name).join(', ')})` },
);

export const SpaceSchema = spaceUnion;
export type SpaceConfig = z.infer<typeof SpaceSchema>;
export const StrategySchema = strategyUnion;
export type StrategyConfig = z.infer<typeof StrategySchema>;

export const DataSchema = z
  .object({
    /**
     * 'default': the bundled Fashion-MNIST subset; 'synthetic': a seeded learnable task (tests, smoke
     * runs); 'path': a dataset on disk (CIFAR binary, IDX, image folder), format detected.
     */
    source: z.enum(['default', 'synthetic', 'path']).default('default'),
    path: z.string().optional(),
    /** Fraction of the training set used for weights; the rest tunes α (DARTS: 0.5). */
    trainFraction: z.number().gt(0).lt(1).default(0.5),
    /** Use only this many training images (stratified), for quick searches. */
    subset: z.number().int().positive().optional(),
    labels: z.enum(['true', 'random']).default('true'),
    /** Image folders are resized to imageSize × imageSize. */
    imageSize: z.number().int().min(4).max(512).default(32),
    /** Synthetic source only. */
    synthetic: z
      .object({
        size: z.number().int().positive().default(256),
        imageSize: z.number().int().min(4).default(16),
        channels: z.number().int().min(1).default(3),
        classes: z.number().int().min(2).default(10),
      })
      .strict()
      .default({ size: 256, imageSize: 16, channels: 3, classes: 10 }),
    augment: z.boolean().default(false),
  })
  .strict()
  .refine((d) => d.source !== 'path' || !!d.path, {
    message: 'data.path is required when data.source is "path"',
    path: ['path'],
  });

export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;

export const SearchConfigSchema = z
  .object({
    /** The run kind (absent in configs written before training runs existed: every one is a search). */
    kind: z.literal('search').optional(),
    version: z.literal(1).default(1),
    space: SpaceSchema.default(SpaceSchema.parse({})),
    strategy: StrategySchema.default(StrategySchema.parse({ name: 'darts' })),
    data: DataSchema.default(DataSchema.parse({})),
    epochs: z.number().int().positive().default(50),
    batchSize: z.number().int().positive().default(64),
    /** Stop each epoch after this many steps (quick searches); default: one pass over the search-train split. */
    stepsPerEpoch: z.number().int().positive().optional(),
    seed: z.number().int().nonnegative().default(2),
    backend: z.enum(BACKEND_NAMES).default('auto'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const { spaces, labels } = strategySpec(c.strategy.name);
    if (labels && c.data.labels !== labels)
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'labels'],
        message: `strategy '${c.strategy.name}' searches with ${labels} labels: set data.labels to "${labels}" (it is "${c.data.labels}")`,
      });
    if (!spaces.includes(c.space.name))
      ctx.addIssue({
        code: 'custom',
        path: ['space', 'name'],
        message: `strategy '${c.strategy.name}' does not run on the '${c.space.name}' space (it runs on: ${spaces.join(', ')})`,
      });
  });
export type SearchConfig = z.infer<typeof SearchConfigSchema>;
export type SearchConfigInput = z.input<typeof SearchConfigSchema>;

/** Human-readable list of what is wrong with a config, one line per problem, naming the field. */
export function describeConfigError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(config)'}: ${i.message}`).join('\n');
}

/** Validates a parsed JSON config and fills in defaults; throws an Error naming every bad field. */
export function parseSearchConfig(input: unknown, source = 'config'): SearchConfig {
  const r = SearchConfigSchema.safeParse(input);
  if (!r.success)
    throw new Error(`Invalid search configuration in ${source}:\n${describeConfigError(r.error)}`);
  return r.data;
}
