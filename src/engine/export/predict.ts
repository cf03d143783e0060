import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { decodeImage, resizeTo } from '../data/image-folder';
import { parseModelManifest, type ModelManifest } from './manifest';
import { tfjsLoadHandler } from './tfjs-writer';

/**
 * Prediction with an export folder (`nas-studio predict`): images are decoded and resized as the
 * image-folder loader does, normalised per the manifest, and run through the ONNX model with
 * onnxruntime-node, or through the TensorFlow.js model when the folder has no ONNX model (or
 * onnxruntime-node is not installed: it is an optional dependency).
 */

export type PredictRuntime = 'onnx' | 'tfjs';

export interface Prediction {
  image: string;
  /** The top classes, most probable first. */
  top: Array<{ index: number; name: string; probability: number }>;
}

export interface LoadedModel {
  manifest: ModelManifest;
  runtime: PredictRuntime;
  /** Logits [n, classes] for normalised images NHWC [n, h, w, c] (row-major). */
  logits(nhwc: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Opens an export folder; errors name the folder and what is missing. */
export async function loadExportedModel(dir: string, prefer?: PredictRuntime): Promise<LoadedModel> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`${dir}: no such model folder (give the folder that nas-studio export wrote)`);
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile))
    throw new Error(`${dir}: not a nas-studio export folder (it has no manifest.json)`);
  const manifest = parseModelManifest(readFileSync(manifestFile, 'utf8'), manifestFile);
  const hasOnnx = existsSync(join(dir, 'model.onnx'));
  const hasTfjs = existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'weights.bin'));
  if (prefer === 'onnx' && !hasOnnx)
    throw new Error(`${dir}: has no model.onnx (exported without --format onnx)`);
  if (prefer === 'tfjs' && !hasTfjs)
    throw new Error(`${dir}: has no model.json + weights.bin (exported without --format tfjs)`);
  if (!hasOnnx && !hasTfjs)
    throw new Error(
      `${dir}: holds neither model.onnx nor model.json; export with --format onnx or tfjs to predict`,
    );
  if (prefer !== 'tfjs' && hasOnnx) {
    const ort = await loadOnnxRuntime().catch((e: Error) => e);
    if (!(ort instanceof Error)) return onnxModel(ort, dir, manifest);
    if (prefer === 'onnx' || !hasTfjs)
      throw new Error(
        `onnxruntime-node could not be loaded (${ort.message}); export with --format tfjs as well`,
        {
          cause: ort,
        },
      );
  }
  return tfjsModel(dir, manifest);
}

/**
 * onnxruntime-node, imported by a name the bundler cannot see: an optional dependency with a native
 * addon must stay outside the bundle and may be absent (then predict uses the TensorFlow.js model).
 */
const ONNX_RUNTIME_PACKAGE = 'onnxruntime-node';
export function loadOnnxRuntime(): Promise<typeof import('onnxruntime-node')> {
  return import(/* @vite-ignore */ ONNX_RUNTIME_PACKAGE);
}

async function onnxModel(
  ort: typeof import('onnxruntime-node'),
  dir: string,
  manifest: ModelManifest,
): Promise<LoadedModel> {
  const session = await ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')));
  const { height: h, width: w, channels: c } = manifest.input;
  return {
    manifest,
    runtime: 'onnx',
    async logits(nhwc, n) {
      // The ONNX model takes NCHW: transpose each image.
      const nchw = new Float32Array(nhwc.length);
      for (let i = 0; i < n; i++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            for (let k = 0; k < c; k++)
              nchw[((i * c + k) * h + y) * w + x] = nhwc[((i * h + y) * w + x) * c + k];
      const out = await session.run({
        [manifest.input.onnxInputName]: new ort.Tensor('float32', nchw, [n, c, h, w]),
      });
      return Float32Array.from(out[manifest.input.onnxOutputName].data as Float32Array);
    },
    dispose: () => session.release(),
  };
}

async function tfjsModel(dir: string, manifest: ModelManifest): Promise<LoadedModel> {
  const tfjs = await import('@tensorflow/tfjs');
  const model = await tfjs.loadLayersModel(
    tfjsLoadHandler(readFileSync(join(dir, 'model.json'), 'utf8'), readFileSync(join(dir, 'weights.bin'))),
  );
  const { height: h, width: w, channels: c } = manifest.input;
  return {
    manifest,
    runtime: 'tfjs',
    async logits(nhwc, n) {
      const x = tfjs.tensor4d(nhwc, [n, h, w, c]);
      const y = model.predict(x) as import('@tensorflow/tfjs').Tensor;
      const data = Float32Array.from(await y.data());
      tfjs.dispose([x, y]);
      return data;
    },
    dispose: async () => {
      model.dispose();
    },
  };
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/** One image file as the model's normalised input [h, w, c]; errors name the file. */
export function imageInput(file: string, manifest: ModelManifest): Float32Array {
  const { height, width } = manifest.input;
  if (height !== width)
    throw new Error(`predict resizes to square images; this model takes ${height}x${width}`);
  if (!existsSync(file)) throw new Error(`${file}: no such image`);
  if (!IMAGE_EXT.has(extname(file).toLowerCase()))
    throw new Error(`${file}: not a PNG or JPEG file (expected .png, .jpg or .jpeg)`);
  let img;
  try {
    img = decodeImage(file);
  } catch (e) {
    throw new Error(
      `${file}: could not be decoded as ${extname(file).slice(1).toUpperCase()} (${(e as Error).message})`,
      {
        cause: e,
      },
    );
  }
  return normalisedInput(img, manifest.input, manifest.preprocessing);
}

/** How a model's input is made from an image: the manifest's input and preprocessing fields. */
export interface InputSpec {
  height: number;
  width: number;
  channels: number;
}
export interface PreprocessingSpec {
  mean: number[];
  std: number[];
  /** Pixel scale before normalisation (1/255: the loader's). */
  scale: number;
}

/**
 * A decoded RGBA image as the model's normalised input [h, w, c]: resized bilinearly to the input
 * size and reduced to its channels as the image-folder loader does, then (pixel·scale − mean[c]) / std[c].
 */
export function normalisedInput(
  img: { width: number; height: number; data: Uint8Array },
  input: InputSpec,
  preprocessing: PreprocessingSpec,
): Float32Array {
  const { height, width, channels } = input;
  if (height !== width)
    throw new Error(`predict resizes to square images; this model takes ${height}x${width}`);
  if (channels !== 1 && channels !== 3)
    throw new Error(`predict reads grayscale or RGB images; this model takes ${channels} channels`);
  const pixels = new Uint8Array(height * width * channels);
  resizeTo(img, height, channels, pixels, 0);
  const { mean, std, scale } = preprocessing;
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++)
    out[i] = (pixels[i] * scale - mean[i % channels]) / std[i % channels];
  return out;
}

/** Softmax of each row of logits, then the `top` most probable classes. */
export function topClasses(logits: Float32Array, classNames: string[], top: number): Prediction['top'][] {
  const k = classNames.length;
  const rows: Prediction['top'][] = [];
  for (let r = 0; r < logits.length / k; r++) {
    const row = Array.from(logits.subarray(r * k, (r + 1) * k));
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    rows.push(
      e
        .map((v, index) => ({ index, name: classNames[index], probability: v / sum }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, Math.max(1, Math.min(top, k))),
    );
  }
  return rows;
}

/** Predicts the top classes of each image with the export folder `dir`. */
export async function predictImages(
  dir: string,
  images: string[],
  opts: { top?: number; runtime?: PredictRuntime } = {},
): Promise<{ runtime: PredictRuntime; predictions: Prediction[] }> {
  if (images.length === 0) throw new Error('give at least one image to predict');
  const model = await loadExportedModel(dir, opts.runtime);
  try {
    const { height, width, channels } = model.manifest.input;
    const per = height * width * channels;
    // Decode every image first, so that a bad file fails before any work.
    const batch = new Float32Array(images.length * per);
    images.forEach((f, i) => batch.set(imageInput(f, model.manifest), i * per));
    const logits = await model.logits(batch, images.length);
    const tops = topClasses(logits, model.manifest.classNames, opts.top ?? 3);
    return { runtime: model.runtime, predictions: images.map((image, i) => ({ image, top: tops[i] })) };
  } finally {
    await model.dispose();
  }
}
