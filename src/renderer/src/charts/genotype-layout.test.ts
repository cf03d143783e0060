import { describe, expect, it } from 'vitest';
import { GENOTYPE_PRESETS } from '../../../engine/spaces/darts/presets';
import { DartsSearchSpace } from '../../../engine/spaces/darts/space';
import { DartsSpaceSchema } from '../../../engine/spaces/darts/search-space';
import { DARTS_PRIMITIVES } from '../../../engine/spaces/darts/primitives-contract';
import { Rng } from '../../../engine/util/rng';
import {
  GLYPH_EM,
  LABEL_FONT,
  LINE_EM,
  layoutCell,
  type Box,
  type CellGenes,
  type CellLayout,
} from './genotype-layout';

/** Open boxes meet (touching edges do not count). */
const intersect = (a: Box, b: Box) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const inside = (a: Box, w: number, h: number) => a.x >= 0 && a.y >= 0 && a.x + a.w <= w && a.y + a.h <= h;

/** Every promise of the layout, checked on its numbers. */
function checkLayout(cell: CellGenes, l: CellLayout): void {
  const labels = l.edges.map((e) => e.label);
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++)
      expect(intersect(labels[i], labels[j]), `labels ${i} and ${j} overlap`).toBe(false);
    for (const n of l.nodes)
      expect(intersect(labels[i], n.box), `label ${i} covers node ${n.state}`).toBe(false);
    expect(inside(labels[i], l.width, l.height), `label ${i} leaves the view box`).toBe(true);
  }
  for (const n of l.nodes) expect(inside(n.box, l.width, l.height)).toBe(true);
  for (let i = 0; i < l.nodes.length; i++)
    for (let j = i + 1; j < l.nodes.length; j++)
      expect(intersect(l.nodes[i].box, l.nodes[j].box)).toBe(false);
  // Each box holds its text at the stated bound (glyph advance and line height), independently computed.
  for (const e of l.edges) {
    const longest = Math.max(...e.ops.map((op) => op.length));
    expect(e.label.w).toBeGreaterThanOrEqual(longest * GLYPH_EM * LABEL_FONT);
    expect(e.label.h).toBeGreaterThanOrEqual(e.ops.length * LINE_EM * LABEL_FONT);
  }
  // Every gene is drawn on the arc from its input to its node, and every path starts at its source's
  // top edge and ends at its target's.
  const target = (e: number) => cell.nodes?.[e] ?? Math.floor(e / 2) + 2;
  const drawn = l.edges.flatMap((e) => e.ops.map((op) => `${op}:${e.from}>${e.to}`)).sort();
  expect(drawn).toEqual(cell.gene.map(([op, i], e) => `${op}:${i}>${target(e)}`).sort());
  for (const e of l.edges) {
    const nums = e.path.match(/-?[\d.]+/g)!.map(Number);
    const [sx, sy] = nums;
    const [tx, ty] = nums.slice(-2);
    const src = l.nodes[e.from].box;
    const dst = l.nodes[e.to].box;
    expect(sx > src.x && sx < src.x + src.w && Math.abs(sy - src.y) < 0.2).toBe(true);
    expect(tx > dst.x && tx < dst.x + dst.w && Math.abs(ty - (dst.y - 1)) < 0.2).toBe(true);
  }
}

const dense = (g: Array<[string, number]>, concat: number[]): CellGenes => ({ gene: g, concat });

describe('genotype diagram layout', () => {
  it('numbers states as the text notation: c_{k−2}, c_{k−1}, then 2, 3, … and the output c_{k}', () => {
    const l = layoutCell(dense(GENOTYPE_PRESETS.DARTS_V2.normal, [2, 3, 4, 5]));
    expect(l.nodes.map((n) => n.name.base + (n.name.sub ? `_${n.name.sub}` : ''))).toEqual([
      'c_k−2',
      'c_k−1',
      '2',
      '3',
      '4',
      '5',
      'c_k',
    ]);
    // DARTS_V2's last normal node reads node 2 through dil_conv_3x3 (genotypes.py): the arc 2 → 5.
    expect(l.edges.find((e) => e.ops.includes('dil_conv_3x3'))).toMatchObject({ from: 2, to: 5 });
  });

  for (const name of ['DARTS_V1', 'DARTS_V2'] as const)
    for (const cell of ['normal', 'reduce'] as const)
      it(`${name} ${cell}: no label overlaps another, a node or the view box`, () => {
        const g = GENOTYPE_PRESETS[name];
        const c = dense(g[cell], cell === 'normal' ? g.normalConcat : g.reduceConcat);
        checkLayout(c, layoutCell(c));
      });

  it('sparse cells (FairDARTS-style): nodes with no input, one input, several ops on one edge', () => {
    const cells: CellGenes[] = [
      // Node 3 has no input, node 4 one; node 5 takes three, two of them on the same edge.
      {
        gene: [
          ['sep_conv_3x3', 0],
          ['skip_connect', 1],
          ['dil_conv_5x5', 2],
          ['sep_conv_5x5', 0],
          ['skip_connect', 0],
          ['max_pool_3x3', 4],
        ],
        nodes: [2, 2, 4, 5, 5, 5],
        concat: [2, 4, 5],
      },
      // A single kept edge.
      { gene: [['avg_pool_3x3', 1]], nodes: [2], concat: [2] },
      // Every edge of a 4-node cell kept (FairDARTS with a low threshold).
      {
        gene: [2, 3, 4, 5].flatMap((t) =>
          Array.from({ length: t }, (_, i) => ['sep_conv_3x3', i] as [string, number]),
        ),
        nodes: [2, 3, 4, 5].flatMap((t) => Array.from({ length: t }, () => t)),
        concat: [2, 3, 4, 5],
      },
    ];
    for (const c of cells) checkLayout(c, layoutCell(c));
  });

  it('200 random genotypes from the space sampler (1 to 8 nodes) and 200 random sparse cells', () => {
    const rng = new Rng(7);
    for (let k = 0; k < 200; k++) {
      const nodes = 1 + (k % 8);
      const space = new DartsSearchSpace(DartsSpaceSchema.parse({ name: 'darts', nodes }));
      const g = space.sample(rng);
      for (const cell of ['normal', 'reduce'] as const) {
        const c = dense(g[cell], cell === 'normal' ? g.normalConcat : g.reduceConcat);
        checkLayout(c, layoutCell(c));
      }
    }
    for (let k = 0; k < 200; k++) {
      const steps = 1 + (k % 6);
      const gene: Array<[string, number]> = [];
      const targets: number[] = [];
      for (let t = 2; t < steps + 2; t++)
        for (let i = 0; i < t; i++)
          // Each edge kept with probability 0.3, with one or (rarely) two ops.
          for (let n = rng.uniform() < 0.3 ? (rng.uniform() < 0.2 ? 2 : 1) : 0; n > 0; n--) {
            gene.push([DARTS_PRIMITIVES[rng.int(DARTS_PRIMITIVES.length)], i]);
            targets.push(t);
          }
      if (!gene.length) continue;
      const c = { gene, nodes: targets, concat: [...new Set(targets)] };
      checkLayout(c, layoutCell(c));
    }
  });

  it('the check fails on overlapping labels (it can fail)', () => {
    const l = layoutCell(dense(GENOTYPE_PRESETS.DARTS_V2.normal, [2, 3, 4, 5]));
    const moved = { ...l, edges: l.edges.map((e, i) => (i === 1 ? { ...e, label: l.edges[0].label } : e)) };
    expect(() => checkLayout(dense(GENOTYPE_PRESETS.DARTS_V2.normal, [2, 3, 4, 5]), moved)).toThrow();
  });
});
