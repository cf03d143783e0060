import * as tf from '../tf';
import type { Module } from './module';
import { decodeSafetensors, encodeSafetensors, type SafetensorsInput } from './safetensors';

/**
 * A module's state (trainable parameters and buffers such as BatchNorm running statistics) as plain
 * arrays keyed by hierarchical name (docs/naming.md), the unit that checkpoints and weight files store.
 */
export interface NamedWeight {
  shape: number[];
  data: Float32Array;
}
export type NamedWeights = Map<string, NamedWeight>;

export interface SetNamedWeightsOptions {
  /**
   * true (default): every state name of the module must be given and no other name, like PyTorch's
   * load_state_dict(strict=True). false: missing and unexpected names are skipped and reported.
   */
  strict?: boolean;
}

export interface SetNamedWeightsResult {
  /** Module state names that `weights` did not provide (left unchanged). */
  missing: string[];
  /** Names in `weights` that the module does not have (ignored). */
  unexpected: string[];
}

/** Metadata key recording the array layout of the weights (conv HWIO, depthwise HW C 1, linear [in, out]). */
export const WEIGHTS_LAYOUT_KEY = 'nas_studio.layout';
export const WEIGHTS_LAYOUT = 'tfjs-nhwc';

/** Copies every parameter and buffer of `module` out of the backend. */
export function getNamedWeights(module: Module): NamedWeights {
  const out: NamedWeights = new Map();
  for (const [name, v] of module.namedState()) {
    // A copy: on the cpu backend dataSync() may hand out the backend's own storage.
    out.set(name, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as ArrayLike<number>) });
  }
  return out;
}

/**
 * getNamedWeights on every backend: the whole state in one awaited read (webgpu in Node cannot read
 * synchronously; one gathering is one round trip to the device). The same values, in the same order.
 */
export async function readNamedWeights(module: Module): Promise<NamedWeights> {
  const state = module.namedState();
  const values = await Promise.all(state.map(([, v]) => v.data()));
  const out: NamedWeights = new Map();
  // A copy, as getNamedWeights: the cpu backend's data() may hand out its own storage too.
  state.forEach(([name, v], i) =>
    out.set(name, { shape: [...v.shape], data: Float32Array.from(values[i] as ArrayLike<number>) }),
  );
  return out;
}

function listNames(names: string[]): string {
  const shown = names.slice(0, 8).join(', ');
  return names.length > 8 ? `${shown} and ${names.length - 8} more` : shown;
}

/**
 * Assigns named weights to the module's variables. Every check (names, shapes, value counts) runs
 * before the first assignment, so a rejected call leaves the module untouched.
 */
export function setNamedWeights(
  module: Module,
  weights: NamedWeights | Record<string, NamedWeight>,
  options: SetNamedWeightsOptions = {},
): SetNamedWeightsResult {
  const strict = options.strict ?? true;
  const given = weights instanceof Map ? weights : new Map(Object.entries(weights));
  const state = module.namedState();
  const stateNames = new Set(state.map(([n]) => n));
  const missing = state.map(([n]) => n).filter((n) => !given.has(n));
  const unexpected = [...given.keys()].filter((n) => !stateNames.has(n));

  const problems: string[] = [];
  if (strict && missing.length) problems.push(`missing ${missing.length} weight(s): ${listNames(missing)}`);
  if (strict && unexpected.length)
    problems.push(`unexpected ${unexpected.length} weight(s): ${listNames(unexpected)}`);
  const misShaped: string[] = [];
  for (const [name, v] of state) {
    const w = given.get(name);
    if (!w) continue;
    const sameShape = w.shape.length === v.shape.length && w.shape.every((d, i) => d === v.shape[i]);
    if (!sameShape) misShaped.push(`${name} is [${w.shape}] but the module has [${v.shape}]`);
    else if (w.data.length !== v.size)
      misShaped.push(`${name} has ${w.data.length} values for shape [${w.shape}]`);
  }
  if (misShaped.length) problems.push(`mis-shaped weight(s): ${listNames(misShaped)}`);
  if (problems.length) throw new Error(`cannot load weights into the module: ${problems.join('; ')}`);

  for (const [name, v] of state) {
    const w = given.get(name);
    if (!w) continue;
    tf.tidy(() => v.assign(tf.tensor(w.data, v.shape, v.dtype)));
  }
  return { missing, unexpected };
}

/** The module's state as a safetensors file (F32), with the array layout recorded in the metadata. */
export function moduleToSafetensors(module: Module, metadata: Record<string, string> = {}): Uint8Array {
  const tensors = new Map<string, SafetensorsInput>(getNamedWeights(module));
  return encodeSafetensors(tensors, { ...metadata, [WEIGHTS_LAYOUT_KEY]: WEIGHTS_LAYOUT });
}

/**
 * Loads a safetensors file into the module by name (float dtypes are converted to float32). Refuses
 * files whose recorded layout is not ours (e.g. PyTorch's OIHW conv weights) and integer tensors.
 */
export function loadSafetensorsIntoModule(
  bytes: Uint8Array,
  module: Module,
  options: SetNamedWeightsOptions = {},
): SetNamedWeightsResult & { metadata: Record<string, string> } {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const layout = metadata[WEIGHTS_LAYOUT_KEY];
  if (layout !== undefined && layout !== WEIGHTS_LAYOUT) {
    throw new Error(`weights file has layout '${layout}'; this engine reads '${WEIGHTS_LAYOUT}'`);
  }
  const weights: NamedWeights = new Map();
  for (const [name, t] of tensors) {
    if (!(t.data instanceof Float32Array || t.dtype === 'F64')) {
      throw new Error(`weights file tensor '${name}' has dtype ${t.dtype}; float weights are needed`);
    }
    weights.set(name, {
      shape: t.shape,
      data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data),
    });
  }
  return { ...setNamedWeights(module, weights, options), metadata };
}
