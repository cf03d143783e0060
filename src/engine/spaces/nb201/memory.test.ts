import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { peakTensorBytes } from '../../util/tensor-watch';
import { chooseBackend } from '../../backend';
import type { Recompute } from '../../search/space';
import { Rng } from '../../util/rng';
import { cellFloats, estimateNb201StepBytes } from './cost';
import { NB201_OPS, Nb201SpaceSchema } from './search-space';
import { Nb201SearchSpace } from './space';
import { Nb201Supernet } from './supernet';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

/**
 * Peak of tfjs's tensor bytes above what was held before, over one first-order DARTS-style step on
 * the supernet: the weights' loss and gradients under a softmax mix, then α's (the bench's byte
 * watch, bench/darts-step.ts: every new tensor's bytes are watched).
 */
function measureStep(
  channels: number,
  cellsPerStage: number,
  size: number,
  batch: number,
  recompute: Recompute,
): number {
  const space = Nb201SpaceSchema.parse({ name: 'nb201', channels, cellsPerStage });
  const net = new Nb201Supernet(space, { size, channels: 3, classes: 10 }, new Rng(1));
  net.recompute = recompute;
  const alpha = tf.variable(tf.zeros([6, 5]));
  const rng = new Rng(2);
  const x = tf.tensor4d(rng.fillNormal(batch * size * size * 3), [batch, size, size, 3]);
  const y = tf
    .oneHot(
      tf.tensor1d(
        Array.from({ length: batch }, (_, i) => i % 10),
        'int32',
      ),
      10,
    )
    .toFloat();
  const step = () =>
    tf.tidy(() => {
      const loss = () =>
        tf.losses.softmaxCrossEntropy(
          y,
          net.logits(
            x,
            { cell: { kind: 'mix', weights: tf.softmax(alpha) as tf.Tensor2D } },
            { training: true },
          ),
        ) as tf.Scalar;
      tf.variableGrads(loss, net.parameters());
      tf.variableGrads(loss, [alpha]);
    });
  const peak = peakTensorBytes(step);
  tf.dispose([x, y, alpha]);
  net.dispose();
  return peak;
}

const CONFIGS: Array<[number, number, number, number]> = [
  // channels, cells per stage, image size, batch
  [4, 1, 16, 4],
  [8, 1, 16, 4],
  [4, 2, 16, 4],
  [8, 2, 8, 8],
  [8, 2, 16, 2],
  [4, 1, 16, 1],
  [4, 1, 16, 12],
  [12, 1, 8, 4],
  [4, 3, 8, 4],
];

/** Prints the measurements the memory model (cost.ts) was fitted to: NB201_MEASURE=1 npx vitest run …/memory.test.ts */
describe.skipIf(!process.env.NB201_MEASURE)('NB201 step memory, measured', () => {
  it('bytes per cell-output float, per recompute mode', () => {
    for (const r of ['off', 'edge', 'cell'] as Recompute[]) {
      for (const [C, N, size, batch] of CONFIGS) {
        const bytes = measureStep(C, N, size, batch, r);
        const { sum, max } = cellFloats({ channels: C, cellsPerStage: N }, size);
        const params = new Nb201SearchSpace({
          name: 'nb201',
          channels: C,
          cellsPerStage: N,
          ops: [...NB201_OPS],
        }).cost.supernetParams({ size, channels: 3, classes: 10 });
        const est = estimateNb201StepBytes({ channels: C, cellsPerStage: N }, size, batch, r, params);
        // mode C N size batch | measured bytes | batch·Σh²C, batch·max h²C, parameters (the fit's terms) | estimate/measured
        console.log(
          `${r} ${C} ${N} ${size} ${batch} | ${bytes} | ${batch * sum} ${batch * max} ${params} | ${(est / bytes).toFixed(2)}`,
        );
      }
    }
  });
});

describe('NB201 step memory model', () => {
  it('is within 15% of a measured step in every mode (a config the fit did not see)', () => {
    const space = new Nb201SearchSpace({ name: 'nb201', channels: 6, cellsPerStage: 1, ops: [...NB201_OPS] });
    const shape = { size: 8, channels: 3, classes: 10 };
    for (const r of ['off', 'edge', 'cell'] as Recompute[]) {
      const ratio = space.cost.stepBytes(shape, 3, r) / measureStep(6, 1, 8, 3, r);
      expect(ratio, r).toBeGreaterThan(0.85);
      expect(ratio, r).toBeLessThan(1.15);
    }
  });
});
