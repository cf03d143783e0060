import * as tfjs from '@tensorflow/tfjs';
import type { ExportGraph, GraphNode, GraphTensor, Pads } from '../nn/export-graph';
import { ExportError } from '../nn/export-graph';

/**
 * Writes an export graph (nn/export-graph.ts) as a TensorFlow.js layers model (model.json +
 * weights.bin, loaded by tf.loadLayersModel), built with the tf.layers functional API and saved
 * through tf.io.withSaveHandler (tfjs-node's file:// handler is not available in this app).
 *
 * Layout: NHWC like the engine, so weights are used as they are (conv HWIO, depthwise [k, k, C, 1],
 * dense [in, out]). Keras layers know only 'valid' and 'same' padding, and 'same' pads the extra
 * row at the end, where PyTorch's symmetric padding puts one on each side; so:
 * - a conv whose pads are what 'same' would pad uses 'same'; any other pads become a ZeroPadding2D
 *   then a 'valid' conv (zero padding is what a conv pads with anyway);
 * - pools cannot be zero-padded (max pooling would see the zeros, average pooling would count them),
 *   so a pool whose pads are 'same''s uses 'same' (Keras's average pooling then divides by the
 *   unpadded inputs, PyTorch's count_include_pad=False); a symmetric (k−1)/2 pad at stride s > 1
 *   is the stride-1 'same' pool subsampled by s (a 1×1 max pool at stride s), exactly;
 * - a depthwise conv with both a stride and a dilation (tfjs runs one or the other) is the
 *   stride-1 dilated conv subsampled the same way.
 */

export interface TfjsArtifacts {
  /** model.json's content (format 'layers-model', weightsManifest naming weights.bin). */
  modelJson: object;
  /** weights.bin's content. */
  weights: Uint8Array;
}

export const TFJS_WEIGHTS_FILE = 'weights.bin';

/**
 * Why a language model's step has no TensorFlow.js layers model: tfjs-layers 4.22 has no layer for
 * the highway's 1 − gate (no subtract, no constants) nor for the hidden state's per-row norm limit,
 * and custom layers would make model.json unloadable by tf.loadLayersModel without this app's code.
 */
export const TFJS_NO_RECURRENT_STEP =
  "a language model is not exported to tfjs: the TensorFlow.js layers format (tf.loadLayersModel) has no layer for its step's 1 − gate (no subtract or constant layer) nor for the hidden state's norm limit, and custom layers would not load without NAS Studio's code; export --format onnx,safetensors (the safetensors weights and the manifest describe the step for a hand-written tfjs version)";

/** The [before, after] padding of TF's 'same' for one side. */
function samePads(size: number, k: number, stride: number, dilation = 1): [number, number] {
  const eff = dilation * (k - 1) + 1;
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + eff - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function isSame(pads: Pads, h: number, w: number, k: number, stride: number, dilation = 1): boolean {
  const [t, b] = samePads(h, k, stride, dilation);
  const [l, r] = samePads(w, k, stride, dilation);
  return pads[0] === t && pads[2] === b && pads[1] === l && pads[3] === r;
}

/** Layer names: the module path, made unique and valid for tfjs ('cells.0.ops.1' → 'cells.0.ops.1/conv_12'). */
function namer() {
  let k = 0;
  return (n: GraphNode, what: string) =>
    `${(n.scope || 'network').replace(/[^A-Za-z0-9._-]/g, '_')}/${what}_${k++}`;
}

/** Builds the layers model of `graph` (weights set); the caller disposes it. */
export function buildLayersModel(graph: ExportGraph): tfjs.LayersModel {
  if (graph.state) throw new ExportError(TFJS_NO_RECURRENT_STEP);
  const [h0, w0, c0] = graph.input.shape;
  const input = tfjs.input({ shape: [h0, w0, c0], name: 'input' });
  const values = new Map<string, tfjs.SymbolicTensor>([[graph.input.name, input]]);
  const shapes = new Map<string, readonly number[]>([[graph.input.name, graph.input.shape]]);
  const pending: Array<{
    layer: tfjs.layers.Layer;
    weights: Array<GraphTensor | Float32Array>;
    shapes?: number[][];
  }> = [];
  const name = namer();
  const weight = (id: string) => {
    const t = graph.tensors.get(id);
    if (!t) throw new ExportError(`the export graph names a missing weight '${id}'`);
    return t;
  };
  const apply = (layer: tfjs.layers.Layer, x: tfjs.SymbolicTensor | tfjs.SymbolicTensor[]) =>
    layer.apply(x) as tfjs.SymbolicTensor;
  const subsample = (n: GraphNode, x: tfjs.SymbolicTensor, s: number) =>
    s === 1
      ? x
      : apply(
          tfjs.layers.maxPooling2d({ poolSize: 1, strides: s, padding: 'valid', name: name(n, 'subsample') }),
          x,
        );

  for (const n of graph.nodes) {
    const xs = n.inputs.map((i) => values.get(i)!);
    const x = xs[0];
    const [h, w, c] = shapes.get(n.inputs[0])!;
    let y: tfjs.SymbolicTensor;
    switch (n.op) {
      case 'conv': {
        const same = isSame(n.pads, h, w, n.kernel, n.stride, n.dilation);
        const both = n.stride > 1 && n.dilation > 1;
        // 'same' only where it pads as the graph asks; a stride+dilation conv runs at stride 1 then subsamples.
        const sameHere = same && !both;
        const padded = sameHere
          ? x
          : n.pads.some((p) => p > 0)
            ? apply(
                tfjs.layers.zeroPadding2d({
                  padding: [
                    [n.pads[0], n.pads[2]],
                    [n.pads[1], n.pads[3]],
                  ],
                  name: name(n, 'pad'),
                }),
                x,
              )
            : x;
        const common = {
          kernelSize: n.kernel,
          strides: both ? 1 : n.stride,
          dilationRate: n.dilation,
          padding: sameHere ? ('same' as const) : ('valid' as const),
          useBias: !!n.bias,
        };
        const ws: Array<GraphTensor | Float32Array> = [weight(n.weight)];
        const given: number[][] = [n.depthwise ? [n.kernel, n.kernel, c, 1] : weight(n.weight).shape];
        let layer: tfjs.layers.Layer;
        if (n.depthwise && n.dilation > 1) {
          // tfjs-layers' DepthwiseConv2D ignores dilationRate (a TODO in its call and output shape);
          // SeparableConv2D honours it, so a dilated depthwise conv is one with an identity pointwise
          // kernel (exact: each output adds one 1·x and zeros).
          layer = tfjs.layers.separableConv2d({
            ...common,
            filters: c,
            depthMultiplier: 1,
            name: name(n, 'dilated'),
          });
          const eye = new Float32Array(c * c);
          for (let i = 0; i < c; i++) eye[i * c + i] = 1;
          ws.push(eye);
          given.push([1, 1, c, c]);
        } else
          layer = n.depthwise
            ? tfjs.layers.depthwiseConv2d({ ...common, depthMultiplier: 1, name: name(n, 'depthwise') })
            : tfjs.layers.conv2d({ ...common, filters: n.shape[2], name: name(n, 'conv') });
        if (n.bias) {
          ws.push(weight(n.bias));
          given.push(weight(n.bias).shape);
        }
        y = subsample(n, apply(layer, padded), both ? n.stride : 1);
        pending.push({ layer, weights: ws, shapes: given });
        break;
      }
      case 'batchnorm': {
        const layer = tfjs.layers.batchNormalization({
          axis: -1,
          epsilon: n.eps,
          scale: !!n.scale,
          center: !!n.shift,
          name: name(n, 'bn'),
        });
        y = apply(layer, x);
        // Keras's order: gamma, beta, moving_mean, moving_variance (the absent ones left out).
        const ws = [n.scale, n.shift, n.mean, n.variance].filter((v): v is string => !!v).map(weight);
        pending.push({ layer, weights: ws });
        break;
      }
      case 'relu':
        y = apply(tfjs.layers.reLU({ name: name(n, 'relu') }), x);
        break;
      case 'relu6':
        y = apply(tfjs.layers.reLU({ maxValue: 6, name: name(n, 'relu6') }), x);
        break;
      case 'add':
        y = apply(tfjs.layers.add({ name: name(n, 'add') }), xs);
        break;
      case 'concat':
        y = apply(tfjs.layers.concatenate({ axis: -1, name: name(n, 'concat') }), xs);
        break;
      case 'maxpool':
      case 'avgpool': {
        const kind = n.op === 'maxpool' ? 'max' : 'avg';
        if (n.op === 'avgpool' && n.countIncludePad && n.pads.some((p) => p > 0))
          throw new ExportError(
            `${n.scope}: an average pool that counts its padding has no TensorFlow.js layer (unsupported op)`,
          );
        const make = (stride: number, padding: 'same' | 'valid', what: string) =>
          kind === 'max'
            ? tfjs.layers.maxPooling2d({ poolSize: n.kernel, strides: stride, padding, name: name(n, what) })
            : tfjs.layers.averagePooling2d({
                poolSize: n.kernel,
                strides: stride,
                padding,
                name: name(n, what),
              });
        const p = (n.kernel - 1) / 2;
        if (n.pads.every((v) => v === 0)) y = apply(make(n.stride, 'valid', `${kind}pool`), x);
        else if (isSame(n.pads, h, w, n.kernel, n.stride))
          y = apply(make(n.stride, 'same', `${kind}pool`), x);
        else if (Number.isInteger(p) && n.pads.every((v) => v === p))
          y = subsample(n, apply(make(1, 'same', `${kind}pool`), x), n.stride);
        else
          throw new ExportError(
            `${n.scope}: a ${n.kernel}x${n.kernel} ${kind} pool at stride ${n.stride} with pads [${n.pads.join(', ')}] ` +
              'on a ' +
              `${h}x${w} map has no TensorFlow.js layer (unsupported op)`,
          );
        break;
      }
      case 'globalavgpool':
        y = apply(tfjs.layers.globalAveragePooling2d({ name: name(n, 'gap') }), x);
        break;
      case 'linear': {
        const layer = tfjs.layers.dense({ units: n.shape[0], useBias: true, name: name(n, 'dense') });
        y = apply(layer, x);
        pending.push({ layer, weights: [weight(n.weight), weight(n.bias)] });
        break;
      }
      case 'crop':
        y = apply(
          tfjs.layers.cropping2D({
            cropping: [
              [n.crop[0], n.crop[2]],
              [n.crop[1], n.crop[3]],
            ],
            name: name(n, 'crop'),
          }),
          x,
        );
        break;
      case 'pad':
        y = apply(
          tfjs.layers.zeroPadding2d({
            padding: [
              [n.pads[0], n.pads[2]],
              [n.pads[1], n.pads[3]],
            ],
            name: name(n, 'pad'),
          }),
          x,
        );
        break;
      case 'zeros': {
        // As in the ONNX writer: a 1×1 depthwise conv with zero weights at the op's stride.
        const layer = tfjs.layers.depthwiseConv2d({
          kernelSize: 1,
          strides: n.stride,
          depthMultiplier: 1,
          useBias: false,
          padding: 'valid',
          name: name(n, 'zeros'),
        });
        y = apply(layer, x);
        pending.push({ layer, weights: [new Float32Array(c)], shapes: [[1, 1, c, 1]] });
        break;
      }
      default:
        throw new ExportError(`the TensorFlow.js writer has no translation for '${(n as GraphNode).op}'`);
    }
    const got = y.shape.slice(1);
    if (got.join() !== n.shape.join())
      throw new ExportError(
        `${n.scope}: TensorFlow.js computes [${got.join(', ')}] for ${n.op}, the graph says [${n.shape.join(', ')}]`,
      );
    values.set(n.output, y);
    shapes.set(n.output, n.shape);
  }

  const model = tfjs.model({ inputs: input, outputs: values.get(graph.output.name)!, name: 'nas_studio' });
  for (const { layer, weights, shapes: given } of pending) {
    const tensors = weights.map((wt, i) =>
      wt instanceof Float32Array ? tfjs.tensor(wt, given![i]) : tfjs.tensor(wt.data, given?.[i] ?? wt.shape),
    );
    layer.setWeights(tensors);
    tfjs.dispose(tensors);
  }
  return model;
}

/** model.json + weights.bin of the graph's layers model. */
export async function writeTfjs(graph: ExportGraph): Promise<TfjsArtifacts> {
  const model = buildLayersModel(graph);
  try {
    let saved: tfjs.io.ModelArtifacts | undefined;
    await model.save(
      tfjs.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: tfjs.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    if (!saved?.weightSpecs || !saved.weightData) throw new ExportError('TensorFlow.js saved no weights');
    const data = tfjs.io.concatenateArrayBuffers(
      Array.isArray(saved.weightData) ? saved.weightData : [saved.weightData],
    );
    return {
      modelJson: {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tfjs.version_layers}`,
        convertedBy: 'nas-studio',
        modelTopology: saved.modelTopology,
        weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: saved.weightSpecs }],
      },
      weights: new Uint8Array(data),
    };
  } finally {
    model.dispose();
  }
}

/** The IOHandler that tf.loadLayersModel reads model.json + weights.bin through, from their bytes. */
export function tfjsLoadHandler(modelJson: string, weights: Uint8Array): tfjs.io.IOHandler {
  const json = JSON.parse(modelJson) as {
    modelTopology: object;
    weightsManifest: Array<{ weights: tfjs.io.WeightsManifestEntry[] }>;
  };
  const buffer = weights.buffer.slice(
    weights.byteOffset,
    weights.byteOffset + weights.byteLength,
  ) as ArrayBuffer;
  return tfjs.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((m) => m.weights),
    weightData: buffer,
  });
}
