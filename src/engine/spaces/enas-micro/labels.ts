import type { CellType } from './arch';

/** The choice-point labels of a cell type: its input picks and its op picks (two rows per node). */
export function inputsLabel(t: CellType): string {
  return `${t}-inputs`;
}
export function opsLabel(t: CellType): string {
  return `${t}-ops`;
}
