import * as tf from '../engine/tf';
import { decodeImageBytes } from '../engine/data/image-folder';
import { normalisedInput, topClasses } from '../engine/export/predict';
import type { ImagePrediction } from '../shared/protocol';
import { loadTrainedModel } from './trained-model';
import { assertTryableRun, decodeUpload } from './try-image';
import type { RunDir } from './run-dir';

/** The loader's pixel scale: training normalises pixel/255 (the export's manifest says the same). */
const PIXEL_SCALE = 1 / 255;

/**
 * The dashboard's "try it": one uploaded PNG/JPEG classified by a completed training run's trained
 * network, rebuilt from its checkpoint exactly as the export is (runs/trained-model.ts), in eval mode
 * (BatchNorm running statistics, no drop path). The image is decoded, resized and normalised by the
 * same functions as `nas-studio predict` (engine/data/image-folder.ts, engine/export/predict.ts), so
 * the panel and the CLI on the run's export give the same classes. Runs in an engine worker. The
 * logits are read with an awaited data(), so that it works on every backend (webgpu in Node cannot
 * read synchronously).
 */
export async function predictRunImage(
  dir: RunDir,
  base64: string,
  opts: { top?: number; name?: string } = {},
): Promise<ImagePrediction> {
  assertTryableRun(dir);
  const name = opts.name ?? 'the image';
  const { bytes, kind } = decodeUpload(base64, name);
  let img;
  try {
    img = decodeImageBytes(bytes, kind);
  } catch (e) {
    throw new Error(`${name} could not be decoded as ${kind.toUpperCase()} (${(e as Error).message})`, {
      cause: e,
    });
  }
  const model = loadTrainedModel(dir);
  try {
    const { height, width, channels } = model.inputShape;
    const preprocessing = { ...model.preprocessing, scale: PIXEL_SCALE };
    const input = normalisedInput(img, model.inputShape, preprocessing);
    const logitsTensor = tf.tidy(
      () => model.network.run(tf.tensor4d(input, [1, height, width, channels]), { training: false }).logits,
    );
    let logits: Float32Array;
    try {
      logits = Float32Array.from((await logitsTensor.data()) as Float32Array);
    } finally {
      logitsTensor.dispose();
    }
    return {
      image: { kind, width: img.width, height: img.height },
      top: topClasses(logits, model.classNames, opts.top ?? 5)[0],
      classes: model.classNames.length,
      preprocessing: {
        height,
        width,
        channels,
        color: channels === 1 ? 'grayscale' : 'rgb',
        resize: 'bilinear',
        scale: PIXEL_SCALE,
        mean: model.preprocessing.mean,
        std: model.preprocessing.std,
      },
      backend: tf.getBackend(),
    };
  } finally {
    model.network.dispose();
  }
}
