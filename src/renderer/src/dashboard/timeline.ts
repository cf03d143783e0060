import type { SearchSpace } from '../../../engine/search/space';
import type { LabelSnapshot } from '../../../engine/search/strategy';
import { edgeInputs } from '../../../engine/spaces/darts/search-space';
import type { EpochRecord } from './metrics-log';

/**
 * The discrete architecture over time: per label of the space, per decision (row) and epoch record,
 * the option the derived architecture keeps there, or, where the architecture does not use the row
 * (an edge a DARTS node dropped), the option the row's weights favour, marked as not kept.
 */

/** Per row of a label, the options the architecture keeps on it (empty: the row is not used). */
export type KeptOptions = Record<string, number[][]>;

/** Any space: the architecture as one option per row (−1: not used), read back from its text notation. */
function keptByChoices(space: SearchSpace, record: EpochRecord): KeptOptions | null {
  try {
    const arch =
      typeof record.genotypeText === 'string'
        ? space.fromText(record.genotypeText)
        : space.fromJson(record.genotype);
    const choices = space.choices(arch);
    return Object.fromEntries(
      Object.entries(choices).map(([label, row]) => [label, row.map((k) => (k >= 0 ? [k] : []))]),
    );
  } catch {
    return null;
  }
}

interface DartsGenes {
  normal: Array<[string, number]>;
  reduce: Array<[string, number]>;
}
const isDartsGenes = (g: unknown): g is DartsGenes =>
  !!g && Array.isArray((g as DartsGenes).normal) && Array.isArray((g as DartsGenes).reduce);

/**
 * DARTS cells: each node's (op, input) pairs onto its edges. Read from the genes, not through the
 * space's one-option-per-edge choices: GDAS's derivation may keep two ops on one edge.
 */
function keptByDartsGenes(space: SearchSpace, record: EpochRecord): KeptOptions | null {
  const g = record.genotype;
  if (!isDartsGenes(g)) return keptByChoices(space, record);
  const out: KeptOptions = {};
  for (const cp of space.choicePoints) {
    const genes = g[cp.label as keyof DartsGenes];
    if (!Array.isArray(genes)) return null;
    const nodes = genes.length / 2;
    const edges = edgeInputs(nodes);
    if (edges.length !== cp.rows.length) return null;
    const rows: number[][] = cp.rows.map(() => []);
    genes.forEach(([op, input], k) => {
      const e = edges.findIndex((x) => x.node === Math.floor(k / 2) && x.input === input);
      const o = cp.options.indexOf(op);
      if (e >= 0 && o >= 0) rows[e].push(o);
    });
    out[cp.label] = rows;
  }
  return out;
}

/** How each space's architectures are read onto its rows, by space name; others use `choices`. */
const KEPT_READERS: Record<string, (space: SearchSpace, record: EpochRecord) => KeptOptions | null> = {
  darts: keptByDartsGenes,
};

/** What the derived architecture of one epoch record keeps on each row, or null if it cannot be read. */
export function keptOptions(space: SearchSpace, record: EpochRecord): KeptOptions | null {
  return (KEPT_READERS[space.name] ?? keptByChoices)(space, record);
}

/** The index of a row's largest weight (the first on ties), as the heatmaps' "chosen" column. */
function argmax(vals: number[]): number {
  let k = 0;
  for (let j = 1; j < vals.length; j++) if (vals[j] > vals[k]) k = j;
  return k;
}

export interface TimelineCell {
  /** Column: the epoch record's index. */
  x: number;
  /** Row: the decision. */
  y: number;
  /** The option shown: the kept one (the first of several), else the row's strongest. */
  option: number;
  /** Every option the architecture keeps on the row (none: the row is not used). */
  kept: number[];
  /** False when the epoch's architecture could not be read: the strongest option, not a kept one. */
  known: boolean;
  /** The snapshot's weight of the shown option. */
  weight: number;
}

export interface LabelTimeline {
  label: string;
  title: string;
  rows: string[];
  options: string[];
  /** Per column: the epoch (within its phase, 1-based) and the phase. */
  columns: Array<{ epoch: number; phase?: string }>;
  cells: TimelineCell[];
}

/**
 * The timeline of every label of the space (labels the snapshot holds beside them, such as
 * PC-DARTS's β, are not decisions of the architecture). Without a space, the snapshot's labels with
 * each row's strongest option.
 */
export function choiceTimeline(epochs: EpochRecord[], space: SearchSpace | null): LabelTimeline[] {
  const newest = epochs.at(-1);
  if (!newest) return [];
  const labels = space
    ? space.choicePoints.map((cp) => cp.label).filter((l) => newest.arch[l])
    : Object.keys(newest.arch);
  const kept = epochs.map((r) => (space ? keptOptions(space, r) : null));
  return labels.map((label) => {
    const s: LabelSnapshot = newest.arch[label];
    const cells: TimelineCell[] = [];
    epochs.forEach((r, x) => {
      const snap = r.arch[label];
      if (!snap) return;
      const k = kept[x]?.[label];
      snap.values.forEach((vals, y) => {
        const onRow = k?.[y] ?? [];
        const option = onRow.length ? onRow[0] : argmax(vals);
        cells.push({ x, y, option, kept: onRow, known: !!k, weight: vals[option] ?? NaN });
      });
    });
    return {
      label,
      title: s.title,
      rows: s.rows,
      options: s.options,
      columns: epochs.map((r) => ({ epoch: r.epoch + 1, ...(r.phase ? { phase: r.phase } : {}) })),
      cells,
    };
  });
}
