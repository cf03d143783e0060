import type { Genotype } from './genotype-types';

/**
 * The cells published with DARTS (Liu et al., ICLR 2019; the reference repository's genotypes.py):
 * DARTS_V1 from first-order search, DARTS_V2 from second-order search (the paper's Fig. 4/5 cells,
 * 2.76% CIFAR-10 error with C=36, 20 layers, cutout and auxiliary head).
 */
const DARTS_V1: Genotype = {
  normal: [
    ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 0],
    ['skip_connect', 0],
    ['sep_conv_3x3', 1],
    ['skip_connect', 0],
    ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 0],
    ['skip_connect', 2],
  ],
  normalConcat: [2, 3, 4, 5],
  reduce: [
    ['max_pool_3x3', 0],
    ['max_pool_3x3', 1],
    ['skip_connect', 2],
    ['max_pool_3x3', 0],
    ['max_pool_3x3', 0],
    ['skip_connect', 2],
    ['skip_connect', 2],
    ['avg_pool_3x3', 0],
  ],
  reduceConcat: [2, 3, 4, 5],
};

const DARTS_V2: Genotype = {
  normal: [
    ['sep_conv_3x3', 0],
    ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 0],
    ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 1],
    ['skip_connect', 0],
    ['skip_connect', 0],
    ['dil_conv_3x3', 2],
  ],
  normalConcat: [2, 3, 4, 5],
  reduce: [
    ['max_pool_3x3', 0],
    ['max_pool_3x3', 1],
    ['skip_connect', 2],
    ['max_pool_3x3', 1],
    ['max_pool_3x3', 0],
    ['skip_connect', 2],
    ['skip_connect', 2],
    ['max_pool_3x3', 1],
  ],
  reduceConcat: [2, 3, 4, 5],
};

export const GENOTYPE_PRESET_NAMES = ['DARTS_V1', 'DARTS_V2'] as const;
export type GenotypePresetName = (typeof GENOTYPE_PRESET_NAMES)[number];

export const GENOTYPE_PRESETS: Readonly<Record<GenotypePresetName, Genotype>> = { DARTS_V1, DARTS_V2 };

export function isGenotypePresetName(name: string): name is GenotypePresetName {
  return (GENOTYPE_PRESET_NAMES as readonly string[]).includes(name);
}

/** A fresh copy of a preset (callers may mutate it), or a clear error naming the known presets. */
export function getGenotypePreset(name: string): Genotype {
  if (!isGenotypePresetName(name)) {
    throw new Error(`unknown genotype preset '${name}' (known: ${GENOTYPE_PRESET_NAMES.join(', ')})`);
  }
  const g = GENOTYPE_PRESETS[name];
  return {
    normal: g.normal.map(([op, i]) => [op, i]),
    normalConcat: [...g.normalConcat],
    reduce: g.reduce.map(([op, i]) => [op, i]),
    reduceConcat: [...g.reduceConcat],
  };
}
