import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { BatchNorm } from '../nn/batchnorm';
import type { ForwardContext } from '../nn/module';
import { Rng } from '../util/rng';
import type { Batch } from '../data/batch';
import { evaluateChoices, recalibrateBatchNorm } from './evaluate';
import { Supernet, type ArchAssignment } from './supernet';
import { parseSearchConfig } from './config';
import { buildSearchData } from './build-data';
import { SearchSession } from './session';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const C = 3;

/**
 * A probe with one choice: row 0 picks BatchNorm `a` (option 0) or `b` (option 1), applied to the
 * input itself, so each BatchNorm's input is the batch data and its statistics can be computed in
 * plain JS. Logits: the spatial mean of the normalised input, one per channel (3 classes).
 */
class Probe extends Supernet {
  readonly a = this.addChild('a', new BatchNorm(C, false));
  readonly b = this.addChild('b', new BatchNorm(C, false));
  logits(x: tf.Tensor4D, arch: ArchAssignment, ctx: ForwardContext): tf.Tensor2D {
    const a = arch.cell;
    if (a.kind !== 'sample') throw new Error('sample only');
    const bn = a.ops[0] === 0 ? this.a : this.b;
    return tf.mean(bn.forward(x, ctx), [1, 2]) as tf.Tensor2D;
  }
  optionParameters(): tf.Variable[] {
    return [];
  }
  sharedParameters(): tf.Variable[] {
    return [];
  }
}

/** Batches of N(mean, sd) images with channel-dependent offsets and labels 0..2, as plain arrays too. */
function makeBatches(
  seed: number,
  count: number,
  n = 5,
  hw = 4,
): Array<{ data: Float32Array; labels: Int32Array; shape: [number, number, number, number] }> {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const data = rng.fillNormal(n * hw * hw * C, 0.5 * i, 1 + 0.3 * i);
    for (let k = 0; k < data.length; k++) data[k] += k % C; // channel c offset by c
    return {
      data,
      labels: Int32Array.from({ length: n }, () => rng.int(C)),
      shape: [n, hw, hw, C] as [number, number, number, number],
    };
  });
}

function stream(batches: ReturnType<typeof makeBatches>): () => Batch {
  let i = 0;
  return () => {
    const b = batches[i++ % batches.length];
    return { x: tf.tensor4d(b.data, b.shape), y: tf.tensor1d(b.labels, 'int32') };
  };
}

/** Per-channel mean and unbiased variance of channels-last data, in float64. */
function channelStats(data: Float32Array): { mean: number[]; unbiased: number[] } {
  const n = data.length / C;
  const mean = Array.from({ length: C }, (_, c) => {
    let s = 0;
    for (let k = c; k < data.length; k += C) s += data[k];
    return s / n;
  });
  const unbiased = mean.map((m, c) => {
    let s = 0;
    for (let k = c; k < data.length; k += C) s += (data[k] - m) ** 2;
    return s / (n - 1);
  });
  return { mean, unbiased };
}

const pick = (k: number): ArchAssignment => ({ cell: { kind: 'sample', ops: [k] } });

function expectClose(got: ArrayLike<number>, want: number[], tol: number) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i] - want[i]), `index ${i}: ${got[i]} vs ${want[i]}`).toBeLessThan(
      tol * Math.max(1, Math.abs(want[i])),
    );
}

describe('BatchNorm recalibration (cumulative average, PyTorch momentum=None)', () => {
  it('leaves each running mean equal to the mean of the batch means and each running variance the mean of the unbiased batch variances', () => {
    const net = new Probe();
    // Statistics from earlier training: the recalibration must not keep any of them.
    for (const b of makeBatches(9, 3))
      tf.tidy(() => net.logits(tf.tensor4d(b.data, b.shape), pick(0), { training: true }));
    const batches = makeBatches(1, 4);
    recalibrateBatchNorm(net, pick(0), batches.length, stream(batches));
    const per = batches.map((b) => channelStats(b.data));
    const want = {
      mean: Array.from({ length: C }, (_, c) => per.reduce((s, p) => s + p.mean[c], 0) / per.length),
      variance: Array.from({ length: C }, (_, c) => per.reduce((s, p) => s + p.unbiased[c], 0) / per.length),
    };
    expectClose(net.a.runningMean.dataSync(), want.mean, 1e-5);
    expectClose(net.a.runningVar.dataSync(), want.variance, 1e-5);
    // The BatchNorm off the path was reset (mean 0, variance 1) and not updated.
    expect(Array.from(net.b.runningMean.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(net.b.runningVar.dataSync())).toEqual([1, 1, 1]);
    net.dispose();
  });

  it('counts per BatchNorm: the k-th update uses 1/k, whatever the other BatchNorms did', () => {
    const bn = new BatchNorm(C, false);
    const other = new BatchNorm(C, false);
    const batches = makeBatches(3, 3);
    const ctx: ForwardContext = { training: true, cumulativeStats: new Map() };
    tf.tidy(() => other.forward(tf.tensor4d(batches[0].data, batches[0].shape), ctx));
    for (const b of batches) tf.tidy(() => bn.forward(tf.tensor4d(b.data, b.shape), ctx));
    expect(ctx.cumulativeStats!.get(bn)).toBe(3);
    expect(ctx.cumulativeStats!.get(other)).toBe(1);
    const per = batches.map((b) => channelStats(b.data));
    expectClose(
      bn.runningMean.dataSync(),
      [0, 1, 2].map((c) => per.reduce((s, p) => s + p.mean[c], 0) / 3),
      1e-5,
    );
    // Without the map: PyTorch's momentum 0.1, unchanged.
    const plain = new BatchNorm(C, false);
    tf.tidy(() => plain.forward(tf.tensor4d(batches[0].data, batches[0].shape), { training: true }));
    expectClose(
      plain.runningMean.dataSync(),
      per[0].mean.map((m) => 0.1 * m),
      1e-5,
    );
    expectClose(
      plain.runningVar.dataSync(),
      per[0].unbiased.map((v) => 0.9 + 0.1 * v),
      1e-5,
    );
    for (const m of [bn, other, plain]) m.dispose();
  });

  it('scores in eval mode with the recalibrated statistics, then restores the supernet’s own bit for bit', () => {
    const net = new Probe();
    for (const b of makeBatches(9, 3))
      tf.tidy(() => net.logits(tf.tensor4d(b.data, b.shape), pick(0), { training: true }));
    const before = net.namedBuffers().map(([, v]) => v.dataSync().slice());
    const train = makeBatches(1, 4);
    const val = makeBatches(2, 2);
    const e = evaluateChoices(
      net,
      { cell: [0] },
      {
        batches: 2,
        val: stream(val),
        batchNorm: 'recalibrate',
        recalibration: { batches: 4, train: stream(train) },
      },
    );
    net
      .namedBuffers()
      .forEach(([name, v], i) =>
        expect(Buffer.from(v.dataSync().buffer).equals(Buffer.from(before[i].buffer)), name).toBe(true),
      );
    // The supernet's own statistics give another loss: the recalibration is what was scored.
    const running = evaluateChoices(
      net,
      { cell: [0] },
      { batches: 2, val: stream(val), batchNorm: 'running' },
    );
    expect(Math.abs(running.loss - e.loss)).toBeGreaterThan(1e-3);
    // The same score by hand: recalibrate, then eval-mode logits.
    recalibrateBatchNorm(net, pick(0), 4, stream(train));
    let correct = 0;
    let loss = 0;
    for (const b of val) {
      const z = tf.tidy(() =>
        net.logits(tf.tensor4d(b.data, b.shape), pick(0), { training: false }).arraySync(),
      );
      b.labels.forEach((l, i) => {
        const row = z[i];
        if (row.indexOf(Math.max(...row)) === l) correct += 1;
        loss += Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[l];
      });
    }
    expect(e.accuracy).toBeCloseTo(correct / 10, 6);
    expect(e.loss).toBeCloseTo(loss / 10, 5);
    net.dispose();
  });

  it('on a real supernet: scoring one candidate never changes the next one’s score, and the tensors stay flat', async () => {
    const config = parseSearchConfig({
      space: { name: 'nb201', channels: 2, cellsPerStage: 1 },
      strategy: { name: 'random-search' },
      batchSize: 8,
      seed: 3,
      data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
    });
    const data = await buildSearchData(config);
    const s = new SearchSession<unknown>(config, data);
    // Some training first, so the running statistics are the supernet's own.
    for (let i = 0; i < 3; i++) s.runStep();
    const grab = (src: typeof data.train, n: number) => Array.from({ length: n }, () => src.next() as Batch);
    const train = grab(data.train, 3);
    const val = grab(data.val, 2);
    const replay = (bs: Batch[]) => {
      let i = 0;
      return () => ({ x: bs[i % bs.length].x.clone(), y: bs[i++ % bs.length].y.clone() });
    };
    const score = (arch: unknown) =>
      evaluateChoices(s.network, s.space.choices(arch), {
        batches: 2,
        val: replay(val),
        batchNorm: 'recalibrate',
        recalibration: { batches: 3, train: replay(train) },
      });
    const rng = new Rng(5);
    const [x, y] = [s.space.sample(rng), s.space.sample(rng)];
    const state = () => s.network.namedState().map(([, v]) => v.dataSync().slice());
    const before = state();
    const tensors = tf.memory().numTensors;
    const first = score(x);
    score(y);
    expect(score(x)).toEqual(first);
    expect(tf.memory().numTensors).toBe(tensors);
    state().forEach((d, i) => expect(Buffer.from(d.buffer).equals(Buffer.from(before[i].buffer))).toBe(true));
    tf.dispose([...train, ...val].flatMap((b) => [b.x, b.y]));
    s.dispose();
  });
});
