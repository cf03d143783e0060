import { looseEnds, type CellType, type EnasMicroArch } from './arch';
import { reductionLayers, type EnasMicroSpace } from './search-space';

/** The search network's cell layout, tfjs-free: the cost model (and so the catalog) reads it as the supernet does. */

/** Per cell of the network: its type, its channels, and the pre-reduction of a reduction cell. */
export interface MicroLayout {
  type: CellType;
  C: number;
  c0: number;
  c1: number;
  /** The older input is twice the size of the newer (calibrated by a factorized reduction). */
  halve: boolean;
  /** A reduction cell's input: the previous output reduced from `preC` channels (search network). */
  preC?: number;
}

/**
 * The search network's cells (micro_child.py _model with no fixed arc): L + 2 cells; at the reduction
 * layers F doubles, the previous output is factorized-reduced to 2F first and the cell runs at stride
 * 1 on [previous output, its reduction] (the older one then calibrated down). Stem 3F.
 */
export function searchLayout(space: EnasMicroSpace): MicroLayout[] {
  const red = reductionLayers(space.layers);
  let C = space.channels;
  let c0 = 3 * C;
  let c1 = 3 * C;
  const out: MicroLayout[] = [];
  for (let l = 0; l < space.layers + 2; l++) {
    if (red.includes(l)) {
      C *= 2;
      out.push({ type: 'reduce', C, c0: c1, c1: C, halve: true, preC: c1 });
      c0 = C; // the reduced previous output becomes the next cell's older input
    } else {
      out.push({ type: 'normal', C, c0, c1, halve: false });
      c0 = c1;
    }
    c1 = C;
  }
  return out;
}

/** One fixed cell's shape: its type, width, stride, input channels and whether the older input is twice the size. */
export interface FixedCellShape {
  type: 'normal' | 'reduce';
  C: number;
  stride: 1 | 2;
  c0: number;
  c1: number;
  halve: boolean;
  /** Output channels: loose ends × C. */
  out: number;
}

/** The fixed network's cells (micro_child.py _model with a fixed arc: reduction cells at stride 2). */
export function fixedLayout(arch: EnasMicroArch, F: number, L: number): FixedCellShape[] {
  const red = reductionLayers(L);
  let C = F;
  let c0 = 3 * F;
  let c1 = 3 * F;
  let halve = false;
  const out: FixedCellShape[] = [];
  for (let l = 0; l < L + 2; l++) {
    const type = red.includes(l) ? 'reduce' : 'normal';
    if (type === 'reduce') C *= 2;
    const o = looseEnds(arch[type]).length * C;
    out.push({ type, C, stride: type === 'reduce' ? 2 : 1, c0, c1, halve, out: o });
    halve = type === 'reduce';
    c0 = c1;
    c1 = o;
  }
  return out;
}
