import { z } from 'zod';
import { spaceOf, spaceSpec } from '../catalog';
import { BACKEND_NAMES, DataSchema, SpaceSchema, describeConfigError } from '../search/config';
import { EnasRnnFinalOptionsSchema } from '../spaces/enas-rnn/final-options';
import { Rng } from '../util/rng';
import {
  LM_RECIPE_NAMES,
  RECIPE_NAMES,
  defaultRecipe,
  recipeDefaults,
  recipeNetwork,
  type Recipe,
} from './recipes';

/**
 * The configuration of a training run (run kind 'train'): one architecture of a space, trained from
 * scratch on the whole training split and tested on the held-out test split every epoch. tfjs-free,
 * validated wherever it enters (CLI, IPC, HTTP); the recipe's preset fills in what it omits.
 */

/** Where the architecture comes from: exactly one of `json`, `text` or `random`. */
export const ArchitectureSourceSchema = z
  .object({
    /** The space's architecture file (the JSON `nas-studio search` writes to exports/genotype.json). */
    json: z.unknown().optional(),
    /** The field's text notation (DARTS `Genotype(...)`, NB201 `|op~0|+...`). */
    text: z.string().optional(),
    /** A uniformly random architecture of the space (its `sample`) drawn with this seed: the baseline a search must beat. */
    random: z.object({ seed: z.number().int().nonnegative() }).strict().optional(),
    /** Where it was taken from, for the record (the manifest and the runs list show it). */
    origin: z
      .object({
        run: z.string().optional(),
        epoch: z.union([z.number().int().nonnegative(), z.literal('derived')]).optional(),
        file: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine(
    (a) => [a.json !== undefined, a.text !== undefined, a.random !== undefined].filter(Boolean).length === 1,
    {
      message: 'give exactly one of architecture.json, architecture.text or architecture.random',
    },
  );
export type ArchitectureSource = z.infer<typeof ArchitectureSourceSchema>;

const RecipeInputSchema = z
  .object({
    preset: z.enum(RECIPE_NAMES).optional(),
    epochs: z.number().int().positive().optional(),
    batchSize: z.number().int().positive().optional(),
    stepsPerEpoch: z.number().int().positive().optional(),
    lr: z.number().positive().optional(),
    lrMin: z.number().nonnegative().optional(),
    lrUpdate: z.enum(['epoch', 'step']).optional(),
    momentum: z.number().min(0).max(1).optional(),
    nesterov: z.boolean().optional(),
    weightDecay: z.number().nonnegative().optional(),
    gradClip: z.number().nonnegative().optional(),
    augment: z.boolean().optional(),
    cutout: z.number().int().nonnegative().optional(),
    dropPath: z.number().min(0).lt(1).optional(),
    auxiliaryWeight: z.number().nonnegative().optional(),
    labelSmoothing: z.number().min(0).lt(1).optional(),
    /** Language models only: lr·lrDecay^max(0, epoch − lrDecayAfter), floored at lrMin. */
    lrDecay: z.number().positive().max(1).optional(),
    lrDecayAfter: z.number().int().nonnegative().optional(),
    /** Language models only: the slowness penalty's weight (0 turns it off). */
    slowness: z.number().nonnegative().optional(),
  })
  .strict();

/** Recipe fields that only an image classifier's training reads (a language model's refuses them). */
const IMAGE_ONLY_RECIPE_FIELDS = [
  'momentum',
  'nesterov',
  'augment',
  'cutout',
  'dropPath',
  'auxiliaryWeight',
  'labelSmoothing',
  'lrUpdate',
] as const;

/** The final-network options each space takes (its buildFinal's `options`, checked again there). */
const NETWORK_OPTIONS: Record<string, z.ZodType> = {
  darts: z
    .object({
      channels: z.number().int().min(2).max(1024),
      layers: z.number().int().min(1).max(64),
      auxiliary: z.boolean(),
      stemMultiplier: z.number().int().min(1).max(8).optional(),
    })
    .partial()
    .strict()
    .refine((o) => o.channels === undefined || o.channels % 2 === 0, {
      message: 'channels must be even (FactorizedReduce splits them in two halves)',
      path: ['channels'],
    }),
  nb201: z
    .object({ channels: z.number().int().min(1).max(512), cellsPerStage: z.number().int().min(1).max(32) })
    .partial()
    .strict(),
  mobilenet: z.object({}).strict(),
  'enas-rnn': EnasRnnFinalOptionsSchema,
};

export const TrainConfigSchema = z
  .object({
    kind: z.literal('train'),
    version: z.literal(1).default(1),
    space: SpaceSchema.default(SpaceSchema.parse({})),
    architecture: ArchitectureSourceSchema,
    /** Final-network options (DARTS: channels, layers, auxiliary; NB201: channels, cellsPerStage; enas-rnn: hidden, dropouts, initRange); the recipe's preset fills them in. */
    network: z.record(z.string(), z.unknown()).optional(),
    recipe: RecipeInputSchema.default({}),
    data: DataSchema.default(DataSchema.parse({})),
    seed: z.number().int().nonnegative().default(2),
    backend: z.enum(BACKEND_NAMES).default('auto'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const opts = NETWORK_OPTIONS[c.space.name];
    if (opts && c.network) {
      const r = opts.safeParse(c.network);
      if (!r.success)
        for (const i of r.error.issues)
          ctx.addIssue({ code: 'custom', path: ['network', ...i.path.map(String)], message: i.message });
    }
    const textSpace = spaceSpec(c.space.name).modality === 'text';
    if (textSpace !== (c.data.source === 'text')) {
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'source'],
        message: textSpace
          ? `the '${c.space.name}' space is a language model: set data.source to "text" (it is "${c.data.source}")`
          : `data.source "text" trains a language model (the enas-rnn space); the '${c.space.name}' space reads images`,
      });
      return;
    }
    const preset = c.recipe.preset;
    if (preset !== undefined && (textSpace ? !LM_RECIPE_NAMES.includes(preset) : preset === 'enas-ptb'))
      ctx.addIssue({
        code: 'custom',
        path: ['recipe', 'preset'],
        message: textSpace
          ? `the '${preset}' recipe trains image classifiers; a language model (${c.space.name}) trains with ${LM_RECIPE_NAMES.map((n) => `'${n}'`).join(' or ')}`
          : `the '${preset}' recipe trains a language model; the '${c.space.name}' space is an image classifier`,
      });
    if (textSpace) {
      // A resolved config (config.json, read back) carries the preset's neutral values: those pass.
      const neutral = recipeDefaults(preset ?? defaultRecipe(c.space.name), c.space.name);
      for (const f of IMAGE_ONLY_RECIPE_FIELDS)
        if (c.recipe[f] !== undefined && c.recipe[f] !== neutral[f])
          ctx.addIssue({
            code: 'custom',
            path: ['recipe', f],
            message: `recipe.${f} is an image classifier's setting; a language model's training does not read it`,
          });
    } else
      for (const f of ['lrDecay', 'lrDecayAfter', 'slowness'] as const)
        if (c.recipe[f] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['recipe', f],
            message: `recipe.${f} is a language model's schedule (the enas-ptb recipe); image recipes anneal with a cosine`,
          });
    if (c.data.labels === 'random')
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'labels'],
        message: 'a training run learns the true labels: set data.labels to "true"',
      });
    try {
      resolveArchitecture(c.space, c.architecture);
    } catch (e) {
      const field =
        c.architecture.json !== undefined ? 'json' : c.architecture.text !== undefined ? 'text' : 'random';
      ctx.addIssue({ code: 'custom', path: ['architecture', field], message: (e as Error).message });
    }
  })
  .transform((c) => {
    const preset = c.recipe.preset ?? defaultRecipe(c.space.name);
    const recipe: Recipe = { ...recipeDefaults(preset, c.space.name), ...c.recipe, preset };
    const network = { ...recipeNetwork(preset, c.space.name), ...(c.network ?? {}) };
    return { ...c, recipe, network };
  });
export type TrainConfig = z.output<typeof TrainConfigSchema>;
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;

/** The architecture a source names, validated against the space (errors name what is wrong). */
export function resolveArchitecture(space: { name: string }, a: ArchitectureSource): unknown {
  const s = spaceOf(space);
  const where = a.origin?.file ?? (a.origin?.run ? `run ${a.origin.run}` : 'the architecture');
  try {
    if (a.json !== undefined) return s.fromJson(a.json, where);
    if (a.text !== undefined) return s.fromText(a.text, where);
    if (a.random) return s.sample(new Rng(a.random.seed));
  } catch (e) {
    const m = (e as Error).message;
    // Every message names the file (or run) the architecture came from.
    throw new Error(m.includes(where) ? m : `${where}: ${m}`);
  }
  throw new Error('give exactly one of architecture.json, architecture.text or architecture.random');
}

/** Validates a training config and fills in the recipe; throws an Error naming every bad field. */
export function parseTrainConfig(input: unknown, source = 'config'): TrainConfig {
  const r = TrainConfigSchema.safeParse(input);
  if (!r.success)
    throw new Error(`Invalid training configuration in ${source}:\n${describeConfigError(r.error)}`);
  return r.data;
}
