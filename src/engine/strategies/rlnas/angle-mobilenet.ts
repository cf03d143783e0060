import type { Choices, SearchSpace } from '../../search/space';
import type { Supernet } from '../../search/supernet';
import { MOBILENET_LABEL } from '../../spaces/mobilenet/space';
import { optionName } from '../../spaces/mobilenet/search-space';
import { MobileNetSupernet } from '../../spaces/mobilenet/supernet';
import { identityMatrix, type RlnasSpaceParts, type VectorBlock } from './angle';

/**
 * The fixed parts on the reference's vector: the stem conv (`conv_bn[0]`), the first block's depthwise
 * and pointwise convs (`MBConv_ratio_1.conv[0]`, `conv[3]`), the final 1×1 conv (`conv_1x1_bn[0]`) and
 * the classifier's weight (`classifier[0].weight`): conv kernels only, none of their BNs, no bias.
 */
const FIXED = [
  'stem.first_conv.conv.weight',
  'stem.first_block.depth_conv.conv.weight',
  'stem.first_block.point_linear.conv.weight',
  'head.feature_mix_layer.conv.weight',
  'head.classifier.weight',
];

/**
 * A chosen MBConv's parameters on the vector: the reference takes `conv[0]` (1×1 expand), `conv[1]`
 * (its BN's γ, β), `conv[3]` (depthwise), `conv[4]` (its BN's γ, β) and `conv[6]` (1×1 project), and
 * not `conv[7]`, the BN after the projection. An expansion-1 candidate (not in the reference's
 * space, which searches ratios 3 and 6) has no expand conv: the rest, by the same rule.
 */
const EXPAND = [
  'inverted_bottleneck.conv.weight',
  'inverted_bottleneck.bn.weight',
  'inverted_bottleneck.bn.bias',
];
const DEPTHWISE_AND_PROJECT = [
  'depth_conv.conv.weight',
  'depth_conv.bn.weight',
  'depth_conv.bn.bias',
  'point_linear.conv.weight',
];

/**
 * The MobileNet-like space's weight vector (megvii-model/RLNAS mobilenet_search_space/rlnas/
 * evolution_search/test_server.py, get_arch_vector). The network is a chain, so there is one path
 * and never a cut one: the fixed parts (FIXED) plus, for every searchable layer, its chosen block's
 * parameters (EXPAND, DEPTHWISE_AND_PROJECT) or, for `skip` (the reference's −1, an identity layer),
 * eye(C_out, C_in) as a constant — C × C, since `skip` is only allowed where the widths match.
 * No path constraint: the reference's supernet training and evolution draw every layer's option
 * uniformly among those it allows (train.py, search.py; its identity-count limit is commented out),
 * which is the space's own sampler.
 */
export function mobilenetRlnas(net: Supernet, _space: SearchSpace): RlnasSpaceParts {
  if (!(net instanceof MobileNetSupernet))
    throw new Error('the MobileNet angle vector needs the MobileNet supernet');
  const { layers, options } = net.space;
  const names = new Set(net.namedParameters().map(([n]) => n));
  const parameter = (name: string): VectorBlock => {
    if (!names.has(name))
      throw new Error(
        `RLNAS angle (MobileNet): the supernet has no parameter '${name}' (its layout changed?)`,
      );
    return { kind: 'parameter', name };
  };
  const fixed = FIXED.map(parameter);

  // Per layer and option: its blocks, or null where the layer does not allow the option.
  const optionBlocks = layers.map((layer, i) => {
    const allowed = new Set(net.space.allowedAt(i));
    return options.map((o, k): VectorBlock[] | null => {
      if (!allowed.has(k)) return null;
      if (o.kind === 'skip') return [identityMatrix(layer.cout)];
      const own = o.expansion === 1 ? DEPTHWISE_AND_PROJECT : [...EXPAND, ...DEPTHWISE_AND_PROJECT];
      return own.map((n) => parameter(`blocks.${i}.candidate_ops.${k}.${n}`));
    });
  });

  return {
    blocks(choices: Choices): VectorBlock[] {
      const row = choices[MOBILENET_LABEL];
      if (!row || row.length !== layers.length)
        throw new Error(
          `RLNAS angle (MobileNet): choices need ${layers.length} options for '${MOBILENET_LABEL}', got ${row ? row.length : 'none'}`,
        );
      const out = [...fixed];
      row.forEach((k, i) => {
        const own = optionBlocks[i][k];
        if (!own)
          throw new Error(
            `RLNAS angle (MobileNet): layer ${layers[i].row} does not allow option ${k}${options[k] ? ` ('${optionName(options[k])}')` : ''}`,
          );
        out.push(...own);
      });
      return out;
    },
  };
}
