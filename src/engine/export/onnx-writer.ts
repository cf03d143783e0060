import protobuf from 'protobufjs';
import type { ExportGraph, GraphNode, GraphTensor, Pads } from '../nn/export-graph';
import { ExportError } from '../nn/export-graph';
import descriptor from './onnx/onnx-descriptor.json';

/**
 * Writes an export graph (nn/export-graph.ts) as an ONNX ModelProto, encoded with protobufjs from the
 * official onnx.proto3 (vendored in onnx/, compiled to onnx-descriptor.json by
 * scripts/gen-onnx-descriptor.mjs). Opset 13, IR version 8, weights embedded as initializers.
 *
 * Layout: ONNX tools expect NCHW, so the model's input is [N, C, H, W] and every feature map inside
 * is NCHW. The engine computes NHWC, so weights are transposed here: conv [k, k, in, out] (HWIO) →
 * [out, in, k, k] (OIHW); depthwise [k, k, C, 1] → [C, 1, k, k] with group = C; linear [in, out]
 * stays (Gemm with transB = 0). Concat is on axis 1; pads [top, left, bottom, right] become ONNX's
 * [top, left, bottom, right] begin/end order for H and W. The output is logits [N, classes].
 *
 * A recurrent step (a graph with `state`, a language model) has no feature maps: inputs `tokens`
 * [N] int64 and `hidden` [N, H], outputs `logits` [N, vocab] and `hidden_out` [N, H]; its weights
 * keep the engine's [in, out] layout (Gemm, transB = 1 for the tied decoder reading the embedding).
 */

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 8;
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'logits';
/** A language-model step's inputs and outputs besides `logits` (ExportGraph.state). */
export const ONNX_TOKENS = 'tokens';
export const ONNX_HIDDEN = 'hidden';
export const ONNX_HIDDEN_OUT = 'hidden_out';

const FLOAT = 1; // TensorProto.DataType.FLOAT
const INT64 = 7; // TensorProto.DataType.INT64
const ATTR_FLOAT = 1; // AttributeProto.AttributeType
const ATTR_INT = 2;
const ATTR_INTS = 7;

const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
const ModelProto = root.lookupType('onnx.ModelProto');

type Attribute = { name: string; type: number; i?: number; f?: number; ints?: number[] };
interface NodeProto {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}
interface TensorProto {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

const intAttr = (name: string, i: number): Attribute => ({ name, type: ATTR_INT, i });
const intsAttr = (name: string, ints: number[]): Attribute => ({ name, type: ATTR_INTS, ints });
const floatAttr = (name: string, f: number): Attribute => ({ name, type: ATTR_FLOAT, f });
/** ONNX pads for H, W: [h_begin, w_begin, h_end, w_end], which is our [top, left, bottom, right]. */
const onnxPads = (p: Pads) => [p[0], p[1], p[2], p[3]];

function floatBytes(data: Float32Array): Uint8Array {
  // ONNX raw_data is little-endian; copy through a DataView so a big-endian host writes it right.
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

function int64Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return out;
}

/** HWIO [k, k, in, out] → OIHW [out, in, k, k]; depthwise [k, k, C, 1] → [C, 1, k, k]. */
export function hwioToOihw(t: GraphTensor, depthwise: boolean): { dims: number[]; data: Float32Array } {
  const [kh, kw, cin, m] = t.shape;
  const out = new Float32Array(t.data.length);
  // Depthwise: HWIO's "in" is the channel (the group) and its "out" the multiplier (1): O = C·m, I = 1.
  const O = depthwise ? cin * m : m;
  const I = depthwise ? 1 : cin;
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < m; o++) {
          const src = ((y * kw + x) * cin + i) * m + o;
          const [oo, ii] = depthwise ? [i * m + o, 0] : [o, i];
          out[((oo * I + ii) * kh + y) * kw + x] = t.data[src];
        }
  return { dims: [O, I, kh, kw], data: out };
}

/** Encodes `graph` as ONNX model bytes. */
export function writeOnnx(graph: ExportGraph, meta: { name: string; docString?: string }): Uint8Array {
  const initializers: TensorProto[] = [];
  const nodes: NodeProto[] = [];
  const used = new Set<string>();
  const floatInit = (name: string, dims: number[], data: Float32Array) => {
    if (used.has(name)) return name;
    used.add(name);
    initializers.push({ name, dims, data_type: FLOAT, raw_data: floatBytes(data) });
    return name;
  };
  const int64Init = (name: string, values: number[]) => {
    if (used.has(name)) return name;
    used.add(name);
    initializers.push({ name, dims: [values.length], data_type: INT64, raw_data: int64Bytes(values) });
    return name;
  };
  const weight = (name: string) => {
    const t = graph.tensors.get(name);
    if (!t) throw new ExportError(`the export graph names a missing weight '${name}'`);
    return t;
  };
  const vector = (name: string) => floatInit(name, weight(name).shape, weight(name).data);
  const shapeOf = new Map<string, readonly number[]>([[graph.input.name, graph.input.shape]]);
  let k = 0;
  const emit = (
    n: GraphNode,
    op_type: string,
    input: string[],
    attribute: Attribute[] = [],
    output = n.output,
  ) => {
    nodes.push({
      name: `${n.scope || 'network'}/${op_type}_${k++}`,
      op_type,
      input,
      output: [output],
      attribute,
    });
  };

  for (const n of graph.nodes) {
    shapeOf.set(n.output, n.shape);
    const x = n.inputs[0];
    switch (n.op) {
      case 'conv': {
        const w = hwioToOihw(weight(n.weight), n.depthwise);
        const inputs = [x, floatInit(`${n.weight}:oihw`, w.dims, w.data)];
        if (n.bias) inputs.push(vector(n.bias));
        const channels = shapeOf.get(x)![2];
        emit(n, 'Conv', inputs, [
          intsAttr('kernel_shape', [n.kernel, n.kernel]),
          intsAttr('strides', [n.stride, n.stride]),
          intsAttr('dilations', [n.dilation, n.dilation]),
          intsAttr('pads', onnxPads(n.pads)),
          intAttr('group', n.depthwise ? channels : 1),
        ]);
        break;
      }
      case 'batchnorm': {
        const c = weight(n.mean).data.length;
        const scale = n.scale ? vector(n.scale) : floatInit('const:ones', [c], new Float32Array(c).fill(1));
        const shift = n.shift ? vector(n.shift) : floatInit('const:zeros', [c], new Float32Array(c));
        emit(
          n,
          'BatchNormalization',
          [x, scale, shift, vector(n.mean), vector(n.variance)],
          [floatAttr('epsilon', n.eps)],
        );
        break;
      }
      case 'relu':
        emit(n, 'Relu', [x]);
        break;
      case 'relu6':
        // Clip-13 takes its bounds as inputs.
        emit(n, 'Clip', [
          x,
          floatInit('const:0', [], new Float32Array([0])),
          floatInit('const:6', [], new Float32Array([6])),
        ]);
        break;
      case 'add':
        emit(n, n.inputs.length === 2 ? 'Add' : 'Sum', n.inputs);
        break;
      case 'concat':
        emit(n, 'Concat', n.inputs, [intAttr('axis', 1)]);
        break;
      case 'maxpool':
        emit(
          n,
          'MaxPool',
          [x],
          [
            intsAttr('kernel_shape', [n.kernel, n.kernel]),
            intsAttr('strides', [n.stride, n.stride]),
            intsAttr('pads', onnxPads(n.pads)),
          ],
        );
        break;
      case 'avgpool':
        emit(
          n,
          'AveragePool',
          [x],
          [
            intsAttr('kernel_shape', [n.kernel, n.kernel]),
            intsAttr('strides', [n.stride, n.stride]),
            intsAttr('pads', onnxPads(n.pads)),
            intAttr('count_include_pad', n.countIncludePad ? 1 : 0),
          ],
        );
        break;
      case 'globalavgpool': {
        const pooled = `${n.output}:nc11`;
        emit(n, 'GlobalAveragePool', [x], [], pooled);
        emit(n, 'Flatten', [pooled], [intAttr('axis', 1)]);
        break;
      }
      case 'linear':
        emit(n, 'Gemm', [x, vector(n.weight), vector(n.bias)]);
        break;
      case 'crop': {
        const [h, w] = shapeOf.get(x)!;
        const [t, l, b, r] = n.crop;
        emit(n, 'Slice', [
          x,
          int64Init(`const:slice_starts_${t}_${l}`, [t, l]),
          int64Init(`const:slice_ends_${h - b}_${w - r}`, [h - b, w - r]),
          int64Init('const:axes_hw', [2, 3]),
        ]);
        break;
      }
      case 'pad': {
        const [t, l, b, r] = n.pads;
        emit(n, 'Pad', [x, int64Init(`const:pads_${t}_${l}_${b}_${r}`, [0, 0, t, l, 0, 0, b, r])]);
        break;
      }
      case 'zeros': {
        // Zeros of the strided shape: a 1×1 depthwise conv with zero weights at the op's stride
        // (the same lowering in both writers, and 0·x stays 0 for any finite input).
        const c = shapeOf.get(x)![2];
        emit(
          n,
          'Conv',
          [x, floatInit(`const:zero_dw_${c}`, [c, 1, 1, 1], new Float32Array(c))],
          [intsAttr('kernel_shape', [1, 1]), intsAttr('strides', [n.stride, n.stride]), intAttr('group', c)],
        );
        break;
      }
      case 'gather':
        emit(n, 'Gather', [vector(n.table), x], [intAttr('axis', 0)]);
        break;
      case 'matmul': {
        const inputs = [x, vector(n.weight)];
        if (n.bias) inputs.push(vector(n.bias));
        emit(n, 'Gemm', inputs, n.transposed ? [intAttr('transB', 1)] : []);
        break;
      }
      case 'sigmoid':
        emit(n, 'Sigmoid', [x]);
        break;
      case 'tanh':
        emit(n, 'Tanh', [x]);
        break;
      case 'mul':
        emit(n, 'Mul', n.inputs);
        break;
      case 'subfrom':
        emit(n, 'Sub', [floatInit(`const:${n.value}`, [], new Float32Array([n.value])), x]);
        break;
      case 'mean':
        emit(n, 'Mean', n.inputs);
        break;
      case 'clipnorm': {
        // x · min(1, maxNorm / max(sqrt(Σ x²), eps)) per row, the engine's order of operations.
        const squares = `${n.output}:sumsq`;
        const norm = `${n.output}:norm`;
        const floor = `${n.output}:norm_floor`;
        const ratio = `${n.output}:ratio`;
        const scale = `${n.output}:scale`;
        const scalar = (v: number) => floatInit(`const:${v}`, [], new Float32Array([v]));
        emit(n, 'ReduceSumSquare', [x], [intsAttr('axes', [1]), intAttr('keepdims', 1)], squares);
        emit(n, 'Sqrt', [squares], [], norm);
        emit(n, 'Max', [norm, scalar(n.eps)], [], floor);
        emit(n, 'Div', [scalar(n.maxNorm), floor], [], ratio);
        emit(n, 'Min', [scalar(1), ratio], [], scale);
        emit(n, 'Mul', [x, scale]);
        break;
      }
      default:
        throw new ExportError(`the ONNX writer has no translation for '${(n as GraphNode).op}'`);
    }
  }

  // Name the graph's outputs ('logits', and a step's 'hidden_out'): rename the producing nodes' outputs.
  const renamed = new Map([[graph.output.name, ONNX_OUTPUT]]);
  if (graph.state) renamed.set(graph.state.output.name, ONNX_HIDDEN_OUT);
  for (const [value, name] of renamed) {
    const last = nodes.find((nd) => nd.output[0] === value);
    if (!last) throw new ExportError(`the export graph has no node producing its output '${value}'`);
    last.output[0] = name;
  }
  // Any other node reading an output value reads the renamed one.
  for (const nd of nodes) nd.input = nd.input.map((i) => renamed.get(i) ?? i);

  const tensorType = (dims: Array<number | string>, elem_type = FLOAT) => ({
    tensor_type: {
      elem_type,
      shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) },
    },
  });
  const logits = { name: ONNX_OUTPUT, type: tensorType(['N', graph.output.shape[0]]) };
  let io: { input: object[]; output: object[] };
  if (graph.state) {
    // A recurrent step: the graph's value names are already the ONNX input names.
    if (graph.input.name !== ONNX_TOKENS || graph.state.input.name !== ONNX_HIDDEN)
      throw new ExportError(
        `a recurrent step's inputs must be named '${ONNX_TOKENS}' and '${ONNX_HIDDEN}', got '${graph.input.name}' and '${graph.state.input.name}'`,
      );
    const hiddenDims = ['N', graph.state.input.shape[0]];
    io = {
      input: [
        { name: ONNX_TOKENS, type: tensorType(['N'], INT64) },
        { name: ONNX_HIDDEN, type: tensorType(hiddenDims) },
      ],
      output: [logits, { name: ONNX_HIDDEN_OUT, type: tensorType(hiddenDims) }],
    };
  } else {
    const [h, w, c] = graph.input.shape;
    io = {
      input: [
        {
          name: graph.input.name === ONNX_INPUT ? ONNX_INPUT : graph.input.name,
          type: tensorType(['N', c, h, w]),
        },
      ],
      output: [logits],
    };
  }
  const model = {
    ir_version: ONNX_IR_VERSION,
    producer_name: 'nas-studio',
    model_version: 1,
    doc_string: meta.docString ?? '',
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    graph: { name: meta.name, node: nodes, initializer: initializers, ...io },
  };
  const err = ModelProto.verify(model);
  if (err) throw new ExportError(`ONNX model does not match onnx.proto: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
