import { z } from 'zod';
import { SPACE_SPECS, STRATEGY_SPECS, spaceSpec, strategySpec } from '../catalog';
import { TEXT_VOCAB_LIMIT } from '../data/text-limits';
import { spacePresetOf } from './strategy';

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
     * runs); 'path': a dataset on disk (CIFAR binary, IDX, image folder), format detected; 'text':
     * a word-level text corpus for language-model spaces (enas-rnn): `path` is a PTB folder
     * (ptb.train.txt / ptb.valid.txt / ptb.test.txt) or one text file split by lines 80/10/10;
     * without `path`, the bundled tiny corpus (assets/datasets/tiny-text).
     */
    source: z.enum(['default', 'synthetic', 'path', 'text']).default('default'),
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
    /**
     * Text source only. The corpus's own splits are used: train for the weights (search-train), valid
     * for scores and rewards (search-val), test only reported; trainFraction and subset do not apply.
     */
    text: z
      .object({
        /** Tokens per window of truncated BPTT (ENAS-pytorch shared_rnn_max_length: 35). */
        bptt: z.number().int().min(1).max(1000).default(35),
        /**
         * Streams of the whole-split perplexity (ENAS-pytorch evaluates with 1, the word_language_model
         * example with 10: 10 keeps a CPU pass over PTB's validation split affordable).
         */
        evalBatchSize: z.number().int().min(1).default(10),
        /** Refuse a larger vocabulary (the tied embedding/decoder is vocabulary × hidden). */
        maxVocab: z.number().int().min(3).default(TEXT_VOCAB_LIMIT),
      })
      .strict()
      .default({ bptt: 35, evalBatchSize: 10, maxVocab: TEXT_VOCAB_LIMIT }),
  })
  .strict()
  .refine((d) => d.source !== 'path' || !!d.path, {
    message: 'data.path is required when data.source is "path"',
    path: ['path'],
  });

export const BACKEND_NAMES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;

const SearchConfigObject = z
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
    const textSpace = spaceSpec(c.space.name).modality === 'text';
    if (textSpace !== (c.data.source === 'text'))
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'source'],
        message: textSpace
          ? `the '${c.space.name}' space is a language model: set data.source to "text" (it is "${c.data.source}")`
          : `data.source "text" needs a language-model space (enas-rnn); the '${c.space.name}' space reads images`,
      });
    const spec = strategySpec(c.strategy.name);
    const { spaces, labels } = spec;
    const needed = spec.spaceRequirement?.(c.space as { name: string } & Record<string, unknown>);
    if (needed)
      ctx.addIssue({
        code: 'custom',
        path: ['space', Object.keys(needed.patch)[0] ?? 'name'],
        message: needed.why,
      });
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

const DEFAULT_SPACE = (SpaceSchema.parse({}) as { name: string }).name;

/**
 * A strategy's defaults for the config's space (StrategySpec.spacePresets: ENAS on enas-rnn) put
 * under the strategy fields the config sets, before validation. Anything malformed passes through
 * unchanged for the schema to report.
 */
function withSpacePreset(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const c = input as { space?: unknown; strategy?: unknown };
  const strategy = c.strategy as { name?: unknown } | undefined;
  if (typeof strategy !== 'object' || strategy === null || typeof strategy.name !== 'string') return input;
  const spec = STRATEGY_SPECS.find((s) => s.name === strategy.name);
  const space =
    typeof c.space === 'object' && c.space !== null ? (c.space as { name?: unknown }).name : undefined;
  const spaceName = typeof space === 'string' ? space : c.space === undefined ? DEFAULT_SPACE : undefined;
  if (!spec || spaceName === undefined) return input;
  const preset = spacePresetOf(spec as never, spaceName);
  if (!Object.keys(preset).length) return input;
  return { ...c, strategy: { ...preset, ...strategy } };
}
export const SearchConfigSchema = z.preprocess(withSpacePreset, SearchConfigObject);
export type SearchConfig = z.infer<typeof SearchConfigObject>;
export type SearchConfigInput = z.input<typeof SearchConfigObject>;

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
