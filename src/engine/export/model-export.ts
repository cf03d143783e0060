import { buildExportGraph, ExportError, type ExportGraph } from '../nn/export-graph';
import type { Module } from '../nn/module';
import type * as tf from '../tf';
import {
  getNamedWeights,
  readNamedWeights,
  WEIGHTS_LAYOUT,
  WEIGHTS_LAYOUT_KEY,
  type NamedWeights,
} from '../nn/named-weights';
import { encodeSafetensors } from '../nn/safetensors';
import type { FinalNetwork } from '../search/supernet';
import { modelCard } from './model-card';
import {
  EXPORT_FORMATS,
  MODEL_MANIFEST_FORMAT,
  MODEL_MANIFEST_VERSION,
  ModelManifestSchema,
  type ExportFormat,
  type ModelManifest,
} from './manifest';
import { writeExportFolder, type ExportResult } from './export-folder';
import { ONNX_INPUT, ONNX_OUTPUT, writeOnnx } from './onnx-writer';
import { TFJS_WEIGHTS_FILE, writeTfjs } from './tfjs-writer';

/**
 * Export of a trained network: the seam between the training run kind (which calls exportModel from
 * `nas-studio export RUN --format ...` and the dashboard's button) and the writers. One inference
 * graph (nn/export-graph.ts) is emitted by the network's modules; the ONNX and TensorFlow.js writers
 * translate it, the safetensors file holds the engine's own weights, and manifest.json + README.md
 * describe the model. See docs/export.md.
 */

/** What the training run kind hands over: the trained network and everything the manifest records. */
export interface TrainedModel {
  space: string;
  spaceConfig: unknown;
  /** The architecture as the space's file JSON (SearchSpace.toJson) and text notation (toText). */
  arch: unknown;
  archText: string;
  /** buildFinal's options (DARTS: channels, layers, auxiliary; NB201: channels, cellsPerStage). */
  finalOptions: unknown;
  network: FinalNetwork;
  inputShape: { height: number; width: number; channels: number };
  classNames: string[];
  /** The loader's normalisation: input = (pixel/255 − mean[c]) / std[c]. */
  preprocessing: { mean: number[]; std: number[] };
  metrics: { testAcc?: number; confusion?: number[][]; perClassAcc?: number[] };
  recipe: unknown;
  seed: number;
  sourceRun?: string;
}

export type { ExportResult } from './export-folder';

/** Training-only parts that no export holds (the manifest lists them). */
const NOT_EXPORTED = [
  'auxiliary head (a training-time loss only; its weights are left out of every file)',
  'drop path (training-time regularisation; inference keeps every path)',
  'BatchNorm batch statistics (the export uses the running statistics, as eval mode)',
];

/**
 * Refuses a network that was never trained: every BatchNorm still at its initial running
 * statistics (mean 0, variance 1) means no training step ran; non-finite weights mean a failed run.
 * `weights`: the network's state read beforehand (exportModel reads it asynchronously, for webgpu).
 */
export function assertTrained(network: Module, weights: NamedWeights = getNamedWeights(network)): void {
  const buffers = new Set(network.namedBuffers().map(([n]) => n));
  const valuesOf = (n: string) => (buffers.has(n) ? weights.get(n)?.data : undefined);
  const stats = [...buffers]
    .filter((n) => n === 'running_mean' || n.endsWith('.running_mean'))
    .map((n) => [valuesOf(n)!, valuesOf(n.replace(/running_mean$/, 'running_var'))] as const)
    .filter(([, v]) => v);
  const untouched = stats.every(([mean, v]) => mean.every((x) => x === 0) && v!.every((x) => x === 1));
  if (stats.length > 0 && untouched)
    throw new ExportError(
      'the network is untrained: every BatchNorm still holds its initial running statistics (mean 0, variance 1); ' +
        'export a trained run',
    );
  for (const [name] of network.namedState()) {
    const d = weights.get(name)!.data;
    for (let i = 0; i < d.length; i++)
      if (!Number.isFinite(d[i]))
        throw new ExportError(
          `the network's weight '${name}' is not finite (${d[i]}): the run diverged or failed`,
        );
  }
}

function validateModel(model: TrainedModel, formats: ExportFormat[]): void {
  const { height, width, channels } = model.inputShape;
  for (const [k, v] of Object.entries({ height, width, channels }))
    if (!Number.isInteger(v) || v < 1)
      throw new ExportError(`inputShape.${k} must be a positive integer, got ${v}`);
  for (const f of formats)
    if (!(EXPORT_FORMATS as readonly string[]).includes(f))
      throw new ExportError(`unknown export format '${f}' (known: ${EXPORT_FORMATS.join(', ')})`);
  if (formats.length === 0)
    throw new ExportError(`no export format given (known: ${EXPORT_FORMATS.join(', ')})`);
  for (const key of ['mean', 'std'] as const)
    if (model.preprocessing[key].length !== channels)
      throw new ExportError(
        `preprocessing.${key} has ${model.preprocessing[key].length} values for ${channels} input channels`,
      );
}

/**
 * The network's inference graph for the model's input shape (errors name an unsupported module);
 * `weights`: its state read beforehand (else the graph reads each weight synchronously).
 */
export function exportGraphOf(
  model: Pick<TrainedModel, 'network' | 'inputShape'>,
  weights?: NamedWeights,
): ExportGraph {
  const hostValues = weights && byTensor(model.network, weights);
  return buildExportGraph(model.network, model.inputShape, hostValues);
}

/** The state's values keyed by the module's own tensors (what the graph builder is handed). */
export function byTensor(network: Module, weights: NamedWeights): Map<tf.Tensor, Float32Array> {
  return new Map(network.namedState().map(([name, v]) => [v, weights.get(name)!.data]));
}

/** The network's state as safetensors (engine names and NHWC layouts), without training-only weights. */
function safetensorsOf(model: TrainedModel, state: NamedWeights): Uint8Array {
  const weights = new Map(state);
  for (const name of [...weights.keys()]) if (name.startsWith('auxiliary_head.')) weights.delete(name);
  return encodeSafetensors(weights, {
    [WEIGHTS_LAYOUT_KEY]: WEIGHTS_LAYOUT,
    'nas_studio.space': model.space,
    'nas_studio.architecture': model.archText,
  });
}

/**
 * What every manifest opens with, image or language model: the format, when and by what it was
 * made, the space and the architecture with its parameter count (zod's parse puts the keys in the
 * schema's order).
 */
export function manifestHeader(
  model: Pick<TrainedModel, 'space' | 'spaceConfig' | 'arch' | 'archText' | 'finalOptions'> & {
    network: Module;
  },
) {
  return {
    format: MODEL_MANIFEST_FORMAT,
    version: MODEL_MANIFEST_VERSION,
    createdAt: new Date().toISOString(),
    producer: 'nas-studio',
    space: { name: model.space, config: model.spaceConfig },
    architecture: {
      json: model.arch,
      text: model.archText,
      finalOptions: model.finalOptions,
      parameters: parameterCount(model.network),
    },
  } as const;
}

/**
 * What every manifest ends with (manifest.ts provenanceAndFiles): the recipe and seed, the search run
 * it came from, what the export leaves out, and the files written so far (a copy: the card and the
 * manifest are added after).
 */
export function manifestProvenance<F>(
  model: Pick<TrainedModel, 'recipe' | 'seed' | 'sourceRun'>,
  notExported: string[],
  files: readonly F[],
) {
  return {
    recipe: model.recipe ?? null,
    seed: model.seed,
    sourceRun: model.sourceRun,
    notExported,
    files: [...files],
  };
}

/** Trainable parameters of the exported network (the auxiliary head, a training-time loss only, left out). */
function parameterCount(network: Module): number {
  return network
    .namedParameters()
    .filter(([n]) => !n.startsWith('auxiliary_head.'))
    .reduce((s, [, v]) => s + v.size, 0);
}

/**
 * Writes the export folder `outDir` with the requested formats plus manifest.json and README.md.
 * Atomic: everything is written into a temporary sibling folder that is renamed to `outDir` at the
 * end (an existing `outDir` is replaced only then), so a failure leaves no partial export behind.
 */
export { EXPORT_FORMATS, type ExportFormat } from './manifest';

export async function exportModel(
  model: TrainedModel,
  outDir: string,
  formats: ExportFormat[],
): Promise<ExportResult> {
  const wanted = [...new Set(formats)];
  validateModel(model, wanted);
  // Every weight read once, asynchronously, before anything uses it: the webgpu backend in Node
  // cannot read synchronously, and on cpu, wasm and tensorflow these are the values dataSync gives.
  const weights = await readNamedWeights(model.network);
  assertTrained(model.network, weights);
  const graph = exportGraphOf(model, weights);
  const classes = graph.output.shape[0];
  if (classes !== model.classNames.length)
    throw new ExportError(
      `the network has ${classes} outputs but ${model.classNames.length} class names were given`,
    );

  return writeExportFolder<ModelManifest['files'][number]['format']>(outDir, async (put, files) => {
    const title = `${model.space} ${model.sourceRun ?? 'model'}`;
    if (wanted.includes('onnx'))
      await put('model.onnx', writeOnnx(graph, { name: title, docString: model.archText }), 'onnx');
    if (wanted.includes('tfjs')) {
      const tfjsFiles = await writeTfjs(graph);
      await put('model.json', JSON.stringify(tfjsFiles.modelJson), 'tfjs');
      await put(TFJS_WEIGHTS_FILE, tfjsFiles.weights, 'tfjs');
    }
    if (wanted.includes('safetensors'))
      await put('model.safetensors', safetensorsOf(model, weights), 'safetensors');

    const { height, width, channels } = model.inputShape;
    const manifest: ModelManifest = ModelManifestSchema.parse({
      ...manifestHeader(model),
      input: {
        height,
        width,
        channels,
        dtype: 'float32',
        layout: { onnx: 'NCHW', tfjs: 'NHWC' },
        onnxInputName: ONNX_INPUT,
        onnxOutputName: ONNX_OUTPUT,
      },
      preprocessing: {
        resize: 'bilinear',
        color: channels === 1 ? 'grayscale' : 'rgb',
        scale: 1 / 255,
        mean: model.preprocessing.mean,
        std: model.preprocessing.std,
      },
      output: { kind: 'logits', classes },
      classNames: model.classNames,
      metrics: model.metrics,
      ...manifestProvenance(model, NOT_EXPORTED, files),
    });
    const card = modelCard(manifest);
    await put('README.md', card, 'card');
    manifest.files = files;
    await put('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`, 'card');
  });
}
