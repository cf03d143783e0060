/**
 * The layout of a DARTS cell diagram as plain numbers (no DOM, no fonts), so that a test can prove
 * what the drawing promises: no two op labels overlap, no label covers a node, nothing leaves the
 * view box. The cell is drawn as an arc diagram on one line, as the NAS-Bench-201 diagram is: the
 * states in the order the text notation numbers them (c_{k−2}, c_{k−1}, 2, 3, …) then the output
 * c_{k}; every kept edge an arc above the line with its op label at the arc's apex; the output's
 * concatenated inputs dashed arcs below the line (no labels).
 *
 * Why it cannot overlap: every label sits in a horizontal band (a "level") of its own height; an
 * arc's level is one above every shorter-or-equal arc whose span it overlaps (greedy layering, as
 * arc diagrams nest), so two arcs on one level span disjoint stretches of the line; a label is no
 * wider than the column step minus a gap, so it stays inside its arc's stretch; bands are stacked
 * with a gap, all above the nodes' tops. Several ops on one edge (sparse FairDARTS cells may keep
 * more than one) share one arc and one label of several lines.
 *
 * Text size is bounded, not measured: labels and node names are set in a monospace font, whose
 * glyphs advance at most GLYPH_EM em (DejaVu Sans Mono, Liberation Mono and Menlo: 0.60 em; Consolas
 * 0.55 em), and a line is at most LINE_EM em high (their ascent + descent: 1.13 to 1.17 em). The
 * web-mode e2e test measures the rendered text (getBBox) against these boxes.
 */

/** Upper bound on a monospace glyph's advance, in em. */
export const GLYPH_EM = 0.62;
/** Upper bound on a text line's height (ascent + descent), in em. */
export const LINE_EM = 1.25;
/** Font size (px) of the op labels. */
export const LABEL_FONT = 11;
/** Font size (px) of a node's name, and of its subscript (c_{k−2}). */
export const NODE_FONT = 12;
export const NODE_SUB_FONT = 9;

const LABEL_PAD_X = 3;
const LABEL_PAD_Y = 1.5;
/** Space between two labels side by side, and between stacked levels. */
const LABEL_GAP = 10;
const LEVEL_GAP = 5;
/** Room between a node's top and the lowest labels (the arcs rise there). */
const ABOVE_NODES = 16;
const NODE_H = 26;
const NODE_MIN_W = 30;
const NODE_PAD_X = 7;
/** Depth of the shortest concat arc below the nodes, and what each column of span adds. */
const CONCAT_DEPTH = 14;
const CONCAT_STEP = 7;
const MARGIN = 8;
const MIN_COLUMN = 56;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface NodeName {
  /** The name's main part ('c', '2') and its subscript ('k−2'; '' for intermediate nodes). */
  base: string;
  sub: string;
}

export interface CellNode {
  /** State index as the text notation numbers it: 0, 1 the inputs, 2… the nodes, steps + 2 the output. */
  state: number;
  kind: 'input' | 'node' | 'output';
  name: NodeName;
  box: Box;
}

export interface CellEdge {
  from: number;
  to: number;
  /** The ops on this edge (usually one; sparse cells may keep several). */
  ops: string[];
  level: number;
  /** SVG path data from the source's top to the target's top (arrow at the end). */
  path: string;
  label: Box;
}

export interface CellLayout {
  width: number;
  height: number;
  nodes: CellNode[];
  edges: CellEdge[];
  /** The output's inputs: dashed arcs below the line, no labels. */
  concat: Array<{ from: number; path: string }>;
}

/** The width bound of `text` at `size` px in the monospace font. */
export const textWidth = (text: string, size: number) => [...text].length * GLYPH_EM * size;

/** A state's name as the text notation writes it, with its subscript apart (drawn lowered). */
export function stateName(state: number, output: number): NodeName {
  if (state === output) return { base: 'c', sub: 'k' };
  if (state === 0) return { base: 'c', sub: 'k−2' };
  if (state === 1) return { base: 'c', sub: 'k−1' };
  return { base: String(state), sub: '' };
}

const nameWidth = (n: NodeName) => textWidth(n.base, NODE_FONT) + textWidth(n.sub, NODE_SUB_FONT);
const labelSize = (ops: string[]) => ({
  w: Math.max(...ops.map((op) => textWidth(op, LABEL_FONT))) + 2 * LABEL_PAD_X,
  h: ops.length * LINE_EM * LABEL_FONT + 2 * LABEL_PAD_Y,
});
const r1 = (v: number) => Math.round(v * 10) / 10;

export interface CellGenes {
  gene: Array<[string, number]>;
  /** Sparse cells: the node each gene feeds; otherwise two genes per node, in order. */
  nodes?: number[];
  concat: number[];
}

export function layoutCell({ gene, nodes: targets, concat }: CellGenes): CellLayout {
  const target = (e: number) => targets?.[e] ?? Math.floor(e / 2) + 2;
  const steps = Math.max(1, ...gene.map((_, e) => target(e) - 1), ...concat.map((s) => s - 1));
  const output = steps + 2;
  // One arc per (input, node) pair, its ops in gene order.
  const groups = new Map<string, { from: number; to: number; ops: string[] }>();
  gene.forEach(([op, input], e) => {
    const key = `${input}>${target(e)}`;
    const g = groups.get(key) ?? { from: input, to: target(e), ops: [] };
    g.ops.push(op);
    groups.set(key, g);
  });
  const arcs = [...groups.values()].map((g) => ({ ...g, size: labelSize(g.ops), level: 0 }));

  const names = Array.from({ length: output + 1 }, (_, s) => stateName(s, output));
  const nodeW = Math.max(NODE_MIN_W, ...names.map((n) => nameWidth(n) + 2 * NODE_PAD_X));
  const widest = Math.max(0, ...arcs.map((a) => a.size.w));
  // A span-1 label must fit between two neighbours' centres with a gap on each side.
  const column = Math.max(MIN_COLUMN, widest + LABEL_GAP, nodeW + LABEL_GAP);
  const x = (s: number) => MARGIN + nodeW / 2 + s * column;

  // Levels: shortest arcs first; an arc sits above every placed arc whose stretch overlaps its own.
  const order = [...arcs].sort((a, b) => a.to - a.from - (b.to - b.from) || a.from - b.from);
  const placed: typeof arcs = [];
  for (const a of order) {
    const below = placed.filter((p) => p.from < a.to && a.from < p.to).map((p) => p.level);
    a.level = below.length ? Math.max(...below) + 1 : 0;
    placed.push(a);
  }
  const levels = Math.max(0, ...arcs.map((a) => a.level + 1));
  const bandH = Array.from({ length: levels }, (_, l) =>
    Math.max(0, ...arcs.filter((a) => a.level === l).map((a) => a.size.h)),
  );
  const bandsH = bandH.reduce((s, h) => s + h + LEVEL_GAP, 0);
  const nodeTop = MARGIN + bandsH + ABOVE_NODES;
  const axis = nodeTop + NODE_H / 2;
  const nodeBottom = nodeTop + NODE_H;
  // Band l's centre: band 0 lowest, just above the nodes.
  const bandCentre: number[] = [];
  let bottom = nodeTop - ABOVE_NODES;
  for (let l = 0; l < levels; l++) {
    bandCentre.push(bottom - bandH[l] / 2);
    bottom -= bandH[l] + LEVEL_GAP;
  }

  const cellNodes: CellNode[] = names.map((name, s) => ({
    state: s,
    kind: s < 2 ? 'input' : s === output ? 'output' : 'node',
    name,
    box: { x: x(s) - nodeW / 2, y: axis - NODE_H / 2, w: nodeW, h: NODE_H },
  }));

  // Where arcs meet a node's top: leaving on its right half, arriving on its left half, spread out.
  const outgoing = (s: number) => arcs.filter((a) => a.from === s).sort((a, b) => a.to - b.to);
  const incoming = (s: number) => arcs.filter((a) => a.to === s).sort((a, b) => b.from - a.from);
  const half = nodeW / 2 - 4;
  const port = (list: typeof arcs, a: (typeof arcs)[number], sign: number, s: number) =>
    x(s) + (sign * half * (list.indexOf(a) + 1)) / (list.length + 1);

  const edges: CellEdge[] = arcs.map((a) => {
    const mid = (x(a.from) + x(a.to)) / 2;
    const y = bandCentre[a.level];
    const label: Box = { x: mid - a.size.w / 2, y: y - a.size.h / 2, w: a.size.w, h: a.size.h };
    const x0 = port(outgoing(a.from), a, 1, a.from);
    const x1 = port(incoming(a.to), a, -1, a.to);
    // Up from the source, level through the label, down into the target (the arrow's end).
    const path =
      `M${r1(x0)},${r1(nodeTop)} Q${r1(x0)},${r1(y)} ${r1(label.x)},${r1(y)} ` +
      `L${r1(label.x + label.w)},${r1(y)} Q${r1(x1)},${r1(y)} ${r1(x1)},${r1(nodeTop - 1)}`;
    return { from: a.from, to: a.to, ops: a.ops, level: a.level, path, label };
  });

  const concatDepth = (s: number) => nodeBottom + CONCAT_DEPTH + (output - s - 1) * CONCAT_STEP;
  const concatFrom = [...new Set(concat)].sort((a, b) => b - a);
  const concatArcs = concatFrom.map((s, i) => {
    const depth = concatDepth(s);
    const xs = x(s);
    const xe = x(output) - half + (2 * half * (i + 1)) / (concatFrom.length + 1);
    return {
      from: s,
      path:
        `M${r1(xs)},${r1(nodeBottom)} Q${r1(xs)},${r1(depth)} ${r1((xs + xe) / 2)},${r1(depth)} ` +
        `Q${r1(xe)},${r1(depth)} ${r1(xe)},${r1(nodeBottom + 1)}`,
    };
  });
  const deepest = Math.max(nodeBottom, ...concatFrom.map(concatDepth));
  return {
    width: r1(x(output) + nodeW / 2 + MARGIN),
    height: r1(deepest + MARGIN),
    nodes: cellNodes,
    edges,
    concat: concatArcs,
  };
}
