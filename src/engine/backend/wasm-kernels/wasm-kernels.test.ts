import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../choose';
import { dilatedDepthwiseConv2d } from '../../ops/dilated-depthwise';
import {
  cpuReference,
  dartsSupernetGradients,
  expectParity,
  filterGrads,
  inputGrad,
  rnd,
  spaceToBatchRoundTrip,
  withGrads,
  type ParityCase,
} from '../../../../test/helpers/backend-parity';

/**
 * Every computation the engine runs on wasm — forward kernels (XNNPACK) and gradients (ours or
 * wasm's), strides 1 and 2, 'same', 'valid' and explicit padding, dilation 1 and (as the engine
 * dilates) 2 — against the cpu backend on random inputs: max |difference| under 1e-4 of the output scale.
 */
const cases: ParityCase[] = [];
for (const size of [7, 8])
  for (const stride of [1, 2] as const)
    for (const pad of [0, 1, 2, 'same', 'valid'] as const)
      for (const k of [1, 3, 5]) {
        if (typeof pad === 'number' && 2 * pad + size < k) continue;
        cases.push({
          name: `conv2d k${k} s${stride} pad ${pad} ${size}x${size}`,
          run: () => filterGrads((x, w) => tf.conv2d(x, w, stride, pad), [2, size, size, 3], [k, k, 3, 4], 1),
        });
        cases.push({
          name: `depthwise k${k} s${stride} pad ${pad} ${size}x${size}`,
          run: () =>
            filterGrads((x, w) => tf.depthwiseConv2d(x, w, stride, pad), [2, size, size, 3], [k, k, 3, 1], 4),
        });
      }
for (const stride of [1, 2])
  for (const size of [7, 8]) {
    cases.push({
      name: `maxPool 3x3 s${stride} pad 1 ${size}x${size}`,
      run: () => inputGrad((x) => tf.maxPool(x, 3, stride, 1), [2, size, size, 3], 7),
    });
    for (const k of [2, 3, 5])
      for (const pad of ['valid', 'same'] as const)
        cases.push({
          name: `avgPool ${k}x${k} s${stride} ${pad} ${size}x${size}`,
          run: () => inputGrad((x) => tf.avgPool(x, k, stride, pad), [2, size, size, 3], 9),
        });
  }
// Four channels at a time (the SIMD depthwise filter gradient and BatchNorm kernels take C % 4 = 0).
for (const stride of [1, 2] as const)
  for (const [k, pad] of [
    [3, 1],
    [5, 2],
    [3, 'same'],
    [5, 'valid'],
    [1, 0],
  ] as const)
    cases.push({
      name: `depthwise k${k} s${stride} pad ${pad} 9x8, 8 channels`,
      run: () => filterGrads((x, w) => tf.depthwiseConv2d(x, w, stride, pad), [3, 9, 8, 8], [k, k, 8, 1], 28),
    });
// Max pooling with 8 channels (the SIMD window scan), ties included: a quantised input makes equal maxima common.
for (const stride of [1, 2])
  for (const [k, pad] of [
    [3, 1],
    [2, 0],
    [3, 'same'],
    [3, 'valid'],
  ] as const)
    cases.push({
      name: `maxPool ${k}x${k} s${stride} pad ${pad} 9x8, 8 channels, with ties`,
      run: () =>
        withGrads(
          (x, z) => tf.maxPool(x as tf.Tensor4D, k, stride, pad).add(z.sum()),
          rnd([2, 9, 8, 8], 39).mul(2).round(),
          tf.scalar(0),
          40,
        ),
    });
// Slices and zero paddings with 8 channels: whole pixels and channels cut at multiples of 4 (SIMD row copies), and
// ones that cut channels elsewhere (wasm's own).
for (const [begin, size] of [
  [
    [0, 1, 1, 0],
    [-1, -1, -1, -1],
  ],
  [
    [1, 0, 2, 0],
    [1, 4, 3, 8],
  ],
  [
    [0, 0, 0, 0],
    [2, 5, 5, -1],
  ],
  [
    [0, 1, 0, 2],
    [-1, 3, 4, 4],
  ],
  [
    [0, 1, 0, 4],
    [-1, 3, 4, 4],
  ],
  [
    [0, 0, 0, 4],
    [-1, -1, -1, 4],
  ],
] as const)
  cases.push({
    name: `slice begin ${begin} size ${size} of 2x6x7x8`,
    run: () => inputGrad((x) => tf.slice(x, [...begin], [...size]), [2, 6, 7, 8], 41),
  });
// Concatenation along channels (a supernet cell's output; its gradient is a SplitV): SIMD runs when every part's
// channels are a multiple of 4, wasm's own otherwise; and along another axis.
for (const [channels, axis] of [
  [[8, 4, 8], 3],
  [[4, 6], 3],
  [[8, 8], 1],
] as const)
  cases.push({
    name: `concat of ${channels.join('+')} channels along axis ${axis}`,
    run: () =>
      withGrads(
        (a, b) => tf.concat([a, b, ...channels.slice(2).map((c, i) => rnd([2, 5, 3, c], 47 + i))], axis),
        rnd([2, 5, 3, channels[0]], 45),
        rnd([2, 5, 3, channels[1]], 46),
        48,
      ),
  });
for (const paddings of [
  [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ],
  [
    [1, 0],
    [0, 2],
    [3, 1],
    [0, 0],
  ],
  [
    [0, 0],
    [1, 1],
    [1, 1],
    [2, 2],
  ],
] as const)
  cases.push({
    name: `pad ${JSON.stringify(paddings)} of 2x5x4x8`,
    run: () =>
      inputGrad((x) => tf.pad(x, paddings.map((p) => [...p]) as [number, number][]), [2, 5, 4, 8], 43),
  });
// 1×1 convolutions with 8 and 24 output channels (the SIMD pointwise filter gradient: four output vectors at a time,
// then one by one), over more than one 64-pixel block.
for (const [cin, size, cout] of [
  [3, 9, 8],
  [8, 4, 8],
  [16, 12, 8],
  [5, 9, 24],
])
  cases.push({
    name: `conv2d 1x1 ${cin}→${cout} channels ${size}x${size}`,
    run: () => filterGrads((x, w) => tf.conv2d(x, w, 1, 0), [2, size, size, cin], [1, 1, cin, cout], 36),
  });
// Depthwise with 24 channels: the SIMD filter gradient's row sums four channel vectors at a time, then one by one.
for (const stride of [1, 2] as const)
  cases.push({
    name: `depthwise k3 s${stride} same 7x6, 24 channels`,
    run: () =>
      filterGrads((x, w) => tf.depthwiseConv2d(x, w, stride, 'same'), [2, 7, 6, 24], [3, 3, 24, 1], 49),
  });
// Non-square inputs: height and width padded and cropped separately.
for (const [h, w] of [
  [7, 9],
  [10, 7],
])
  for (const stride of [1, 2] as const) {
    cases.push({
      name: `conv2d k3 s${stride} same ${h}x${w}`,
      run: () => filterGrads((x, w) => tf.conv2d(x, w, stride, 'same'), [2, h, w, 3], [3, 3, 3, 2], 19),
    });
    cases.push({
      name: `depthwise k5 s${stride} same ${h}x${w}`,
      run: () =>
        filterGrads((x, w) => tf.depthwiseConv2d(x, w, stride, 'same'), [2, h, w, 3], [5, 5, 3, 1], 22),
    });
  }
// Dilation 2 as the engine computes it (the DARTS dil_conv ops): at stride 1 on wasm one dilated kernel
// (XNNPACK forward and input gradient, the SIMD filter gradient with 8 channels, the JavaScript one with 3),
// on cpu and at stride 2 space-to-batch around undilated kernels; the two ways must agree.
for (const size of [7, 8])
  for (const stride of [1, 2])
    for (const k of [3, 5])
      for (const channels of stride === 1 ? [3, 8] : [3])
        cases.push({
          name: `dilated depthwise d2 k${k} s${stride} pad ${k - 1} ${size}x${size}, ${channels} channels`,
          run: () =>
            filterGrads(
              (x, w) => dilatedDepthwiseConv2d(x, w, stride, 2, k - 1),
              [2, size, size, channels],
              [k, k, channels, 1],
              16,
            ),
        });
for (const [axes, keepDims] of [
  [[0, 1, 2], false],
  [[0, 1, 2], true],
  [[0], false],
  [[2, 0, 1], false],
  [[0, 1, 2, 3], false],
  [[1, 2], true],
] as const)
  cases.push({
    name: `mean over axes ${axes.join(',')}${keepDims ? ' keepDims' : ''}`,
    run: () => inputGrad((x) => tf.mean(x, [...axes], keepDims), [3, 5, 4, 6], 14),
  });
// Full tensor by per-channel vector or scalar, either side, and other broadcasts: wasm's own kernels against cpu's fast paths.
const binaryOps = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div } as const;
for (const [name, op] of Object.entries(binaryOps))
  for (const small of [[6], [1, 1, 1, 6], [1], [], [5, 1, 6], [4, 1]])
    for (const vectorFirst of [false, true])
      cases.push({
        name: `${name} [3,5,4,6] by [${small.join(',')}]${vectorFirst ? ' (vector first)' : ''}`,
        run: () => {
          // Divisors kept away from zero so that the quotient's scale stays moderate.
          const full =
            name === 'div' && vectorFirst ? rnd([3, 5, 4, 6], 25).abs().add(0.5) : rnd([3, 5, 4, 6], 25);
          const vec = name === 'div' && !vectorFirst ? rnd(small, 26).abs().add(0.5) : rnd(small, 26);
          return vectorFirst
            ? withGrads((v, x) => op(v, x), vec, full, 27)
            : withGrads((x, v) => op(x, v), full, vec, 27);
        },
      });
for (const stride of [1, 2])
  for (const k of [3, 5])
    cases.push({
      name: `dilated depthwise d2 k${k} s${stride} pad ${k - 1} 9x8, 8 channels`,
      run: () =>
        filterGrads((x, w) => dilatedDepthwiseConv2d(x, w, stride, 2, k - 1), [2, 9, 8, 8], [k, k, 8, 1], 31),
    });
cases.push({
  name: 'spaceToBatch / batchToSpace round trip with gradients, 8 channels, uneven paddings and crops',
  run: () =>
    spaceToBatchRoundTrip(
      [2, 7, 9, 8],
      [2, 3],
      [
        [1, 2],
        [2, 4],
      ],
      [
        [0, 1],
        [1, 2],
      ],
      34,
    ),
});
cases.push({
  name: 'spaceToBatch / batchToSpace round trip with gradients',
  run: () =>
    spaceToBatchRoundTrip(
      [2, 7, 7, 3],
      [2, 2],
      [
        [2, 3],
        [2, 3],
      ],
      [
        [0, 1],
        [0, 1],
      ],
      11,
    ),
});
cases.push({
  name: 'a DARTS supernet: loss and α gradients',
  run: () => dartsSupernetGradients(13, (net) => net.parameters().slice(0, 3)),
});

let reference: Float32Array[][] = [];

beforeAll(async () => {
  reference = await cpuReference(cases);
  const report = await chooseBackend({ prefer: 'wasm' });
  expect(report.chosen).toBe('wasm');
  // The 8-channel cases below exercise the SIMD kernels (simd-kernels.ts): they must be installed.
  expect(report.attempts.find((a) => a.ok)?.detail).toContain(
    'SIMD kernels: DepthwiseConv2dNativeBackpropFilter',
  );
});

describe('wasm kernels agree with the cpu backend', () => {
  cases.forEach((c, i) =>
    it(c.name, () => {
      expectParity(
        tf.tidy(() => c.run()).map((t) => t.dataSync() as Float32Array),
        reference[i],
      );
    }),
  );
});

describe('Identity and same-type Cast share the buffer on wasm', () => {
  it('a clone or cast outlives its source, holds no copy, and casts to another type still convert', () => {
    const bytes = () =>
      (tf.backend() as unknown as { wasm: { HEAPF32: Float32Array } }).wasm.HEAPF32.buffer.byteLength;
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([1.5, -2.25, 3]);
    const heapBefore = bytes();
    const copies = Array.from({ length: 200 }, (_, i) => (i % 2 ? x.clone() : tf.cast(x, 'float32')));
    expect(bytes()).toBe(heapBefore);
    const ids = new Set(copies.map((c) => c.dataId));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBe(x.dataId);
    x.dispose();
    expect(Array.from(copies[1].dataSync())).toEqual([1.5, -2.25, 3]);
    const asInt = tf.cast(copies[0], 'int32');
    expect(asInt.dtype).toBe('int32');
    expect(Array.from(asInt.dataSync())).toEqual([1, -2, 3]);
    tf.dispose([...copies, asInt]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gradients through saved (shared) tensors match the cpu reference after the source is gone', () => {
    const g = tf.tidy(() => {
      const x = tf.tensor2d([
        [0.5, -1],
        [2, 0.25],
      ]);
      return tf
        .grad((v: tf.Tensor) => v.square().mul(v.exp()).sum())(x)
        .dataSync();
    });
    const want = [
      [0.5, -1],
      [2, 0.25],
    ]
      .flat()
      .map((v) => (2 * v + v * v) * Math.exp(v));
    g.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
  });
});

describe('SIMD kernels', () => {
  it('install nothing and say why when the backend exposes no memory to bind to', async () => {
    const { installSimdKernels } = await import('./simd-kernels');
    expect(await installSimdKernels({ wasm: {} })).toEqual({
      kernels: [],
      why: 'the wasm backend does not expose its memory',
    });
  });
});
