import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { Rng } from '../util/rng';
import { BatchNorm } from './batchnorm';
import { Conv2d, Linear } from './conv';
import { Module, Sequential, type ForwardContext } from './module';
import {
  getNamedWeights,
  loadSafetensorsIntoModule,
  moduleToSafetensors,
  setNamedWeights,
  WEIGHTS_LAYOUT_KEY,
} from './named-weights';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** conv(2->3) + BN(3) + mean-pool + linear(3->2): parameters and BN buffers at two depths. */
class Tiny extends Module {
  private readonly body: Sequential;
  private readonly head: Linear;
  constructor(rng: Rng) {
    super();
    this.body = this.addChild(
      'body',
      new Sequential([new Conv2d(2, 3, 1, { stride: 1, padding: 0 }, rng), new BatchNorm(3, true)]),
    );
    this.head = this.addChild('head', new Linear(3, 2, rng));
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return this.head.forward(tf.mean(this.body.forward(x, ctx), [1, 2]), ctx);
  }
}

const NAMES = [
  'body.0.weight',
  'body.1.weight',
  'body.1.bias',
  'head.weight',
  'head.bias',
  'body.1.running_mean',
  'body.1.running_var',
];

function input(): tf.Tensor4D {
  return tf.tensor4d(new Rng(99).fillNormal(2 * 3 * 3 * 2), [2, 3, 3, 2]);
}

function outputs(m: Module, training: boolean): number[] {
  return tf.tidy(() => [...m.forward(input(), { training }).dataSync()]);
}

describe('named weights', () => {
  it('lists parameters and buffers by hierarchical name with copies of their values', () => {
    const m = new Tiny(new Rng(1));
    const w = getNamedWeights(m);
    expect([...w.keys()]).toEqual(NAMES);
    expect(w.get('body.0.weight')!.shape).toEqual([1, 1, 2, 3]);
    expect([...w.get('body.1.running_var')!.data]).toEqual([1, 1, 1]);
    w.get('head.bias')!.data.fill(42); // must not write through to the module
    expect([...getNamedWeights(m).get('head.bias')!.data]).not.toContain(42);
    m.dispose();
  });

  it('copies a module into another, including BN running statistics', () => {
    const a = new Tiny(new Rng(1));
    const b = new Tiny(new Rng(2));
    outputs(a, true); // moves a's running statistics away from their initial values
    expect(outputs(b, false)).not.toEqual(outputs(a, false));
    const result = setNamedWeights(b, getNamedWeights(a));
    expect(result).toEqual({ missing: [], unexpected: [] });
    expect(outputs(b, false)).toEqual(outputs(a, false));
    a.dispose();
    b.dispose();
  });

  it('names missing, unexpected and mis-shaped weights, and leaves the module untouched', () => {
    const m = new Tiny(new Rng(1));
    const before = getNamedWeights(m);
    const w = getNamedWeights(new Tiny(new Rng(5)));
    w.delete('head.bias');
    w.set('head.extra', { shape: [1], data: new Float32Array(1) });
    w.set('body.0.weight', { shape: [1, 1, 3, 2], data: new Float32Array(6) });
    let message = '';
    try {
      setNamedWeights(m, w);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/missing 1 weight\(s\): head\.bias/);
    expect(message).toMatch(/unexpected 1 weight\(s\): head\.extra/);
    expect(message).toMatch(/body\.0\.weight is \[1,1,3,2\] but the module has \[1,1,2,3\]/);
    expect(getNamedWeights(m)).toEqual(before);

    w.set('body.0.weight', { shape: [1, 1, 2, 3], data: new Float32Array(5) });
    expect(() => setNamedWeights(m, w, { strict: false })).toThrow(
      /body\.0\.weight has 5 values for shape \[1,1,2,3\]/,
    );
    m.dispose();
  });

  it('skips and reports missing and unexpected names when not strict', () => {
    const m = new Tiny(new Rng(1));
    const source = getNamedWeights(new Tiny(new Rng(5)));
    const w = new Map([...source].filter(([n]) => n.startsWith('head.')));
    w.set('stray', { shape: [], data: new Float32Array([1]) });
    const r = setNamedWeights(m, w, { strict: false });
    expect(r.unexpected).toEqual(['stray']);
    expect(r.missing).toEqual(NAMES.filter((n) => !n.startsWith('head.')));
    expect(getNamedWeights(m).get('head.weight')).toEqual(source.get('head.weight'));
    m.dispose();
  });

  it('round-trips through safetensors with identical outputs and a flat tensor count', () => {
    const a = new Tiny(new Rng(1));
    const b = new Tiny(new Rng(2));
    outputs(a, true);
    const bytes = moduleToSafetensors(a, { epoch: '7' });
    const start = tf.memory().numTensors;
    const r = loadSafetensorsIntoModule(bytes, b);
    expect(tf.memory().numTensors).toBe(start);
    expect(r.metadata).toEqual({ epoch: '7', [WEIGHTS_LAYOUT_KEY]: 'tfjs-nhwc' });
    expect(outputs(b, false)).toEqual(outputs(a, false));
    loadSafetensorsIntoModule(bytes, b);
    expect(tf.memory().numTensors).toBe(start);
    a.dispose();
    b.dispose();
  });

  it('converts F64 files, refuses integer tensors and foreign layouts', () => {
    const m = new Tiny(new Rng(1));
    const f64 = new Map(
      [...getNamedWeights(new Tiny(new Rng(3)))].map(([n, w]) => [
        n,
        { shape: w.shape, data: Float64Array.from(w.data) },
      ]),
    );
    loadSafetensorsIntoModule(encodeSafetensors(f64), m);
    expect(getNamedWeights(m).get('head.weight')!.data).toEqual(
      getNamedWeights(new Tiny(new Rng(3))).get('head.weight')!.data,
    );

    const ints = new Map([...f64].map(([n, w]) => [n, { shape: w.shape, data: Int32Array.from(w.data) }]));
    expect(() => loadSafetensorsIntoModule(encodeSafetensors(ints), m)).toThrow(
      /'body\.0\.weight' has dtype I32/,
    );
    const torchish = encodeSafetensors(f64, { [WEIGHTS_LAYOUT_KEY]: 'torch-nchw' });
    expect(() => loadSafetensorsIntoModule(torchish, m)).toThrow(/layout 'torch-nchw'/);
    expect(decodeSafetensors(moduleToSafetensors(m)).tensors.get('body.1.running_mean')!.dtype).toBe('F32');
    m.dispose();
  });
});
