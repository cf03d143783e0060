import { z } from 'zod';
import { DartsSpaceSchema } from '../engine/spaces/darts/search-space';

/**
 * The full configuration of a search, validated wherever it enters (CLI file, IPC, HTTP), with the
 * papers' defaults filled in. Shared by the engine, the CLI, the run manager and the renderer's wizard.
 */
export const DartsStrategySchema = z
  .object({
    name: z.literal('darts'),
    /** 'first': α gradient at the current weights; 'second': one-step unrolled weights (paper's DARTS V2). */
    order: z.enum(['first', 'second']).default('first'),
    weightLr: z.number().positive().default(0.025),
    weightLrMin: z.number().nonnegative().default(0.001),
    weightMomentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().nonnegative().default(3e-4),
    gradClip: z.number().positive().default(5),
    alphaLr: z.number().positive().default(3e-4),
    alphaBetas: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).default([0.5, 0.999]),
    alphaWeightDecay: z.number().nonnegative().default(1e-3),
    /** Scale of the N(0,1) initialisation of α. */
    alphaInitScale: z.number().nonnegative().default(1e-3),
  })
  .strict();
export type DartsStrategyConfig = z.infer<typeof DartsStrategySchema>;

export const StrategySchema = z.discriminatedUnion('name', [DartsStrategySchema]);
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
  .refine((d) => d.source !== 'path' || !!d.path, { message: 'data.path is required when data.source is "path"', path: ['path'] });

export const SearchConfigSchema = z
  .object({
    version: z.literal(1).default(1),
    space: DartsSpaceSchema.default(DartsSpaceSchema.parse({})),
    strategy: StrategySchema.default(DartsStrategySchema.parse({ name: 'darts' })),
    data: DataSchema.default(DataSchema.parse({})),
    epochs: z.number().int().positive().default(50),
    batchSize: z.number().int().positive().default(64),
    /** Stop each epoch after this many steps (quick searches); default: one pass over the search-train split. */
    stepsPerEpoch: z.number().int().positive().optional(),
    seed: z.number().int().nonnegative().default(2),
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  })
  .strict();
export type SearchConfig = z.infer<typeof SearchConfigSchema>;
export type SearchConfigInput = z.input<typeof SearchConfigSchema>;

/** Human-readable list of what is wrong with a config, one line per problem, naming the field. */
export function describeConfigError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(config)'}: ${i.message}`).join('\n');
}

/** Validates a parsed JSON config and fills in defaults; throws an Error naming every bad field. */
export function parseSearchConfig(input: unknown, source = 'config'): SearchConfig {
  const r = SearchConfigSchema.safeParse(input);
  if (!r.success) throw new Error(`Invalid search configuration in ${source}:\n${describeConfigError(r.error)}`);
  return r.data;
}
