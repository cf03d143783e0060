import { z } from 'zod';

/**
 * manifest.json of an export folder: everything another program needs to use the model (input,
 * layout, preprocessing, classes) and to know what it is (architecture, space, metrics, recipe,
 * provenance). `nas-studio predict` reads it; the test validates every export against this schema.
 */

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

export const ModelManifestSchema = z
  .object({
    format: z.literal(MODEL_MANIFEST_FORMAT),
    version: z.literal(MODEL_MANIFEST_VERSION),
    createdAt: z.string().datetime(),
    producer: z.string(),
    space: z.object({ name: z.string().min(1), config: z.unknown() }).strict(),
    architecture: z
      .object({
        /** The space's architecture file JSON (SearchSpace.toJson). */
        json: z.unknown(),
        /** The space's text notation (SearchSpace.toText). */
        text: z.string(),
        /** The final network's options (channels, layers, ...), as buildFinal took them. */
        finalOptions: z.unknown().optional(),
        parameters: z.number().int().nonnegative(),
      })
      .strict(),
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
          format: z.enum([...EXPORT_FORMATS, 'card']),
        })
        .strict(),
    ),
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

/** Parses manifest.json text; the error names the file and the first bad fields. */
export function parseModelManifest(text: string, file = 'manifest.json'): ModelManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`, { cause: e });
  }
  const r = ModelManifestSchema.safeParse(raw);
  if (!r.success)
    throw new Error(
      `${file}: not a nas-studio model manifest: ${r.error.issues
        .slice(0, 4)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
  return r.data;
}
