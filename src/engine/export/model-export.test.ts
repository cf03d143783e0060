import '@tensorflow/tfjs-backend-cpu';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  normalised,
  smallImages,
  SPACE_CASES,
  tinyTrainedModel,
  type SpaceCase,
} from '../../../test/helpers/export-models';
import * as tf from '../tf';
import { Module } from '../nn/module';
import { decodeSafetensors } from '../nn/safetensors';
import { parseModelManifest, ModelManifestSchema } from './manifest';
import { exportGraphOf, exportModel, type TrainedModel } from './model-export';
import { hwioToOihw } from './onnx-writer';
import { tfjsLoadHandler } from './tfjs-writer';
import descriptor from './onnx/onnx-descriptor.json';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const root = mkdtempSync(join(tmpdir(), 'nas-export-'));
const models = new Map<SpaceCase, TrainedModel>();
const modelOf = (c: SpaceCase) => {
  if (!models.has(c)) models.set(c, tinyTrainedModel(c));
  return models.get(c)!;
};
afterAll(() => {
  for (const m of models.values()) m.network.dispose();
});

/** A batch of 6 bundled test images, NHWC as the engine takes them. */
const batch = () => normalised(smallImages('test', 6));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(SPACE_CASES)('export of a trained tiny %s network', (which) => {
  it('ONNX (onnxruntime-node, NCHW) and TensorFlow.js (loadLayersModel) give the engine’s logits', async () => {
    const model = modelOf(which);
    const dir = join(root, which);
    const result = await exportModel(model, dir, ['onnx', 'tfjs', 'safetensors']);
    expect(result.files.map((f) => f.name).sort()).toEqual(
      ['README.md', 'manifest.json', 'model.json', 'model.onnx', 'model.safetensors', 'weights.bin'].sort(),
    );

    const x = batch();
    const engine = tf.tidy(() => model.network.run(x, { training: false }).logits);
    const expected = engine.dataSync();
    // The logits differ between images: a constant output would hide a broken graph.
    expect(maxAbsDiff(expected.slice(0, 10), expected.slice(10, 20))).toBeGreaterThan(1e-3);

    // ONNX: NHWC → NCHW by transposing the images, as the documented layout says.
    const nchw = tf.tidy(() => x.transpose([0, 3, 1, 2]));
    const session = await ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')));
    const out = await session.run({
      input: new ort.Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape),
    });
    expect(out.logits.dims).toEqual([6, 10]);
    const onnxDiff = maxAbsDiff(out.logits.data as Float32Array, expected);
    expect(onnxDiff).toBeLessThanOrEqual(1e-4);
    await session.release();

    const tfModel = await tfjs.loadLayersModel(
      tfjsLoadHandler(readFileSync(join(dir, 'model.json'), 'utf8'), readFileSync(join(dir, 'weights.bin'))),
    );
    const y = tfModel.predict(x) as tf.Tensor;
    const tfjsDiff = maxAbsDiff(y.dataSync(), expected);
    expect(tfjsDiff).toBeLessThanOrEqual(1e-4);
    console.log(
      `${which}: max |ONNX − engine| = ${onnxDiff.toExponential(2)}, max |tfjs − engine| = ${tfjsDiff.toExponential(2)}`,
    );
    tfModel.dispose();
    tf.dispose([x, engine, nchw, y]);

    // The manifest validates against its schema, and says what the model is.
    const manifest = parseModelManifest(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(ModelManifestSchema.safeParse(manifest).success).toBe(true);
    expect(manifest.architecture.text).toBe(model.archText);
    expect(manifest.classNames).toEqual(model.classNames);
    expect(manifest.architecture.parameters).toBe(
      model.network.namedParameters().reduce((s, [, v]) => s + v.size, 0),
    );
    expect(manifest.files.find((f) => f.name === 'model.onnx')!.bytes).toBe(
      readFileSync(join(dir, 'model.onnx')).byteLength,
    );
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(model.archText);

    // safetensors: the engine's state by name, bit for bit.
    const st = decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
    for (const [name, v] of model.network.namedState())
      expect(Array.from(st.tensors.get(name)!.data)).toEqual(Array.from(v.dataSync()));
    // No temporary folder is left beside the export.
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe('the export graphs', () => {
  it.each(SPACE_CASES)('%s: every weight of the network is in the graph, under its state name', (which) => {
    const model = modelOf(which);
    const graph = exportGraphOf(model);
    expect([...graph.tensors.keys()].sort()).toEqual(
      model.network
        .namedState()
        .map(([n]) => n)
        .sort(),
    );
  });

  it('the ENAS micro fixture takes every path of the fixed cell', () => {
    const graph = exportGraphOf(modelOf('enas-micro'));
    const ops = (scope: string) => graph.nodes.filter((n) => n.scope === scope).map((n) => n.op);
    const pools = graph.nodes.flatMap((n) =>
      n.op === 'maxpool' || n.op === 'avgpool' ? [`${n.op}/${n.stride}`] : [],
    );
    // Both pools at stride 1 (normal cell, nodes) and at stride 2 (reduction cells, on the inputs).
    expect(new Set(pools)).toEqual(new Set(['maxpool/1', 'maxpool/2', 'avgpool/1', 'avgpool/2']));
    // A reduction cell's loose input and its identity at stride 2 are factorized reductions.
    expect(ops('cells.0.calibrate_1')).toEqual(['relu', 'crop', 'concat']);
    expect(graph.tensors.has('cells.0.calibrate_1.conv_2.weight')).toBe(true);
    expect(graph.tensors.has('cells.0.node0_x.conv_2.weight')).toBe(true);
    // Calibration: ReLU-conv1×1-BN on the stem's 3F channels, a factorized reduction of the 7×7 map.
    expect(graph.tensors.has('cells.0.calibrate.pool_x.op.1.weight')).toBe(true);
    expect(ops('cells.2.calibrate.pool_x')).toEqual(['relu', 'crop', 'pad', 'concat']);
    // The identity + identity node adds one value to itself.
    expect(graph.nodes.some((n) => n.op === 'add' && n.inputs[0] === n.inputs[1])).toBe(true);
  });
});

describe('layout conversion', () => {
  it('HWIO → OIHW and depthwise [k,k,C,1] → [C,1,k,k] move each value where ONNX reads it', () => {
    // w[y][x][i][o] = 1000y + 100x + 10i + o, read back by index arithmetic.
    const [k, cin, cout] = [2, 3, 2];
    const data = new Float32Array(k * k * cin * cout);
    for (let y = 0; y < k; y++)
      for (let x = 0; x < k; x++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < cout; o++)
            data[((y * k + x) * cin + i) * cout + o] = 1000 * y + 100 * x + 10 * i + o;
    const dense = hwioToOihw({ name: 'w', shape: [k, k, cin, cout], data }, false);
    expect(dense.dims).toEqual([cout, cin, k, k]);
    expect(dense.data[((1 * cin + 2) * k + 1) * k + 0]).toBe(1000 * 1 + 0 + 20 + 1); // o=1, i=2, y=1, x=0
    const dw = hwioToOihw({ name: 'w', shape: [k, k, cin, 1], data: data.slice(0, k * k * cin) }, true);
    expect(dw.dims).toEqual([cin, 1, k, k]);
    // [k,k,C,1] element (y=1, x=1, c=2) is at (y*k + x)*C + c; in OIHW it is at (c*k + y)*k + x.
    expect(dw.data[(2 * k + 1) * k + 1]).toBe(data.slice(0, k * k * cin)[(1 * k + 1) * cin + 2]);
  });
});

describe('bad exports', () => {
  it('an untrained network is refused, naming why, and leaves no folder', async () => {
    const trained = modelOf('nb201');
    const fresh = tinyUntrained();
    const dir = join(root, 'untrained');
    await expect(exportModel({ ...trained, network: fresh }, dir, ['onnx'])).rejects.toThrow(
      /untrained: every BatchNorm still holds its initial running statistics/,
    );
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
    fresh.dispose();
  });

  it('an op without an emitter is an error naming the module, and no folder is left', async () => {
    class Mystery extends Module {
      forward(x: tf.Tensor): tf.Tensor {
        return x;
      }
    }
    const trained = modelOf('mobilenet');
    const net = trained.network as unknown as { head: Module & { featureMix: Module } };
    const original = net.head.emit.bind(net.head);
    const head = net.head as unknown as { emit: Module['emit'] };
    head.emit = (g, x) => g.child('mystery', new Mystery(), original(g, x));
    const dir = join(root, 'mystery');
    try {
      await expect(exportModel(trained, dir, ['onnx'])).rejects.toThrow(
        /cannot export the module 'head\.mystery': Mystery has no inference-graph emitter \(unsupported op\)/,
      );
    } finally {
      head.emit = original;
    }
    expect(existsSync(dir)).toBe(false);
  });

  it('class names that do not match the outputs, and unknown formats, are refused', async () => {
    const trained = modelOf('nb201');
    await expect(
      exportModel({ ...trained, classNames: ['a', 'b'] }, join(root, 'x'), ['onnx']),
    ).rejects.toThrow(/10 outputs but 2 class names/);
    await expect(exportModel(trained, join(root, 'x'), ['keras' as never])).rejects.toThrow(
      /unknown export format 'keras'/,
    );
    expect(existsSync(join(root, 'x'))).toBe(false);
  });
});

describe('the vendored onnx.proto', () => {
  it('onnx-descriptor.json is what protobufjs makes of onnx.proto3 (regenerate with scripts/gen-onnx-descriptor.mjs)', () => {
    const text = readFileSync(join(__dirname, 'onnx', 'onnx.proto3'), 'utf8');
    const parsed = protobuf.parse(text, { keepCase: true }).root.toJSON();
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(descriptor);
  });
});

function tinyUntrained() {
  // The NB201 fixture without its training steps.
  const m = tinyTrainedModel('nb201', 5);
  for (const [name, v] of m.network.namedBuffers()) {
    if (name.endsWith('running_mean')) v.assign(tf.zerosLike(v));
    if (name.endsWith('running_var')) v.assign(tf.onesLike(v));
  }
  return m.network;
}
