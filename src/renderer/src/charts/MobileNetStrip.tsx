import type { MobileNetLayer } from '../dashboard/mobilenet';

const W = 46;
const GAP = 6;
const STAGE_GAP = 18;
const H = 120;
/** Colour per kernel size; a block's height grows with its expansion. */
const KERNEL_COLOUR: Record<number, string> = { 3: '#3b82f6', 5: '#8b5cf6', 7: '#f59e0b' };

/**
 * A MobileNet-like architecture as a strip of its searchable layers, input left: each MBConv a block
 * labelled with its kernel (colour) and expansion (height), 'skip' a faint dashed slot, stages
 * separated by a wider gap and numbered below. SVG, so labels are text.
 */
export function MobileNetStrip({ title, layers }: { title: string; layers: MobileNetLayer[] }) {
  const maxE = Math.max(1, ...layers.map((l) => ('skip' in l ? 1 : l.expansion)));
  // Each block's left edge: the blocks before it, plus a wider gap at every stage boundary before it.
  const boxes = layers.map((l, i) => ({ l, at: i * (W + GAP) + l.stage * STAGE_GAP }));
  const width = Math.max(layers.length * (W + GAP) + (layers.at(-1)?.stage ?? 0) * STAGE_GAP, 1);
  const stages = [...new Set(layers.map((l) => l.stage))].map((s) => {
    const own = boxes.filter((b) => b.l.stage === s);
    return { s, mid: (own[0].at + own[own.length - 1].at + W) / 2 };
  });
  return (
    <figure style={{ margin: '8px 0' }}>
      <figcaption style={{ fontSize: 13, fontWeight: 'bold', marginBottom: 4 }}>{title}</figcaption>
      <svg
        role="img"
        aria-label={`${title} diagram`}
        viewBox={`-4 -4 ${width + 8} ${H + 28}`}
        style={{ width: '100%', maxWidth: width + 8, height: 'auto' }}
      >
        {boxes.map(({ l, at }, i) => {
          if ('skip' in l)
            return (
              <g key={i}>
                <rect
                  x={at}
                  y={H / 2 - 14}
                  width={W}
                  height={28}
                  rx={4}
                  fill="none"
                  style={{ stroke: 'var(--border-strong)' }}
                  strokeDasharray="4 3"
                />
                <text
                  x={at + W / 2}
                  y={H / 2 + 4}
                  textAnchor="middle"
                  fontSize={11}
                  style={{ fill: 'var(--muted)' }}
                >
                  skip
                </text>
              </g>
            );
          const h = 40 + ((H - 40) * l.expansion) / maxE;
          return (
            <g key={i}>
              <rect
                x={at}
                y={(H - h) / 2}
                width={W}
                height={h}
                rx={4}
                fill={KERNEL_COLOUR[l.kernel] ?? '#64748b'}
              />
              <text x={at + W / 2} y={H / 2 - 2} textAnchor="middle" fontSize={12} fill="#fff">
                {`${l.kernel}×${l.kernel}`}
              </text>
              <text x={at + W / 2} y={H / 2 + 13} textAnchor="middle" fontSize={11} fill="#fff">
                {`e${l.expansion}`}
              </text>
            </g>
          );
        })}
        {stages.map(({ s, mid }) => (
          <text key={s} x={mid} y={H + 18} textAnchor="middle" fontSize={11} style={{ fill: 'var(--muted)' }}>
            {`stage ${s + 1}`}
          </text>
        ))}
      </svg>
    </figure>
  );
}
