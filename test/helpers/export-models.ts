import * as tf from '../../src/engine/tf';
import { loadDefaultDataset } from '../../src/engine/data/default-dataset';
import type { ImageDataset } from '../../src/engine/data/dataset';
import type { TrainedModel } from '../../src/engine/export/model-export';
import type { FinalNetwork } from '../../src/engine/search/supernet';
import { dartsNetworks } from '../../src/engine/spaces/darts/networks';
import type { EnasMicroArch } from '../../src/engine/spaces/enas-micro/arch';
import { enasMicroNetworks } from '../../src/engine/spaces/enas-micro/networks';
import { EnasMicroSpaceSchema } from '../../src/engine/spaces/enas-micro/search-space';
import { EnasMicroSearchSpace } from '../../src/engine/spaces/enas-micro/space';
import { DartsSearchSpace } from '../../src/engine/spaces/darts/space';
import { DartsSpaceSchema } from '../../src/engine/spaces/darts/search-space';
import type { Genotype } from '../../src/engine/spaces/darts/genotype-types';
import { mobileNetNetworks } from '../../src/engine/spaces/mobilenet/networks';
import { MobileNetSpaceSchema, type MobileNetSpace } from '../../src/engine/spaces/mobilenet/search-space';
import { MobileNetSearchSpace } from '../../src/engine/spaces/mobilenet/space';
import { nb201Networks } from '../../src/engine/spaces/nb201/networks';
import { Nb201SpaceSchema } from '../../src/engine/spaces/nb201/search-space';
import { Nb201SearchSpace } from '../../src/engine/spaces/nb201/space';
import { Rng } from '../../src/engine/util/rng';

/**
 * Tiny networks of every space for the export tests, trained a few SGD steps on the bundled
 * Fashion-MNIST subset downscaled to 14×14 (odd sizes after the first reduction, so the odd-size paths
 * of FactorizedReduce, strided pools and the NB201 shortcut are exported too).
 */

export const SIZE = 14;

/** Every DARTS primitive in a dense (two genes per node) genotype, stride 2 ones in the reduction cell. */
export const DENSE_ALL_OPS: Genotype = {
  normal: [
    ['sep_conv_3x3', 0],
    ['dil_conv_5x5', 1],
    ['avg_pool_3x3', 0],
    ['max_pool_3x3', 2],
    ['sep_conv_5x5', 1],
    ['skip_connect', 3],
  ],
  normalConcat: [2, 3, 4],
  reduce: [
    ['skip_connect', 0],
    ['dil_conv_3x3', 1],
    ['max_pool_3x3', 0],
    ['sep_conv_3x3', 1],
    ['avg_pool_3x3', 1],
    ['dil_conv_5x5', 0],
  ],
  reduceConcat: [2, 3, 4],
};

/** A sparse genotype (FairDARTS_a's form): node 3 of the normal cell takes no input and is left out. */
export const SPARSE: Genotype = {
  normal: [
    ['sep_conv_3x3', 0],
    ['sep_conv_5x5', 1],
    ['max_pool_3x3', 0],
    ['dil_conv_3x3', 2],
  ],
  normalNodes: [2, 2, 4, 5],
  normalConcat: [2, 4, 5],
  reduce: [
    ['max_pool_3x3', 0],
    ['avg_pool_3x3', 1],
    ['sep_conv_5x5', 1],
    ['skip_connect', 0],
  ],
  reduceNodes: [2, 2, 3, 3],
  reduceConcat: [2, 3],
};

/**
 * An ENAS micro architecture (4 nodes) with every op and every path of the fixed cell: in the normal
 * cell a loose cell input (state 0, concatenated as it is), both pools and both separable convs at
 * stride 1 and an identity + identity node; in the reduction cell identity at stride 2 (a factorized
 * reduction), a separable conv and both pools at stride 2 on the cell inputs, stride-1 ops on nodes,
 * a node reading one state twice and a loose cell input (state 1, reduced by calibrate_1).
 */
export const ENAS_MICRO_ALL_PATHS: EnasMicroArch = {
  normal: [
    { inputs: [1, 1], ops: ['sep_conv_3x3', 'identity'] },
    { inputs: [2, 1], ops: ['avg_pool_3x3', 'max_pool_3x3'] },
    { inputs: [3, 2], ops: ['identity', 'sep_conv_5x5'] },
    { inputs: [4, 4], ops: ['identity', 'identity'] },
  ],
  reduce: [
    { inputs: [0, 0], ops: ['identity', 'sep_conv_5x5'] },
    { inputs: [2, 2], ops: ['identity', 'identity'] },
    { inputs: [0, 3], ops: ['max_pool_3x3', 'avg_pool_3x3'] },
    { inputs: [0, 4], ops: ['avg_pool_3x3', 'sep_conv_3x3'] },
  ],
};

/** The bundled test split, box-downscaled 28 → 14 (uint8 NHWC). */
export function smallImages(split: 'train' | 'test', n: number): ImageDataset {
  const d = loadDefaultDataset(split);
  const images = new Uint8Array(n * SIZE * SIZE);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++) {
        let s = 0;
        for (const [dy, dx] of [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ])
          s += d.images[i * 784 + (2 * y + dy) * 28 + 2 * x + dx];
        images[(i * SIZE + y) * SIZE + x] = Math.round(s / 4);
      }
  return { ...d, images, labels: d.labels.slice(0, n), height: SIZE, width: SIZE };
}

export const PREPROCESSING = { mean: [0.3], std: [0.35] };

/** Normalised float images [n, 14, 14, 1] as the engine sees them. */
export function normalised(d: ImageDataset): tf.Tensor4D {
  const n = d.labels.length;
  return tf.tidy(() =>
    tf
      .tensor4d(Float32Array.from(d.images), [n, d.height, d.width, d.channels])
      .div(255)
      .sub(PREPROCESSING.mean)
      .div(PREPROCESSING.std),
  ) as tf.Tensor4D;
}

/** A few SGD steps in training mode (BatchNorm running statistics move off their initial values). */
export function trainFewSteps(net: FinalNetwork, steps = 3, seed = 1): void {
  const d = smallImages('train', 16);
  const x = normalised(d);
  const y = tf.oneHot(tf.tensor1d(d.labels, 'int32'), 10).toFloat();
  const opt = tf.train.sgd(0.05);
  const params = net.parameters();
  const rng = new Rng(seed);
  for (let s = 0; s < steps; s++)
    opt
      .minimize(
        () => tf.losses.softmaxCrossEntropy(y, net.run(x, { training: true, rng }).logits) as tf.Scalar,
        false,
        params,
      )
      ?.dispose();
  opt.dispose();
  // Running statistics of the data (one cumulative pass, as BatchNorm recalibration): with momentum
  // 0.1 three steps leave them near (0, 1), and eval-mode activations would fade to nothing.
  tf.tidy(() => {
    net.run(x, { training: true, frozenStats: false, cumulativeStats: new Map(), rng });
  });
  tf.dispose([x, y]);
}

export type SpaceCase = 'darts-dense' | 'darts-sparse' | 'nb201' | 'mobilenet' | 'enas-micro';
export const SPACE_CASES: SpaceCase[] = ['darts-dense', 'darts-sparse', 'nb201', 'mobilenet', 'enas-micro'];

/** A trained tiny network of one space, as the training run kind hands it to exportModel. */
export function tinyTrainedModel(which: SpaceCase, seed = 3): TrainedModel {
  const shape = { size: SIZE, channels: 1, classes: 10 };
  const rng = new Rng(seed);
  let space: { toJson(a: never): unknown; toText(a: never): string; config: unknown };
  let arch: unknown;
  let finalOptions: unknown;
  let network: FinalNetwork;
  let spaceName: string;
  if (which === 'darts-dense' || which === 'darts-sparse') {
    const s = new DartsSearchSpace(DartsSpaceSchema.parse({ nodes: 3, cells: 3, channels: 4 }));
    arch = which === 'darts-dense' ? DENSE_ALL_OPS : SPARSE;
    finalOptions = { channels: 4, layers: 3, auxiliary: false };
    network = dartsNetworks.buildFinal(
      s,
      arch as Genotype,
      shape,
      rng,
      finalOptions,
    ) as unknown as FinalNetwork;
    space = s as never;
    spaceName = 'darts';
  } else if (which === 'nb201') {
    const s = new Nb201SearchSpace(Nb201SpaceSchema.parse({ name: 'nb201', channels: 4, cellsPerStage: 1 }));
    // Edge 0 is 'none', so node 1 is all zeros and the ops after it read zeros.
    arch = {
      edges: ['none', 'nor_conv_3x3', 'avg_pool_3x3', 'nor_conv_1x1', 'skip_connect', 'nor_conv_3x3'],
    };
    finalOptions = {};
    network = nb201Networks.buildFinal(s, arch as never, shape, rng, finalOptions);
    space = s as never;
    spaceName = 'nb201';
  } else if (which === 'enas-micro') {
    // L = 1: cells reduce, reduce, normal, so every calibration runs (ReLU-conv1×1-BN on the stem's
    // 3F channels, a factorized reduction of the odd 7×7 map before the last two cells).
    const s = new EnasMicroSearchSpace(
      EnasMicroSpaceSchema.parse({ name: 'enas-micro', nodes: 4, layers: 1, channels: 4 }),
    );
    arch = ENAS_MICRO_ALL_PATHS;
    finalOptions = {};
    network = enasMicroNetworks.buildFinal(s, arch as EnasMicroArch, shape, rng, finalOptions);
    space = s as never;
    spaceName = 'enas-micro';
  } else {
    const s = new MobileNetSearchSpace(
      MobileNetSpaceSchema.parse({
        name: 'mobilenet',
        stemChannels: 4,
        firstChannels: 6,
        widths: [4, 8],
        depths: [2, 2],
        strides: [1, 2],
        lastChannels: 16,
      }) as MobileNetSpace,
    );
    arch = { layers: ['k3e3', 'skip', 'k5e6', 'k7e3'] };
    finalOptions = undefined;
    network = mobileNetNetworks.buildFinal(s, arch as never, shape, rng);
    space = s as never;
    spaceName = 'mobilenet';
  }
  trainFewSteps(network);
  varyBatchNorm(network, new Rng(seed + 100));
  return {
    ...evaluated(network),
    space: spaceName,
    spaceConfig: space.config,
    arch: space.toJson(arch as never),
    archText: space.toText(arch as never),
    finalOptions,
    network,
    inputShape: { height: SIZE, width: SIZE, channels: 1 },
    classNames: loadDefaultDataset('test').classNames,
    preprocessing: PREPROCESSING,
    recipe: { epochs: 0, steps: 3, optimizer: 'sgd', lr: 0.05, note: 'test fixture' },
    seed,
    sourceRun: `test-${which}`,
  };
}

/** Test accuracy, confusion matrix and per-class accuracy on 20 bundled test images. */
function evaluated(net: FinalNetwork): { metrics: TrainedModel['metrics'] } {
  const d = smallImages('test', 20);
  const x = normalised(d);
  const pred = tf.tidy(() => net.run(x, { training: false }).logits.argMax(1).dataSync());
  x.dispose();
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  d.labels.forEach((l, i) => confusion[l][pred[i]]++);
  const perClassAcc = confusion.map((row, c) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n ? row[c] / n : 0;
  });
  const testAcc = confusion.reduce((s, row, c) => s + row[c], 0) / d.labels.length;
  return { metrics: { testAcc, confusion, perClassAcc } };
}

/**
 * Spreads every BatchNorm's γ and β (a few steps leave them near 1 and 0, where a writer that swapped
 * or dropped one would still pass).
 */
function varyBatchNorm(net: FinalNetwork, rng: Rng): void {
  const state = new Map(net.namedState());
  const prefixes = [...state.keys()].filter((n) => n.endsWith('running_mean')).map((n) => n.slice(0, -12));
  const ranges: Array<[string, number, number]> = [
    ['weight', 0.5, 1.5],
    ['bias', -0.3, 0.3],
  ];
  for (const p of prefixes)
    for (const [field, lo, hi] of ranges) {
      const v = state.get(p + field);
      if (!v) continue;
      const t = tf.tensor(rng.fillUniform(v.size, lo, hi), v.shape);
      v.assign(t);
      t.dispose();
    }
}
