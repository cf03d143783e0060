import type {
  ChoicePoint,
  ChoiceWeights,
  Choices,
  InputShape,
  SearchSpace,
  SpaceSpec,
} from '../../search/space';
import type { Rng } from '../../util/rng';
import {
  formatMobileNet,
  mobileNetFromJson,
  mobileNetToJson,
  MobileNetArchError,
  optionIndex,
  parseMobileNet,
  validateMobileNetArch,
  type MobileNetArch,
} from './arch';
import { estimateMobileNetStepBytes, networkCount } from './cost';
import {
  layerSpecs,
  MobileNetSpaceSchema,
  optionName,
  resolveLayout,
  spaceOptions,
  type MobileNetLayerSpec,
  type MobileNetLayout,
  type MobileNetOption,
  type MobileNetSpace,
} from './search-space';

export type { MobileNetArch };

/** The one label: a row per searchable layer, so the dashboard's heatmap reads as the network, top to bottom. */
export const MOBILENET_LABEL = 'layers';

/**
 * The MobileNet-like space of ProxylessNAS on the engine's contract: label 'layers', one row per
 * searchable layer, the candidate MBConvs and 'skip' as options. 'skip' is a column of every row but
 * only allowed on layers with an identity shortcut (stride 1, equal widths): sample, mutate,
 * crossover and derive never pick it elsewhere, fromChoices refuses it there. No row is ever −1.
 */
export class MobileNetSearchSpace implements SearchSpace<MobileNetArch> {
  readonly name = 'mobilenet';
  readonly choicePoints: ChoicePoint[];
  readonly summary: string;
  readonly layout: MobileNetLayout;
  readonly layers: MobileNetLayerSpec[];
  readonly options: MobileNetOption[];
  /** Per layer, the option indices it allows. */
  private readonly allowed: number[][];

  constructor(readonly config: MobileNetSpace) {
    this.layout = resolveLayout(config);
    this.layers = layerSpecs(this.layout);
    this.options = spaceOptions(config);
    this.allowed = this.layers.map((l) =>
      this.options.flatMap((o, k) => (o.kind === 'skip' && !l.residual ? [] : [k])),
    );
    this.choicePoints = [
      {
        label: MOBILENET_LABEL,
        kind: 'block',
        title: 'layers',
        rows: this.layers.map((l) => l.row),
        options: this.options.map(optionName),
      },
    ];
    const l = this.layout;
    this.summary = `MobileNet ${this.layers.length} layers (${l.widths.join('/')}), ${this.options.length} options, stem stride ${l.stemStride}`;
  }

  toJson(arch: MobileNetArch): unknown {
    validateMobileNetArch(arch, this);
    return mobileNetToJson(arch, this);
  }
  fromJson(json: unknown, source = 'architecture'): MobileNetArch {
    return mobileNetFromJson(json, this, source);
  }
  toText(arch: MobileNetArch): string {
    validateMobileNetArch(arch, this);
    return formatMobileNet(arch, this);
  }
  fromText(text: string, source = 'architecture'): MobileNetArch {
    try {
      return parseMobileNet(text, this);
    } catch (e) {
      throw new MobileNetArchError(`${source}: ${(e as Error).message}`);
    }
  }

  choices(arch: MobileNetArch): Choices {
    validateMobileNetArch(arch, this);
    return { [MOBILENET_LABEL]: arch.layers.map((name, i) => optionIndex(this, name, i, `layer ${i}`)) };
  }

  fromChoices(c: Choices): MobileNetArch {
    const extra = Object.keys(c).filter((l) => l !== MOBILENET_LABEL);
    if (extra.length)
      throw new MobileNetArchError(
        `the MobileNet space has the one label '${MOBILENET_LABEL}', got also ${extra.map((l) => `'${l}'`).join(', ')}`,
      );
    const row = c[MOBILENET_LABEL];
    if (!Array.isArray(row) || row.length !== this.layers.length)
      throw new MobileNetArchError(
        `choices for '${MOBILENET_LABEL}' need ${this.layers.length} layers, got ${Array.isArray(row) ? row.length : 'none'}`,
      );
    return {
      layers: row.map((k, i) => {
        const where = `choices for layer ${this.layers[i].row}`;
        if (!(Number.isInteger(k) && k >= 0 && k < this.options.length))
          throw new MobileNetArchError(`${where}: option ${k} is not one of 0..${this.options.length - 1}`);
        if (!this.allowed[i].includes(k))
          throw new MobileNetArchError(
            `${where}: '${optionName(this.options[k])}' is not allowed here (stride ${this.layers[i].stride}, ${this.layers[i].cin} → ${this.layers[i].cout} channels)`,
          );
        return optionName(this.options[k]);
      }),
    };
  }

  /** Argmax per layer over the options it allows (ProxylessNAS's chosen_op: argmax of the path weights); first maximum on ties. */
  derive(w: ChoiceWeights): MobileNetArch {
    const rows = w[MOBILENET_LABEL];
    if (!Array.isArray(rows) || rows.length !== this.layers.length)
      throw new MobileNetArchError(
        `weights for '${MOBILENET_LABEL}' need ${this.layers.length} rows, got ${Array.isArray(rows) ? rows.length : 'none'}`,
      );
    return this.fromChoices({
      [MOBILENET_LABEL]: rows.map((r, i) => {
        if (
          !Array.isArray(r) ||
          r.length !== this.options.length ||
          r.some((v) => typeof v !== 'number' || Number.isNaN(v))
        )
          throw new MobileNetArchError(
            `weights for layer ${this.layers[i].row} need ${this.options.length} numbers (one per option), got ${JSON.stringify(r)}`,
          );
        let best = this.allowed[i][0];
        for (const k of this.allowed[i]) if (r[k] > r[best]) best = k;
        return best;
      }),
    });
  }

  /** Each layer's option uniformly among those it allows (SPOS's and ProxylessNAS's uniform path). */
  sample(rng: Rng): MobileNetArch {
    return this.fromChoices({ [MOBILENET_LABEL]: this.allowed.map((a) => a[rng.int(a.length)]) });
  }

  /**
   * Without `probability`: one uniformly chosen layer with more than one allowed option takes a
   * different one, uniformly. With it: every layer is redrawn among its allowed options with that
   * probability (SPOS; a redraw may keep the option).
   */
  mutate(arch: MobileNetArch, rng: Rng, options: { probability?: number } = {}): MobileNetArch {
    const c = this.choices(arch)[MOBILENET_LABEL];
    const p = options.probability;
    if (p !== undefined) {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`mutation probability must be in [0, 1], got ${p}`);
      c.forEach((_, i) => {
        if (rng.uniform() < p) c[i] = this.allowed[i][rng.int(this.allowed[i].length)];
      });
    } else {
      const movable = this.allowed.flatMap((a, i) => (a.length > 1 ? [i] : []));
      if (movable.length === 0)
        throw new Error('this MobileNet space has one architecture: nothing to mutate');
      const i = movable[rng.int(movable.length)];
      const others = this.allowed[i].filter((k) => k !== c[i]);
      c[i] = others[rng.int(others.length)];
    }
    return this.fromChoices({ [MOBILENET_LABEL]: c });
  }

  /** Each layer's option from one parent or the other, with probability ½ each (both are allowed there). */
  crossover(a: MobileNetArch, b: MobileNetArch, rng: Rng): MobileNetArch {
    const ca = this.choices(a)[MOBILENET_LABEL];
    const cb = this.choices(b)[MOBILENET_LABEL];
    return this.fromChoices({ [MOBILENET_LABEL]: ca.map((k, i) => (rng.uniform() < 0.5 ? k : cb[i])) });
  }

  private archOptions(arch: MobileNetArch): (i: number) => MobileNetOption[] {
    const c = this.choices(arch)[MOBILENET_LABEL];
    return (i) => [this.options[c[i]]];
  }

  /** The supernet holds every allowed candidate of every layer; an architecture its own network. */
  readonly cost = {
    supernetParams: (s: InputShape) => networkCount(this.layout, s, (i) => this.allowedOptions(i)).params,
    supernetFlops: (s: InputShape) => networkCount(this.layout, s, (i) => this.allowedOptions(i)).flops,
    stepBytes: (s: InputShape, batch: number) =>
      estimateMobileNetStepBytes(this.layout, s.size, batch, this.options, this.cost.supernetParams(s)),
    archParams: (a: MobileNetArch, s: InputShape) => networkCount(this.layout, s, this.archOptions(a)).params,
    archFlops: (a: MobileNetArch, s: InputShape) => networkCount(this.layout, s, this.archOptions(a)).flops,
  };

  allowedOptions(i: number): MobileNetOption[] {
    return this.allowed[i].map((k) => this.options[k]);
  }

  /** Option indices layer i allows. */
  allowedAt(i: number): readonly number[] {
    return this.allowed[i];
  }
}

export const mobileNetSpaceSpec = {
  name: 'mobilenet',
  title: 'MobileNet-like layers (ProxylessNAS)',
  description:
    'A MobileNetV2-style network whose searchable layers each pick an inverted-bottleneck block (MBConv: depthwise kernel 3, 5 or 7 × expansion 3 or 6) or skip the layer where its shape allows; 21 layers in six stages by default, for 32×32 images (or the ImageNet layout for 224×224).',
  reference:
    'Cai, Zhu & Han, ProxylessNAS (ICLR 2019); mit-han-lab/proxylessnas search/models/super_nets/super_proxyless.py, search/modules/layers.py; the space of SPOS-style searches such as megvii-model/RLNAS mobilenet_search_space',
  schema: MobileNetSpaceSchema,
  create: (config: MobileNetSpace) => new MobileNetSearchSpace(config),
} satisfies SpaceSpec<typeof MobileNetSpaceSchema, MobileNetArch>;
