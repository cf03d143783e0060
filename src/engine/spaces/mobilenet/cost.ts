import type { InputShape } from '../../search/space';
import {
  layerSpecs,
  strided,
  type MobileNetLayout,
  type MobileNetLayerSpec,
  type MobileNetOption,
} from './search-space';

/**
 * Parameters and FLOPs as ProxylessNAS counts them (proxylessnas search/utils/pytorch_utils.py
 * count_conv_flop, modules/layers.py get_flops): FLOPs are multiply-adds per image of the convs,
 * out_h · out_w · Cin · Cout · k² / groups, and of the classifier, in · out (its bias, BatchNorm, ReLU6,
 * the residual adds and the pooling are not counted); parameters are every trainable tensor: conv
 * weights (no biases anywhere), BatchNorm γ and β (affine, in the supernet too) and the linear layer's
 * weight and bias. The supernet counts every candidate of every layer.
 */
export interface Count {
  params: number;
  flops: number;
}

const add = (a: Count, b: Count): Count => ({ params: a.params + b.params, flops: a.flops + b.flops });
const ZERO: Count = { params: 0, flops: 0 };

/** A k×k conv (no bias) + affine BN, output side `hOut`; `depthwise`: groups = channels. */
function convBn(k: number, cin: number, cout: number, hOut: number, depthwise = false): Count {
  const weights = depthwise ? k * k * cout : k * k * cin * cout;
  return { params: weights + 2 * cout, flops: weights * hOut * hOut };
}

/** One MBConv (MBInvertedConvLayer): [1×1 expand + BN + ReLU6 when e ≠ 1], k×k depthwise at stride + BN + ReLU6, 1×1 project + BN. */
export function mbconvCount(
  cin: number,
  cout: number,
  kernel: number,
  expansion: number,
  stride: number,
  h: number,
): Count {
  const mid = Math.round(cin * expansion);
  const hOut = strided(h, stride);
  let c = expansion === 1 ? ZERO : convBn(1, cin, mid, h);
  c = add(c, convBn(kernel, mid, mid, hOut, true));
  return add(c, convBn(1, mid, cout, hOut));
}

function optionCount(o: MobileNetOption, spec: MobileNetLayerSpec, h: number): Count {
  return o.kind === 'skip' ? ZERO : mbconvCount(spec.cin, spec.cout, o.kernel, o.expansion, spec.stride, h);
}

/**
 * The whole network when layer i holds the options `layerOptions(i)`: one per layer for an
 * architecture (its own network), every candidate for the supernet.
 */
export function networkCount(
  l: MobileNetLayout,
  shape: InputShape,
  layerOptions: (i: number) => readonly MobileNetOption[],
): Count {
  let h = strided(shape.size, l.stemStride);
  let c = convBn(3, shape.channels, l.stemChannels, h);
  c = add(c, mbconvCount(l.stemChannels, l.firstChannels, 3, 1, 1, h));
  layerSpecs(l).forEach((spec, i) => {
    for (const o of layerOptions(i)) c = add(c, optionCount(o, spec, h));
    h = strided(h, spec.stride);
  });
  const cLast = l.widths[l.widths.length - 1];
  c = add(c, convBn(1, cLast, l.lastChannels, h));
  return add(c, {
    params: l.lastChannels * shape.classes + shape.classes,
    flops: l.lastChannels * shape.classes,
  });
}

/**
 * Floats of one image held for the backward pass of one single-path step, summed over the network:
 * every BatchNorm'd tensor of the path counted ~3× (conv output, normalised x̂, ReLU6 output). With
 * `widest` each layer runs its largest candidate (the estimate of a step's peak over all paths).
 */
export function pathActivationFloats(
  l: MobileNetLayout,
  size: number,
  layerOptions: (i: number) => readonly MobileNetOption[],
): number {
  let h = strided(size, l.stemStride);
  let floats = 3 * h * h * l.stemChannels + 3 * h * h * (l.stemChannels + l.firstChannels);
  layerSpecs(l).forEach((spec, i) => {
    const hOut = strided(h, spec.stride);
    let worst = 0;
    for (const o of layerOptions(i)) {
      if (o.kind === 'skip') continue;
      const mid = Math.round(spec.cin * o.expansion);
      worst = Math.max(worst, 3 * (h * h * mid + hOut * hOut * mid + hOut * hOut * spec.cout));
    }
    floats += worst;
    h = hOut;
  });
  return floats + 3 * h * h * l.lastChannels;
}

/**
 * Bytes per float of pathActivationFloats and per supernet parameter, fitted on the cpu backend with
 * peakTensorBytes over a single-path SGD step of tiny supernets (supernet.test.ts prints the
 * measurement with MOBILENET_MEASURE=1; 15.1 and 15.9 B per float at batch 4 on 8×8 and batch 8 on
 * 16×16): 4 B for each counted tensor, as much again for its gradient at the backward pass's peak, and
 * the backward's own temporaries; a parameter is its gradient and the optimiser's update of it.
 */
export const MOBILENET_STEP_BYTES = { perFloat: 16, perParam: 8 };

/**
 * Peak bytes of one single-path training step (SPOS, random search, regularized evolution: the
 * strategies that run on this space) at `batch`, the widest candidate on every layer. A mix step
 * (all candidates at once) would need about (number of MBConv options)× the activations.
 */
export function estimateMobileNetStepBytes(
  l: MobileNetLayout,
  size: number,
  batch: number,
  options: readonly MobileNetOption[],
  supernetParams: number,
): number {
  const floats = pathActivationFloats(l, size, () => options);
  return batch * floats * MOBILENET_STEP_BYTES.perFloat + supernetParams * MOBILENET_STEP_BYTES.perParam;
}
