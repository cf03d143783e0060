import { z } from 'zod';

/**
 * The MobileNet-like layer space of ProxylessNAS (Cai, Zhu & Han, ICLR 2019; mit-han-lab/proxylessnas
 * search/models/super_nets/super_proxyless.py, imagenet_arch_search.py) as data, tfjs-free. Every
 * searchable layer picks one MBConv (kernel × expansion) or, where the layer keeps its shape, 'skip'
 * (the reference's Zero op: the block's output is its residual, i.e. the layer is the identity).
 */

/** The two preset layouts: the reference's ImageNet one and the usual 32×32 change of it. */
export const MOBILENET_LAYOUTS = ['cifar', 'imagenet'] as const;
export type MobileNetLayoutName = (typeof MOBILENET_LAYOUTS)[number];

/** A resolved layout: every size the networks are built from. */
export interface MobileNetLayout {
  stemChannels: number;
  stemStride: number;
  /** Output width of the fixed first block (3×3 MBConv with expansion 1). */
  firstChannels: number;
  widths: number[];
  depths: number[];
  strides: number[];
  /** The final 1×1 conv's width (the reference's feature_mix_layer). */
  lastChannels: number;
}

/**
 * imagenet_arch_search.py defaults (width_mult 1): first conv 3×3 s2 → 32, 3×3_MBConv1 → 16, stages
 * 24/40/80/96/192/320 × 4/4/4/4/4/1 at strides 2/2/2/1/2/1, feature mix 1×1 → 1280: 224 → 7 px.
 * 'cifar' keeps the widths and depths and drops the two first reductions (stem stride 1, first stage
 * stride 1): 32 → 4 px, the same final-map size ratio as CIFAR variants of MobileNetV2 use.
 */
export const MOBILENET_PRESETS: Record<MobileNetLayoutName, MobileNetLayout> = {
  imagenet: {
    stemChannels: 32,
    stemStride: 2,
    firstChannels: 16,
    widths: [24, 40, 80, 96, 192, 320],
    depths: [4, 4, 4, 4, 4, 1],
    strides: [2, 2, 2, 1, 2, 1],
    lastChannels: 1280,
  },
  cifar: {
    stemChannels: 32,
    stemStride: 1,
    firstChannels: 16,
    widths: [24, 40, 80, 96, 192, 320],
    depths: [4, 4, 4, 4, 4, 1],
    strides: [1, 2, 2, 1, 2, 1],
    lastChannels: 1280,
  },
};

export const MOBILENET_KERNELS = [3, 5, 7] as const;
export const MOBILENET_EXPANSIONS = [3, 6] as const;
export const SKIP = 'skip';

const width = (title: string, description: string) =>
  z.number().int().min(1).max(4096).optional().meta({ title, description });
const stride = z.union([z.literal(1), z.literal(2)]);

export const MobileNetSpaceSchema = z
  .object({
    name: z.literal('mobilenet').meta({ title: 'space', description: 'MobileNet-like layer space' }),
    layout: z.enum(MOBILENET_LAYOUTS).default('cifar').meta({
      title: 'layout',
      description:
        "the preset the fields below override: 'imagenet' is ProxylessNAS's (stem stride 2, stage strides 2/2/2/1/2/1, for 224×224); 'cifar' (default) its 32×32 change, stem and first stage at stride 1",
    }),
    stemChannels: width('stem channels', 'width of the 3×3 stem conv; ProxylessNAS: 32'),
    stemStride: stride
      .optional()
      .meta({ title: 'stem stride', description: "ProxylessNAS: 2 (224×224); 'cifar' layout: 1" }),
    firstChannels: width(
      'first block channels',
      'output width of the fixed 3×3 MBConv1 after the stem; ProxylessNAS: 16',
    ),
    widths: z.array(z.number().int().min(1).max(4096)).min(1).optional().meta({
      title: 'stage widths',
      description: 'output channels of each stage; ProxylessNAS: 24, 40, 80, 96, 192, 320',
    }),
    depths: z.array(z.number().int().min(1).max(32)).min(1).optional().meta({
      title: 'stage depths',
      description: 'searchable layers per stage; ProxylessNAS: 4, 4, 4, 4, 4, 1 (21 layers)',
    }),
    strides: z.array(stride).min(1).optional().meta({
      title: 'stage strides',
      description:
        "stride of each stage's first layer; ProxylessNAS: 2, 2, 2, 1, 2, 1; 'cifar' layout: 1, 2, 2, 1, 2, 1",
    }),
    lastChannels: width(
      'final conv channels',
      'width of the 1×1 conv before the pooling; ProxylessNAS: 1280',
    ),
    kernels: z
      .array(z.union([z.literal(3), z.literal(5), z.literal(7)]))
      .min(1)
      .default([...MOBILENET_KERNELS])
      .refine((k) => new Set(k).size === k.length, 'kernel sizes must not repeat')
      .meta({
        title: 'kernel sizes',
        description: 'depthwise kernels of the candidate MBConvs; ProxylessNAS: 3, 5, 7',
      }),
    expansions: z
      .array(z.number().int().min(1).max(12))
      .min(1)
      .default([...MOBILENET_EXPANSIONS])
      .refine((e) => new Set(e).size === e.length, 'expansion ratios must not repeat')
      .meta({
        title: 'expansion ratios',
        description: 'inverted-bottleneck expansions of the candidate MBConvs; ProxylessNAS: 3, 6',
      }),
    skip: z.boolean().default(true).meta({
      title: 'skip option',
      description:
        "offer 'skip' (the layer is the identity) where a layer has stride 1 and equal widths in and out, never on a stage's first layer; ProxylessNAS: yes (its Zero op)",
    }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const base = MOBILENET_PRESETS[c.layout ?? 'cifar'];
    const n = (c.widths ?? base.widths).length;
    for (const key of ['depths', 'strides'] as const) {
      const len = (c[key] ?? base[key]).length;
      if (len !== n)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} has ${len} stage${len === 1 ? '' : 's'} but widths has ${n}: give one value per stage`,
        });
    }
  });
export type MobileNetSpace = z.infer<typeof MobileNetSpaceSchema>;

/** The layout a config describes: its preset with the given fields replaced. */
export function resolveLayout(c: MobileNetSpace): MobileNetLayout {
  const p = MOBILENET_PRESETS[c.layout];
  const l: MobileNetLayout = {
    stemChannels: c.stemChannels ?? p.stemChannels,
    stemStride: c.stemStride ?? p.stemStride,
    firstChannels: c.firstChannels ?? p.firstChannels,
    widths: [...(c.widths ?? p.widths)],
    depths: [...(c.depths ?? p.depths)],
    strides: [...(c.strides ?? p.strides)],
    lastChannels: c.lastChannels ?? p.lastChannels,
  };
  if (l.depths.length !== l.widths.length || l.strides.length !== l.widths.length)
    throw new Error(
      `mobilenet space: widths (${l.widths.length}), depths (${l.depths.length}) and strides (${l.strides.length}) need one value per stage`,
    );
  return l;
}

/** One candidate MBConv; `kind: 'skip'` is the identity. */
export type MobileNetOption = { kind: 'mbconv'; kernel: number; expansion: number } | { kind: 'skip' };

export const optionName = (o: MobileNetOption): string =>
  o.kind === 'skip' ? SKIP : `k${o.kernel}e${o.expansion}`;

/** The options in the reference's order (kernel-major: 3x3_MBConv3, 3x3_MBConv6, 5x5_MBConv3, …), 'skip' last. */
export function spaceOptions(c: Pick<MobileNetSpace, 'kernels' | 'expansions' | 'skip'>): MobileNetOption[] {
  const out: MobileNetOption[] = [];
  for (const kernel of c.kernels)
    for (const expansion of c.expansions) out.push({ kind: 'mbconv', kernel, expansion });
  if (c.skip) out.push({ kind: 'skip' });
  return out;
}

/** One searchable layer of the network. */
export interface MobileNetLayerSpec {
  stage: number;
  /** Index inside its stage. */
  index: number;
  cin: number;
  cout: number;
  stride: number;
  /** Stride 1 and cin = cout: the reference gives the block an identity shortcut (and the Zero option). */
  residual: boolean;
  /** Row name for charts: '2.0 40 ↓2' (stage.layer, width, a reduction mark). */
  row: string;
}

export function layerSpecs(l: MobileNetLayout): MobileNetLayerSpec[] {
  const out: MobileNetLayerSpec[] = [];
  let cin = l.firstChannels;
  l.widths.forEach((cout, s) => {
    for (let i = 0; i < l.depths[s]; i++) {
      const stride = i === 0 ? l.strides[s] : 1;
      out.push({
        stage: s,
        index: i,
        cin,
        cout,
        stride,
        residual: stride === 1 && cin === cout,
        row: `${s + 1}.${i} ${cout}${stride === 2 ? ' ↓2' : ''}`,
      });
      cin = cout;
    }
  });
  return out;
}

/** Side after a k×k conv with padding k//2 at `stride` (odd k): ⌈h / stride⌉. */
export const strided = (h: number, stride: number): number => Math.ceil(h / stride);
