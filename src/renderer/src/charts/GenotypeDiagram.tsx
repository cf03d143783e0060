import { useId, useMemo } from 'react';
import {
  LABEL_FONT,
  LINE_EM,
  NODE_FONT,
  NODE_SUB_FONT,
  layoutCell,
  type CellLayout,
  type NodeName,
} from './genotype-layout';

/** The monospace stack the layout's glyph-width bound is stated for (genotype-layout.ts). */
const MONO = 'ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace';
const FILL: Record<string, string> = { input: '#64748b', node: '#3b82f6', output: '#f59e0b' };

/** A state's name with its subscript lowered (c_{k−2} as c with k−2 below), as the papers typeset it. */
function Name({ name, x, y }: { name: NodeName; x: number; y: number }) {
  return (
    <text
      x={x}
      y={y}
      textAnchor="middle"
      dominantBaseline="central"
      fill="#fff"
      fontFamily={MONO}
      fontSize={NODE_FONT}
    >
      {name.base}
      {name.sub && (
        <tspan fontSize={NODE_SUB_FONT} dy={3}>
          {name.sub}
        </tspan>
      )}
    </text>
  );
}

/** The drawing itself, from a computed layout (its boxes are what the layout tests check). */
export function CellSvg({ layout, arrowId }: { layout: CellLayout; arrowId: string }) {
  const lineH = LINE_EM * LABEL_FONT;
  return (
    <svg
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      width="100%"
      style={{ maxWidth: layout.width * 1.4, display: 'block' }}
      data-width={layout.width}
      data-height={layout.height}
    >
      <defs>
        <marker
          id={arrowId}
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" fill="#94a3b8" />
        </marker>
      </defs>
      {layout.concat.map((c) => (
        <path
          key={`concat-${c.from}`}
          d={c.path}
          fill="none"
          stroke="#94a3b8"
          strokeWidth={1.2}
          strokeDasharray="4 3"
          opacity={0.55}
          markerEnd={`url(#${arrowId})`}
        />
      ))}
      {layout.edges.map((e) => (
        <path
          key={`edge-${e.from}-${e.to}`}
          d={e.path}
          fill="none"
          stroke="#94a3b8"
          strokeWidth={1.4}
          strokeDasharray={e.ops.every((op) => op === 'none') ? '3 3' : undefined}
          markerEnd={`url(#${arrowId})`}
        />
      ))}
      {layout.nodes.map((n) => (
        <g key={`node-${n.state}`} data-node={n.state}>
          <rect x={n.box.x} y={n.box.y} width={n.box.w} height={n.box.h} rx={6} fill={FILL[n.kind]} />
          <Name name={n.name} x={n.box.x + n.box.w / 2} y={n.box.y + n.box.h / 2} />
        </g>
      ))}
      {layout.edges.map((e) => (
        <g key={`label-${e.from}-${e.to}`} data-edge={`${e.from}>${e.to}`}>
          <rect
            x={e.label.x}
            y={e.label.y}
            width={e.label.w}
            height={e.label.h}
            rx={3}
            fill="rgba(15, 23, 42, 0.92)"
            stroke="#334155"
            strokeWidth={0.6}
          />
          <text data-op-label="" textAnchor="middle" fill="#e2e8f0" fontFamily={MONO} fontSize={LABEL_FONT}>
            {e.ops.map((op, i) => (
              <tspan
                key={i}
                x={e.label.x + e.label.w / 2}
                y={e.label.y + (e.label.h - e.ops.length * lineH) / 2 + (i + 0.5) * lineH}
                dominantBaseline="central"
              >
                {op}
              </tspan>
            ))}
          </text>
        </g>
      ))}
    </svg>
  );
}

/**
 * One cell of a genotype: the states in the text notation's order (c_{k−2}, c_{k−1}, 2, 3, …) on a
 * line, every kept edge an arc labelled with its op, the output c_{k} concatenating the dashed arcs
 * below (genotype-layout.ts). Plain SVG, so the labels are text in the page and sit where the tested
 * layout puts them.
 */
export function GenotypeDiagram({
  title,
  gene,
  nodes,
  concat,
}: {
  title: string;
  gene: Array<[string, number]>;
  /** Sparse cells: the node each gene feeds; otherwise two genes per node, in order. */
  nodes?: number[];
  concat: number[];
}) {
  const layout = useMemo(() => layoutCell({ gene, nodes, concat }), [gene, nodes, concat]);
  const arrowId = `arrow-${useId().replace(/:/g, '')}`;
  return (
    <figure
      role="img"
      aria-label={`${title} diagram`}
      style={{
        display: 'inline-block',
        verticalAlign: 'top',
        width: '50%',
        margin: 0,
        padding: '0 8px',
        boxSizing: 'border-box',
      }}
    >
      <figcaption style={{ fontSize: 13, fontWeight: 'bold', marginBottom: 4 }}>{title}</figcaption>
      <CellSvg layout={layout} arrowId={arrowId} />
    </figure>
  );
}
