import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { parseSearchConfig } from './config';
import { buildSearchData } from './build-data';
import { captureSession, restoreSession } from './checkpoint';
import { SearchSession } from './session';
import type { SearchSpace } from './space';
import type { ArchAssignment, Supernet } from './supernet';
import type { PhasePlan, SearchStrategy, StepContext, StepResult, StrategyContext } from './strategy';
import { crossEntropy } from '../train/loss';
import { WeightTrainer } from '../train/weight-trainer';
import type { DartsSpace } from '../spaces/darts/search-space';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

/**
 * A P-DARTS-shaped toy: two stages; the first trains the supernet on uniform mixes of all ops and at
 * its end asks for a supernet with the first three ops only; the second trains that one.
 */
class Staged implements SearchStrategy {
  readonly name = 'staged';
  private trainer: WeightTrainer;
  rebuilds = 0;
  constructor(
    private net: Supernet,
    private space: SearchSpace,
  ) {
    this.trainer = new WeightTrainer(net.parameters(), {
      weightLr: 0.05,
      weightLrMin: 0.05,
      weightMomentum: 0.9,
      weightDecay: 0,
      gradClip: 5,
    });
  }
  phases(): PhasePlan[] {
    return [
      { name: 'stage1', title: 'stage 1', epochs: 1, stepsPerEpoch: 3 },
      { name: 'stage2', title: 'stage 2', epochs: 2, stepsPerEpoch: 2 },
    ];
  }
  private uniform(): ArchAssignment {
    return Object.fromEntries(
      this.space.choicePoints.map((cp) => [
        cp.label,
        {
          kind: 'mix' as const,
          weights: tf.fill([cp.rows.length, cp.options.length], 1 / cp.options.length) as tf.Tensor2D,
        },
      ]),
    );
  }
  step(ctx: StepContext): StepResult {
    const b = ctx.train();
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() =>
        crossEntropy(this.net.logits(b.x, this.uniform(), { training: true }), b.y),
      );
      this.trainer.apply(this.net.parameters().map((v) => grads[v.name]));
      return value.dataSync()[0];
    });
    const last = ctx.info.phase === 'stage1' && ctx.info.stepInEpoch === ctx.info.stepsPerEpoch - 1;
    const cfg = (this.space as unknown as { config: DartsSpace }).config;
    return {
      metrics: { trainLoss: loss },
      ...(last ? { rebuild: { space: { ...cfg, ops: cfg.ops.slice(0, 3) } } } : {}),
    };
  }
  rebuilt(net: Supernet, space: SearchSpace): void {
    this.trainer.dispose();
    this.net = net;
    this.space = space;
    this.trainer = new WeightTrainer(net.parameters(), this.trainer.config);
    this.rebuilds += 1;
  }
  epochEnd() {
    return {};
  }
  derive() {
    return this.space.sample({ int: () => 0, uniform: () => 0 } as never);
  }
  architecture() {
    return {};
  }
  getState() {
    return this.trainer.getState();
  }
  setState(s: ReturnType<WeightTrainer['getState']>) {
    this.trainer.setState(s);
  }
  dispose() {
    this.trainer.dispose();
  }
}

const config = parseSearchConfig({
  space: { name: 'darts', cells: 2, nodes: 2, channels: 2 },
  epochs: 1,
  batchSize: 8,
  seed: 3,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
});
const create = (c: StrategyContext<{ name: string }>) => new Staged(c.net, c.space);

async function session() {
  return new SearchSession<unknown>(config, await buildSearchData(config), create);
}

describe('a strategy may rebuild the supernet (P-DARTS stages)', () => {
  it('the loop builds the new supernet on the asked space, hands it over, and checkpoints it', async () => {
    const s = await session();
    const before = s.network;
    while (s.info().phase === 'stage1') s.runStep();
    expect(s.network).not.toBe(before);
    expect(s.space.choicePoints[0].options).toEqual(['none', 'max_pool_3x3', 'avg_pool_3x3']);
    expect((s.strategy as Staged).rebuilds).toBe(1);
    expect(s.counters().space).toMatchObject({
      name: 'darts',
      ops: ['none', 'max_pool_3x3', 'avg_pool_3x3'],
    });
    s.runStep(); // the new network's momentum buffers appear at its first step: state, not a leak
    const tensors = tf.memory().numTensors;
    s.runStep();
    s.runStep();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(s.done).toBe(false);
    s.dispose();
  });

  it('a run checkpointed after the rebuild resumes on the rebuilt supernet, bit for bit', async () => {
    const a = await session();
    while (!a.done) a.runStep();
    const b = await session();
    for (let i = 0; i < 4; i++) b.runStep();
    const snap = captureSession(b);
    b.dispose();
    const c = await session();
    restoreSession(c, snap);
    expect(c.space.choicePoints[0].options).toHaveLength(3);
    while (!c.done) c.runStep();
    const bytes = (s: SearchSession<unknown>) =>
      s.network.namedState().map(([n, v]) => [n, Array.from(v.dataSync())]);
    expect(bytes(c)).toEqual(bytes(a));
    a.dispose();
    c.dispose();
  });

  it('a rebuild onto an invalid space configuration is refused with the field named', async () => {
    const bad = (ctx: StrategyContext<{ name: string }>) => {
      const st = new Staged(ctx.net, ctx.space);
      const step = st.step.bind(st);
      st.step = (c) => ({ ...step(c), rebuild: { space: { name: 'darts', ops: ['conv_9x9'] } } });
      return st;
    };
    const s = new SearchSession<unknown>(config, await buildSearchData(config), bad);
    expect(() => s.runStep()).toThrow(/invalid darts space: ops\.0/);
    s.dispose();
  });
});
