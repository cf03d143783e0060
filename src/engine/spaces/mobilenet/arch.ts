import { optionName, SKIP, type MobileNetLayerSpec, type MobileNetOption } from './search-space';

/**
 * A discrete MobileNet-like architecture: the option of every searchable layer in network order,
 * as names ('k3e6': 3×3 depthwise, expansion 6; 'skip': the layer is the identity). Plain JSON.
 */
export interface MobileNetArch {
  layers: string[];
}

/** Something wrong with an architecture, its text or its file; the message names the problem. */
export class MobileNetArchError extends Error {
  override name = 'MobileNetArchError';
}

export const MOBILENET_ARCH_FORMAT = 'nas-studio.mobilenet-arch';
export const MOBILENET_ARCH_VERSION = 1;

export interface MobileNetArchFile {
  format: typeof MOBILENET_ARCH_FORMAT;
  version: typeof MOBILENET_ARCH_VERSION;
  /** The text notation: stages separated by ' | ', layers by spaces ('k3e3 k5e6 skip | k7e6 …'). */
  arch: string;
}

/** What the codec needs of a space: its layers and its options. */
export interface MobileNetCodecSpace {
  layers: readonly MobileNetLayerSpec[];
  options: readonly MobileNetOption[];
}

/** The reference's module_str for an option name ('5x5_MBConv6', 'Zero'), accepted by the parser too. */
function referenceName(o: MobileNetOption): string {
  return o.kind === 'skip' ? 'Zero' : `${o.kernel}x${o.kernel}_MBConv${o.expansion}`;
}

/** The option index of a name at a layer, or an error naming the layer and what it allows. */
export function optionIndex(s: MobileNetCodecSpace, name: unknown, layer: number, where: string): number {
  const spec = s.layers[layer];
  if (typeof name !== 'string')
    throw new MobileNetArchError(
      `${where}: the option must be a name like 'k3e6', got ${JSON.stringify(name)}`,
    );
  const k = s.options.findIndex((o) => optionName(o) === name || referenceName(o) === name);
  if (k < 0)
    throw new MobileNetArchError(
      `${where}: unknown option '${name}' (this space's options: ${s.options.map(optionName).join(', ')})`,
    );
  if (s.options[k].kind === 'skip' && !spec.residual)
    throw new MobileNetArchError(
      `${where}: '${SKIP}' needs stride 1 and equal widths in and out, but this layer goes ${spec.cin} → ${spec.cout} channels at stride ${spec.stride}`,
    );
  return k;
}

const layerName = (spec: MobileNetLayerSpec) => `layer ${spec.stage + 1}.${spec.index}`;

/** Throws unless `arch` has one allowed option per layer, naming the first problem. */
export function validateMobileNetArch(
  arch: unknown,
  s: MobileNetCodecSpace,
  source = 'architecture',
): asserts arch is MobileNetArch {
  const layers = (arch as { layers?: unknown } | null)?.layers;
  if (typeof arch !== 'object' || arch === null || !Array.isArray(layers))
    throw new MobileNetArchError(
      `${source}: a MobileNet architecture is { layers: [one option name per layer] }`,
    );
  if (layers.length !== s.layers.length)
    throw new MobileNetArchError(
      `${source}: this space has ${s.layers.length} searchable layers, got ${layers.length} in 'layers'`,
    );
  layers.forEach((op, i) => optionIndex(s, op, i, `${source}, ${layerName(s.layers[i])}`));
}

/** The text notation: one group per stage, ' | ' between stages. */
export function formatMobileNet(arch: MobileNetArch, s: MobileNetCodecSpace): string {
  const stages: string[][] = [];
  s.layers.forEach((spec, i) => (stages[spec.stage] ??= []).push(arch.layers[i]));
  return stages.map((g) => g.join(' ')).join(' | ');
}

export function parseMobileNet(text: string, s: MobileNetCodecSpace): MobileNetArch {
  if (typeof text !== 'string')
    throw new MobileNetArchError(`a MobileNet architecture string is text, got ${typeof text}`);
  const t = text.trim();
  const groups = t.split('|').map((g) => g.trim().split(/\s+/).filter(Boolean));
  const depths: number[] = [];
  s.layers.forEach((spec) => (depths[spec.stage] = (depths[spec.stage] ?? 0) + 1));
  if (groups.length !== depths.length)
    throw new MobileNetArchError(
      `'${t}': this space has ${depths.length} stage${depths.length === 1 ? '' : 's'} ('|'-separated), got ${groups.length}`,
    );
  const layers: string[] = [];
  groups.forEach((g, stage) => {
    if (g.length !== depths[stage])
      throw new MobileNetArchError(
        `'${t}', stage ${stage + 1}: has ${depths[stage]} layer${depths[stage] === 1 ? '' : 's'}, got ${g.length}`,
      );
    g.forEach((name, j) => {
      const i = layers.length;
      const k = optionIndex(s, name, i, `'${t}', stage ${stage + 1} layer ${j}`);
      layers.push(optionName(s.options[k]));
    });
  });
  return { layers };
}

export function mobileNetToJson(arch: MobileNetArch, s: MobileNetCodecSpace): MobileNetArchFile {
  return { format: MOBILENET_ARCH_FORMAT, version: MOBILENET_ARCH_VERSION, arch: formatMobileNet(arch, s) };
}

/** Reads an architecture file (the object, or its JSON text), checking the header and the string. */
export function mobileNetFromJson(
  json: unknown,
  s: MobileNetCodecSpace,
  source = 'architecture',
): MobileNetArch {
  let obj = json;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json);
    } catch (e) {
      throw new MobileNetArchError(`${source}: not JSON (${(e as Error).message})`);
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    throw new MobileNetArchError(
      `${source}: expected an object { format: '${MOBILENET_ARCH_FORMAT}', version: 1, arch: 'k3e6 … | …' }`,
    );
  const f = obj as Partial<Record<keyof MobileNetArchFile, unknown>>;
  if (f.format !== MOBILENET_ARCH_FORMAT)
    throw new MobileNetArchError(
      `${source}: format is ${JSON.stringify(f.format)}, expected '${MOBILENET_ARCH_FORMAT}'`,
    );
  if (f.version !== MOBILENET_ARCH_VERSION)
    throw new MobileNetArchError(
      `${source}: version ${JSON.stringify(f.version)} is not supported (this build reads version ${MOBILENET_ARCH_VERSION})`,
    );
  if (typeof f.arch !== 'string')
    throw new MobileNetArchError(
      `${source}: 'arch' must be the architecture string, got ${JSON.stringify(f.arch)}`,
    );
  try {
    return parseMobileNet(f.arch, s);
  } catch (e) {
    throw new MobileNetArchError(`${source}: ${(e as Error).message}`);
  }
}
