import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import { Conv2d, Linear } from '../../nn';
import type { InputShape } from '../../search/space';
import { Rng } from '../../util/rng';
import { Nb201Network } from './final-network';
import { nb201Networks } from './networks';
import { NB201_OPS, Nb201SpaceSchema } from './search-space';
import { Nb201SearchSpace } from './space';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});
afterEach(() => vi.restoreAllMocks());

const space = new Nb201SearchSpace(Nb201SpaceSchema.parse({ name: 'nb201' }));
const CIFAR10: InputShape = { size: 32, channels: 3, classes: 10 };
const CIFAR100: InputShape = { size: 32, channels: 3, classes: 100 };
const IMAGENET16: InputShape = { size: 16, channels: 3, classes: 120 };

/**
 * NATS-Bench's published costs of three architectures (the topology search space, NATS-tss-v1_0-3ffb9;
 * D-X-Y/NATS-Bench fake_torch_dir/NATS-tss-v1_0-3ffb9-simple/{meta,000000,000011,000284}.pickle.pbz2,
 * the MIT-licensed fixture of its tests): arch strings from meta['meta_archs'][index], and per dataset
 * all_results[(dataset, seed)]['params'] (millions, count_parameters_in_MB) and ['flop'] (MFLOPs,
 * get_model_infos), identical for the 12- and 200-epoch records and for every seed. These are the
 * values NATS-Bench's api.get_cost_info(index, dataset) returns.
 */
const NATS = [
  {
    index: 0,
    arch: '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|',
    cifar10: { params: 0.129306, flop: 15.64737 },
    cifar100: { params: 0.135156, flop: 15.65322 },
    imagenet16: { params: 0.136456, flop: 3.91948 },
  },
  {
    index: 11,
    arch: '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|',
    cifar10: { params: 0.802426, flop: 113.95137 },
    cifar100: { params: 0.808276, flop: 113.95722 },
    imagenet16: { params: 0.809576, flop: 28.49548 },
  },
  {
    index: 284,
    arch: '|skip_connect~0|+|skip_connect~0|skip_connect~1|+|none~0|nor_conv_1x1~1|none~2|',
    cifar10: { params: 0.101306, flop: 11.71521 },
    cifar100: { params: 0.107156, flop: 11.72106 },
    imagenet16: { params: 0.108456, flop: 2.93644 },
  },
];

/**
 * FLOPs of one forward pass of `net` counted independently of the cost model: every Conv2d and Linear
 * the pass runs reports its output shape, and its multiply-adds (plus bias adds) are summed as
 * NATS-Bench's hooks do (xautodl/utils/flop_benchmark.py).
 */
function measuredFlops(forward: () => tf.Tensor): number {
  let flops = 0;
  const conv = Conv2d.prototype.forward;
  const linear = Linear.prototype.forward;
  vi.spyOn(Conv2d.prototype, 'forward').mockImplementation(function (this: Conv2d, x, ctx) {
    const y = conv.call(this, x, ctx);
    const [k, , inC, outC] = this.weight.shape;
    const [, h, w] = y.shape; // per image, whatever the batch
    flops += (k * k * inC * outC + (this.bias ? outC : 0)) * h * w;
    return y;
  });
  vi.spyOn(Linear.prototype, 'forward').mockImplementation(function (this: Linear, x, ctx) {
    const [inF, outF] = this.weight.shape;
    flops += inF * outF + outF;
    return linear.call(this, x, ctx);
  });
  tf.tidy(forward);
  return flops;
}

describe('NB201 cost model against NATS-Bench', () => {
  it.each(NATS)(
    'architecture $index: params and FLOPs as published (C=16, N=5)',
    ({ arch, cifar10, cifar100, imagenet16 }) => {
      const a = space.fromText(arch);
      for (const [shape, pub] of [
        [CIFAR10, cifar10],
        [CIFAR100, cifar100],
        [IMAGENET16, imagenet16],
      ] as const) {
        // Published with 6 decimals in millions (params) and 5 (MFLOPs): the counts match exactly.
        expect(space.cost.archParams(a, shape) / 1e6).toBeCloseTo(pub.params, 6);
        expect(space.cost.archFlops(a, shape) / 1e6).toBeCloseTo(pub.flop, 5);
      }
    },
  );

  it.each(NATS)(
    'architecture $index: the final network has those parameters and runs those FLOPs',
    ({ arch, cifar10 }) => {
      const a = space.fromText(arch);
      const net = nb201Networks.buildFinal(space, a, CIFAR10, new Rng(0)) as Nb201Network;
      try {
        expect(net.countParameters()).toBe(Math.round(cifar10.params * 1e6));
        const flops = measuredFlops(() => net.run(tf.zeros([1, 32, 32, 3]), { training: false }).logits);
        expect(flops).toBe(Math.round(cifar10.flop * 1e6));
      } finally {
        net.dispose();
      }
    },
  );

  it('the supernet’s cost model counts what the supernet holds and runs (search-time ops: conv bias, BN without γ/β)', () => {
    const small = new Nb201SearchSpace(
      Nb201SpaceSchema.parse({ name: 'nb201', channels: 4, cellsPerStage: 2 }),
    );
    const shape: InputShape = { size: 12, channels: 3, classes: 5 };
    const net = nb201Networks.supernet(small, shape, new Rng(1));
    try {
      expect(net.parameters().reduce((n, v) => n + v.size, 0)).toBe(small.cost.supernetParams(shape));
      const w = tf.fill([6, 5], 0.2) as tf.Tensor2D;
      const flops = measuredFlops(() =>
        net.logits(tf.zeros([1, 12, 12, 3]), { cell: { kind: 'mix', weights: w } }, { training: false }),
      );
      w.dispose();
      expect(flops).toBe(small.cost.supernetFlops(shape));
    } finally {
      net.dispose();
    }
    // At the benchmark's size: every op on every edge of 15 cells.
    // Fixed part 73,306 (as the benchmark network) + 30 cells·edges per stage × Σ_C (10C² + 2C), C = 16, 32, 64.
    expect(space.cost.supernetParams(CIFAR10)).toBe(1_692_826);
  });

  it('odd image sizes follow the ⌈h/2⌉ of the stride-2 convs', () => {
    const a = space.fromText(NATS[1].arch);
    const odd: InputShape = { size: 15, channels: 1, classes: 10 };
    const net = nb201Networks.buildFinal(space, a, odd, new Rng(0), {
      channels: 4,
      cellsPerStage: 1,
    }) as Nb201Network;
    const s4 = new Nb201SearchSpace(Nb201SpaceSchema.parse({ name: 'nb201', channels: 4, cellsPerStage: 1 }));
    try {
      const flops = measuredFlops(() => net.run(tf.zeros([2, 15, 15, 1]), { training: false }).logits);
      expect(flops).toBe(s4.cost.archFlops(a, odd));
      expect(net.countParameters()).toBe(s4.cost.archParams(a, odd));
    } finally {
      net.dispose();
    }
  });

  it('step memory: linear in the batch; the default recomputation is the smaller one for the depth', () => {
    const b = (r?: 'off' | 'edge' | 'cell', batch = 64) => space.cost.stepBytes(CIFAR10, batch, r);
    expect(b('edge', 128) - b('edge', 64)).toBeCloseTo(b('edge', 64) - b('edge', 0));
    // The benchmark's search (C=16, N=5, batch 64, 32×32): ≈ 8.8 GB without recomputation, 1.5 per edge, 1.2 per cell.
    expect(b('off') / 1e9).toBeCloseTo(8.8, 1);
    expect(b('edge') / 1e9).toBeCloseTo(1.5, 1);
    expect(b('cell') / 1e9).toBeCloseTo(1.2, 1);
    expect(b()).toBe(b('cell'));
    const shallow = new Nb201SearchSpace(Nb201SpaceSchema.parse({ name: 'nb201', cellsPerStage: 2 }));
    expect(shallow.cost.stepBytes(CIFAR10, 64)).toBe(shallow.cost.stepBytes(CIFAR10, 64, 'edge'));
    expect(shallow.cost.stepBytes(CIFAR10, 64, 'edge')).toBeLessThan(
      shallow.cost.stepBytes(CIFAR10, 64, 'cell'),
    );
  });

  it('an op subset shrinks the supernet', () => {
    const noConv = new Nb201SearchSpace(
      Nb201SpaceSchema.parse({ name: 'nb201', ops: NB201_OPS.filter((o) => !o.startsWith('nor_conv')) }),
    );
    expect(noConv.cost.supernetParams(CIFAR10)).toBe(
      space.cost.archParams(space.fromText('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'), CIFAR10),
    );
  });
});
