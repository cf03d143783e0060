import { z } from 'zod';

/**
 * manifest.json of an export folder: everything another program needs to use the model (input,
 * layout, preprocessing, classes) and to know what it is (architecture, space, metrics, recipe,
 * provenance). `nas-studio predict` reads it; the test validates every export against this schema.
 */

/**
 * The fields every manifest ends with, image or language model: how it was trained, what the export
 * leaves out, and its files with each one's format (`formats`: those the kind of model writes).
 */
function provenanceAndFiles<const F extends readonly [string, ...string[]]>(formats: F) {
  return {
    recipe: z.unknown(),
    seed: z.number().int(),
    sourceRun: z.string().optional(),
    /** What was left out of the exported graph: training-only parts. */
    notExported: z.array(z.string()),
    files: z.array(
      z
        .object({
          name: z.string(),
          bytes: z.number().int().nonnegative(),
          format: z.enum(formats),
        })
        .strict(),
    ),
  };
}

export const MODEL_MANIFEST_FORMAT = 'nas-studio-model';
export const MODEL_MANIFEST_VERSION = 1;
export const EXPORT_FORMATS = ['onnx', 'tfjs', 'safetensors'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The files each format writes into the export folder. */
export const FORMAT_FILES: Record<ExportFormat, string[]> = {
  onnx: ['model.onnx'],
  tfjs: ['model.json', 'weights.bin'],
  safetensors: ['model.safetensors'],
};

const finite = z.number().finite();

const SpaceField = z.object({ name: z.string().min(1), config: z.unknown() }).strict();
const ArchitectureField = z
  .object({
    /** The space's architecture file JSON (SearchSpace.toJson). */
    json: z.unknown(),
    /** The space's text notation (SearchSpace.toText). */
    text: z.string(),
    /** The final network's options (channels, layers, ...), as buildFinal took them. */
    finalOptions: z.unknown().optional(),
    parameters: z.number().int().nonnegative(),
  })
  .strict();

export const ModelManifestSchema = z
  .object({
    format: z.literal(MODEL_MANIFEST_FORMAT),
    version: z.literal(MODEL_MANIFEST_VERSION),
    createdAt: z.string().datetime(),
    producer: z.string(),
    space: SpaceField,
    architecture: ArchitectureField,
    input: z
      .object({
        height: z.number().int().positive(),
        width: z.number().int().positive(),
        channels: z.number().int().positive(),
        dtype: z.literal('float32'),
        /** Per format: ONNX takes NCHW, TensorFlow.js and the safetensors weights' network NHWC. */
        layout: z.object({ onnx: z.literal('NCHW'), tfjs: z.literal('NHWC') }).strict(),
        onnxInputName: z.string(),
        onnxOutputName: z.string(),
      })
      .strict(),
    preprocessing: z
      .object({
        /** How an image becomes the input: resized, pixel/255, then (v − mean[c]) / std[c]. */
        resize: z.literal('bilinear'),
        color: z.enum(['grayscale', 'rgb']),
        scale: z.literal(1 / 255),
        mean: z.array(finite),
        std: z.array(z.number().positive()),
      })
      .strict(),
    output: z.object({ kind: z.literal('logits'), classes: z.number().int().positive() }).strict(),
    classNames: z.array(z.string()),
    metrics: z
      .object({
        testAcc: z.number().min(0).max(1).optional(),
        confusion: z.array(z.array(z.number().nonnegative())).optional(),
        perClassAcc: z.array(z.number().min(0).max(1)).optional(),
      })
      .strict(),
    ...provenanceAndFiles([...EXPORT_FORMATS, 'card']),
  })
  .strict()
  .superRefine((m, ctx) => {
    const c = m.input.channels;
    if (m.preprocessing.mean.length !== c || m.preprocessing.std.length !== c)
      ctx.addIssue({
        code: 'custom',
        path: ['preprocessing'],
        message: `mean and std need one value per input channel (${c})`,
      });
    if (m.preprocessing.color !== (c === 1 ? 'grayscale' : 'rgb'))
      ctx.addIssue({
        code: 'custom',
        path: ['preprocessing', 'color'],
        message: `does not match ${c} channels`,
      });
    const k = m.output.classes;
    if (m.classNames.length !== k)
      ctx.addIssue({
        code: 'custom',
        path: ['classNames'],
        message: `${m.classNames.length} names for ${k} classes`,
      });
    const conf = m.metrics.confusion;
    if (conf && (conf.length !== k || conf.some((r) => r.length !== k)))
      ctx.addIssue({ code: 'custom', path: ['metrics', 'confusion'], message: `must be ${k}x${k}` });
    if (m.metrics.perClassAcc && m.metrics.perClassAcc.length !== k)
      ctx.addIssue({ code: 'custom', path: ['metrics', 'perClassAcc'], message: `needs ${k} values` });
  });

export type ModelManifest = z.infer<typeof ModelManifestSchema>;

/** manifest.json's `kind` ('language-model'), absent in an image classifier's (the first kind). */
export const LM_MANIFEST_KIND = 'language-model';
/** The formats a language model is exported to (tfjs-writer.ts TFJS_NO_RECURRENT_STEP says why not tfjs). */
export const LM_EXPORT_FORMATS = ['onnx', 'safetensors'] as const satisfies readonly ExportFormat[];
/** The vocabulary of a language-model export: a JSON array of the tokens, index = token id. */
export const VOCAB_FILE = 'vocab.json';

/** A tensor of a language model's step, as the ONNX model names it; 'N' is the batch dimension. */
const StepTensorSchema = z
  .object({
    name: z.string().min(1),
    dtype: z.enum(['int64', 'float32']),
    shape: z.array(z.union([z.literal('N'), z.number().int().positive()])),
  })
  .strict();

/**
 * manifest.json of a language-model export (a recurrent cell trained on text): the model is one
 * recurrent step, run token by token with the state fed back; the vocabulary file maps ids to tokens.
 */
export const LanguageModelManifestSchema = z
  .object({
    format: z.literal(MODEL_MANIFEST_FORMAT),
    version: z.literal(MODEL_MANIFEST_VERSION),
    kind: z.literal(LM_MANIFEST_KIND),
    createdAt: z.string().datetime(),
    producer: z.string(),
    space: SpaceField,
    architecture: ArchitectureField,
    step: z
      .object({
        /** How to run it: a sentence for people. */
        usage: z.string(),
        inputs: z.object({ tokens: StepTensorSchema, hidden: StepTensorSchema }).strict(),
        outputs: z.object({ logits: StepTensorSchema, hidden: StepTensorSchema }).strict(),
        hiddenSize: z.number().int().positive(),
        /** The state before a text's first token. */
        initialHidden: z.literal('zeros'),
      })
      .strict(),
    vocabulary: z
      .object({
        file: z.string().min(1),
        size: z.number().int().min(2),
        /** What a word outside the vocabulary becomes, and the end-of-line token, where the corpus has them. */
        unknownToken: z.string().optional(),
        endOfSentenceToken: z.string().optional(),
        tokenization: z.string(),
      })
      .strict(),
    output: z.object({ kind: z.literal('logits'), vocab: z.number().int().min(2) }).strict(),
    metrics: z
      .object({
        testPerplexity: z.number().min(1).optional(),
        valPerplexity: z.number().min(1).optional(),
        testLoss: z.number().nonnegative().optional(),
      })
      .strict(),
    /** The BPTT window length it was trained with (a step carries state for any length). */
    trainedWindow: z.number().int().positive().optional(),
    ...provenanceAndFiles([...LM_EXPORT_FORMATS, 'vocab', 'card']),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.vocabulary.size !== m.output.vocab)
      ctx.addIssue({
        code: 'custom',
        path: ['vocabulary', 'size'],
        message: `${m.vocabulary.size} tokens for ${m.output.vocab} logits`,
      });
    const H = m.step.hiddenSize;
    for (const [side, key] of [
      ['inputs', 'hidden'],
      ['outputs', 'hidden'],
    ] as const)
      if (m.step[side][key].shape.join() !== `N,${H}`)
        ctx.addIssue({ code: 'custom', path: ['step', side, key, 'shape'], message: `must be [N, ${H}]` });
    if (m.step.outputs.logits.shape.join() !== `N,${m.output.vocab}`)
      ctx.addIssue({
        code: 'custom',
        path: ['step', 'outputs', 'logits', 'shape'],
        message: `must be [N, ${m.output.vocab}]`,
      });
  });

export type LanguageModelManifest = z.infer<typeof LanguageModelManifestSchema>;

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`, { cause: e });
  }
}

function validated<T>(schema: z.ZodType<T>, raw: unknown, file: string): T {
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new Error(
      `${file}: not a nas-studio model manifest: ${r.error.issues
        .slice(0, 4)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
  return r.data;
}

/** True when manifest.json's text is a language model's (its `kind`), before validating it. */
export function isLanguageModelManifest(raw: unknown): boolean {
  return (raw as { kind?: unknown } | null)?.kind === LM_MANIFEST_KIND;
}

/**
 * Parses an image classifier's manifest.json text; the error names the file and the first bad
 * fields, and a language model's manifest is refused saying what it is.
 */
export function parseModelManifest(text: string, file = 'manifest.json'): ModelManifest {
  const raw = parseJson(text, file);
  if (isLanguageModelManifest(raw))
    throw new Error(
      `${file}: this export is a language model (a recurrent step over token ids), not an image classifier: predict the next words with --text "..."`,
    );
  return validated(ModelManifestSchema, raw, file);
}

/** Parses a language model's manifest.json text; the error names the file and the first bad fields. */
export function parseLanguageModelManifest(text: string, file = 'manifest.json'): LanguageModelManifest {
  return validated(LanguageModelManifestSchema, parseJson(text, file), file);
}
