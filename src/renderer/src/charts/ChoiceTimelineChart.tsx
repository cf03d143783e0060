import { useMemo } from 'react';
import { useChartInk } from '../theme/use-chart-ink';
import type { LabelTimeline } from '../dashboard/timeline';
import { EChart } from './EChart';

/** Distinct colours for the options, in order; 'none' (no connection) is drawn dark whatever its index. */
const PALETTE = [
  '#60a5fa',
  '#f97316',
  '#22c55e',
  '#e879f9',
  '#facc15',
  '#2dd4bf',
  '#f43f5e',
  '#a78bfa',
  '#a3e635',
  '#fb923c',
];
const NONE_COLOUR = '#64748b';
/** Rows the architecture does not use: their strongest option's colour, faded to this opacity. */
const FADED = 0.3;

export function optionColour(options: readonly string[], k: number): string {
  if (options[k] === 'none') return NONE_COLOUR;
  // Skip 'none''s slot so the other options keep distinct colours.
  const none = options.indexOf('none');
  const i = none >= 0 && k > none ? k - 1 : k;
  return PALETTE[i % PALETTE.length];
}

function faded(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${FADED})`;
}

const ROW_PX = 20;

/**
 * One label's decisions over the epochs: rows down, epoch records across, each cell coloured by the
 * option the derived architecture keeps there; rows it does not use are faded (their colour is the
 * option the row's weights favour). The legend is HTML below the chart, one swatch per option.
 */
export function ChoiceTimelineChart({ timeline }: { timeline: LabelTimeline }) {
  const ink = useChartInk();
  const { title, rows, options, columns, cells } = timeline;
  const K = options.length;
  const option = useMemo(() => {
    const rowLabelPx = 12 + 6.5 * Math.max(4, ...rows.map((r) => r.length));
    // A cell's value: its option, plus K when the row is not used (a faded piece of the same colour).
    const data = cells.map((c) => [c.x, c.y, c.option + (c.known && !c.kept.length ? K : 0)]);
    const pieces = options.flatMap((_, k) => [
      { value: k, color: optionColour(options, k) },
      { value: k + K, color: faded(optionColour(options, k)) },
    ]);
    return {
      title: {
        text: `${title}: the architecture after each epoch`,
        textStyle: { fontSize: 13 },
        left: 'center',
      },
      tooltip: {
        formatter: (p: { dataIndex: number }) => {
          const c = cells[p.dataIndex];
          const col = columns[c.x];
          const where = `epoch record ${c.x + 1}${col.phase ? ` (${col.phase}, epoch ${col.epoch})` : ''}`;
          const what = !c.known
            ? `strongest: ${options[c.option]} (the architecture could not be read)`
            : c.kept.length
              ? `kept: ${c.kept.map((k) => options[k]).join(' + ')}`
              : `not kept (strongest: ${options[c.option]})`;
          const w = Number.isFinite(c.weight) ? ` · weight ${c.weight.toFixed(3)}` : '';
          return `${where}<br/>${rows[c.y]} · ${what}${w}`;
        },
      },
      grid: { left: rowLabelPx, right: 16, top: 30, bottom: 40 },
      xAxis: {
        type: 'category',
        name: 'epoch record',
        nameLocation: 'middle',
        nameGap: 24,
        data: columns.map((_, i) => String(i + 1)),
        splitArea: { show: false },
      },
      yAxis: { type: 'category', data: rows, inverse: true, axisLabel: { interval: 0, fontSize: 11 } },
      visualMap: { type: 'piecewise', show: false, dimension: 2, pieces },
      series: [
        {
          type: 'heatmap',
          data,
          itemStyle: { borderColor: ink.gap, borderWidth: 1 },
          emphasis: { itemStyle: { borderColor: ink.strong, borderWidth: 1 } },
        },
      ],
    };
  }, [title, rows, options, columns, cells, K, ink]);
  return (
    <div style={{ display: 'inline-block', width: '50%', verticalAlign: 'top' }}>
      <EChart
        option={option}
        label={`${title} architecture timeline`}
        height={70 + rows.length * ROW_PX}
        points={cells.length}
      />
      <div
        aria-label={`${title} timeline legend`}
        style={{ display: 'flex', flexWrap: 'wrap', gap: '2px 12px', fontSize: 11, padding: '0 8px 8px' }}
      >
        {options.map((o, k) => (
          <span key={o}>
            <span
              style={{
                display: 'inline-block',
                width: 10,
                height: 10,
                marginRight: 4,
                background: optionColour(options, k),
              }}
            />
            {o}
          </span>
        ))}
        <span style={{ opacity: 0.75 }}>faded: not kept (the option its weights favour)</span>
      </div>
    </div>
  );
}
