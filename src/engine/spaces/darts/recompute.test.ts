import * as tf from '../../tf';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../backend';
import { crossEntropy } from '../../train/loss';
import { Rng } from '../../util/rng';
import { DartsSpaceSchema } from './search-space';
import { SearchNetwork, type ArchChoice, type Recompute } from './supernet';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const space = DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 3 });
const MODES: Recompute[] = ['off', 'cell', 'edge'];

/** A fresh network (same seed, so the same weights), α variables, and a batch. */
function setup(seed = 3) {
  const rng = new Rng(seed);
  const net = new SearchNetwork(space, 3, 4, rng);
  const shape: [number, number] = [net.numEdges, space.ops.length];
  const alphaNormal = tf.variable(tf.tensor2d(rng.fillNormal(shape[0] * shape[1], 0.5), shape));
  const alphaReduce = tf.variable(tf.tensor2d(rng.fillNormal(shape[0] * shape[1], 0.5), shape));
  const x = tf.tensor4d(rng.fillNormal(4 * 8 * 8 * 3), [4, 8, 8, 3]);
  const y = tf.tensor1d([0, 1, 2, 3], 'int32');
  const dispose = () => {
    net.dispose();
    tf.dispose([alphaNormal, alphaReduce, x, y]);
  };
  return { net, alphaNormal, alphaReduce, x, y, dispose };
}

type Setup = ReturnType<typeof setup>;
type ChoiceKind = 'mix' | 'sample' | 'gated';

function archChoice(s: Setup, kind: ChoiceKind): ArchChoice {
  if (kind === 'mix')
    return {
      normal: { kind: 'mix', weights: tf.softmax(s.alphaNormal) as tf.Tensor2D },
      reduce: { kind: 'mix', weights: tf.softmax(s.alphaReduce) as tf.Tensor2D },
    };
  // One op per edge (cycling through the candidates, 'none' included); the gate is softmax(α)[e, op[e]].
  const ops = Array.from({ length: s.net.numEdges }, (_, e) => (e * 3 + 1) % space.ops.length);
  const gate = (a: tf.Variable) =>
    tf.sum(tf.mul(tf.softmax(a), tf.oneHot(tf.tensor1d(ops, 'int32'), space.ops.length)), 1) as tf.Tensor1D;
  return {
    normal: { kind: 'sample', ops, gate: kind === 'gated' ? gate(s.alphaNormal) : undefined },
    reduce: { kind: 'sample', ops, gate: kind === 'gated' ? gate(s.alphaReduce) : undefined },
  };
}

/** Loss and the gradients of every weight and both α (zeros where unused), under `mode`. */
function lossAndGrads(
  s: Setup,
  mode: Recompute,
  kind: ChoiceKind,
): { loss: number; grads: Map<string, Float32Array> } {
  s.net.recompute = mode;
  const named: Array<[string, tf.Variable]> = [
    ...s.net.namedParameters(),
    ['alpha.normal', s.alphaNormal],
    ['alpha.reduce', s.alphaReduce],
  ];
  const vars = named.map(([, v]) => v);
  const { value, grads } = tf.variableGrads(
    () => crossEntropy(s.net.logits(s.x, archChoice(s, kind), { training: true }), s.y),
    vars,
  );
  const out = new Map<string, Float32Array>();
  for (const [name, v] of named)
    out.set(name, (grads[v.name]?.dataSync() as Float32Array) ?? new Float32Array(v.size));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: out };
}

function expectClose(got: Float32Array, want: Float32Array, name: string): void {
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < want.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    maxAbs = Math.max(maxAbs, Math.abs(want[i]));
  }
  // ~1e-5 relative to the tensor's largest entry (float32 summation order may differ slightly).
  expect(maxDiff, name).toBeLessThanOrEqual(1e-5 * maxAbs + 1e-7);
}

describe('recomputation (gradient checkpointing) in the supernet', () => {
  for (const kind of ['mix', 'gated', 'sample'] as const) {
    it(`gives the same loss and gradients (every weight and α) as plain autodiff: ${kind} choice`, () => {
      const ref = setup();
      const want = lossAndGrads(ref, 'off', kind);
      ref.dispose();
      let nonZeroAlpha = 0;
      for (const mode of MODES.slice(1)) {
        const s = setup();
        const got = lossAndGrads(s, mode, kind);
        s.dispose();
        expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-6 * Math.abs(want.loss));
        expect([...got.grads.keys()]).toEqual([...want.grads.keys()]);
        for (const [name, g] of want.grads) expectClose(got.grads.get(name)!, g, `${mode} ${name}`);
        nonZeroAlpha += got.grads.get('alpha.normal')!.filter((v) => v !== 0).length;
      }
      // α gets a gradient through the mixture or the gate; a bare sample gives it none.
      if (kind === 'sample') expect(nonZeroAlpha).toBe(0);
      else expect(nonZeroAlpha).toBeGreaterThan(0);
    });
  }

  it('updates BatchNorm running statistics once per forward pass, as without recomputation', () => {
    const stats = (mode: Recompute) => {
      const s = setup();
      lossAndGrads(s, mode, 'mix');
      const out = s.net.namedBuffers().map(([n, v]) => [n, v.dataSync().slice()] as const);
      s.dispose();
      return out;
    };
    const want = stats('off');
    for (const mode of MODES.slice(1)) {
      const got = stats(mode);
      got.forEach(([n, v], i) => expectClose(v as Float32Array, want[i][1] as Float32Array, `${mode} ${n}`));
    }
  });

  it('leaks no tensors over several steps', () => {
    const s = setup();
    for (const mode of MODES) {
      lossAndGrads(s, mode, 'mix');
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) lossAndGrads(s, mode, i % 2 ? 'gated' : 'mix');
      // Gradients w.r.t. α only (the DARTS α step: the weights' node is skipped) and w.r.t. weights only.
      for (const vars of [[s.alphaNormal, s.alphaReduce], s.net.parameters()]) {
        s.net.recompute = mode;
        const { value, grads } = tf.variableGrads(
          () => crossEntropy(s.net.logits(s.x, archChoice(s, 'mix'), { training: true }), s.y),
          vars,
        );
        tf.dispose([value, ...Object.values(grads)]);
      }
      expect(tf.memory().numTensors, mode).toBe(before);
    }
    s.dispose();
  });

  it('recomputes once per backward pass, and skips weight gradients when only α is wanted', async () => {
    const s = setup();
    const kernels = async (mode: Recompute, vars: tf.Variable[]) => {
      s.net.recompute = mode;
      const p = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(
          () => crossEntropy(s.net.logits(s.x, archChoice(s, 'mix'), { training: true }), s.y),
          vars,
        );
        tf.dispose([value, ...Object.values(grads)]);
      });
      const count = (name: string) => p.kernels.filter((k) => k.name === name).length;
      return {
        conv: count('Conv2D') + count('DepthwiseConv2dNative'),
        filterGrads: count('Conv2DBackpropFilter') + count('DepthwiseConv2dNativeBackpropFilter'),
      };
    };
    const alphas = [s.alphaNormal, s.alphaReduce];
    const all = [...alphas, ...s.net.parameters()];
    for (const mode of ['edge', 'cell'] as const) {
      const plainAlpha = await kernels('off', alphas);
      const alphaOnly = await kernels(mode, alphas);
      const both = await kernels(mode, all);
      expect(plainAlpha.filterGrads).toBe(0);
      expect(alphaOnly.filterGrads, mode).toBe(0);
      expect(both.filterGrads, mode).toBeGreaterThan(0);
      // Forward convolutions: the forward pass plus one recomputation, whether or not weights are wanted.
      expect(alphaOnly.conv, mode).toBe(both.conv);
      expect(alphaOnly.conv, mode).toBeGreaterThan(plainAlpha.conv);
      expect(alphaOnly.conv, mode).toBeLessThanOrEqual(2 * plainAlpha.conv);
    }
    s.dispose();
  });

  it('keeps far fewer bytes for the backward pass', async () => {
    // A larger network than above, so that activations dominate the weights.
    const rng = new Rng(5);
    const net = new SearchNetwork(DartsSpaceSchema.parse({ nodes: 3, cells: 5, channels: 4 }), 3, 4, rng);
    const x = tf.tensor4d(rng.fillNormal(4 * 16 * 16 * 3), [4, 16, 16, 3]);
    const y = tf.tensor1d([0, 1, 2, 3], 'int32');
    const ops = net.space.ops.length;
    const arch = (): ArchChoice => ({
      normal: { kind: 'mix', weights: tf.softmax(tf.ones([net.numEdges, ops])) as tf.Tensor2D },
      reduce: { kind: 'mix', weights: tf.softmax(tf.ones([net.numEdges, ops])) as tf.Tensor2D },
    });
    const measure = async (mode: Recompute) => {
      net.recompute = mode;
      const base = tf.memory().numBytes;
      let kept = 0;
      const prof = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => {
          const loss = crossEntropy(net.logits(x, arch(), { training: true }), y);
          kept = tf.memory().numBytes - base; // what the forward pass leaves for the backward pass
          return loss;
        }, net.parameters());
        tf.dispose([value, ...Object.values(grads)]);
      });
      return { kept, peak: prof.peakBytes - base };
    };
    const off = await measure('off');
    const cell = await measure('cell');
    const edge = await measure('edge');
    // Measured (cpu, 2026-11-22): kept after the forward pass off 43.0 MB, cell 1.3 MB, edge 4.8 MB;
    // peak over forward and backward off 63.8 MB, cell 21.7 MB (one cell's recomputation with its
    // gradients), edge 8.1 MB. tfjs's byte count (a clone counts its shared data again).
    expect(cell.kept).toBeLessThan(off.kept / 10);
    expect(edge.kept).toBeLessThan(off.kept / 4);
    expect(cell.peak).toBeLessThan(off.peak / 2);
    expect(edge.peak).toBeLessThan(off.peak / 4);
    tf.dispose([x, y]);
    net.dispose();
  });
});
