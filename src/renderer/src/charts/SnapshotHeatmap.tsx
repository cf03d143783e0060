import { useMemo } from 'react';
import { useChartInk } from '../theme/use-chart-ink';
import type { LabelSnapshot } from '../../../engine/search/strategy';
import { KIND_TITLES } from '../dashboard/arch';
import { EChart } from './EChart';

const ROW_PX = 22;
/** Room under the cells for the options' names, rotated. */
const BOTTOM_PX = 84;
/** Cells labelled with their value when there are few enough to read (an NB201 cell: 6 × 5). */
const LABEL_CELLS_UP_TO = 48;

/**
 * One label of a strategy's snapshot as a heatmap: rows (edges, decisions) down, options across, on
 * an absolute 0–1 colour scale (probabilities and frequencies are comparable across epochs and
 * labels), with its legend and each value on hover. Rows may be shorter than the options (PC-DARTS's
 * β: node i has i + 2 inputs): their missing cells stay empty.
 */
export function SnapshotHeatmap({ snapshot }: { snapshot: LabelSnapshot }) {
  const ink = useChartInk();
  // The strategy's caption where the kind's generic name would mislead (PC-DARTS's softmax(α)·softmax(β)).
  const title = `${snapshot.title} ${snapshot.caption ?? KIND_TITLES[snapshot.kind] ?? snapshot.kind}`;
  const { rows, options, values } = snapshot;
  const option = useMemo(() => {
    const data = values.flatMap((r, e) => r.map((v, k) => [k, e, v]));
    const rowLabelPx = 12 + 6.5 * Math.max(4, ...rows.map((r) => r.length));
    const few = rows.length * options.length <= LABEL_CELLS_UP_TO;
    return {
      title: { text: title, textStyle: { fontSize: 13 }, left: 'center' },
      tooltip: {
        formatter: (p: { value: number[] }) =>
          `${rows[p.value[1]]} · ${options[p.value[0]]}: ${p.value[2].toFixed(3)}`,
      },
      grid: { left: rowLabelPx, right: 78, top: 30, bottom: BOTTOM_PX },
      xAxis: {
        type: 'category',
        data: options,
        axisLabel: { rotate: 40, interval: 0, fontSize: 11 },
        splitArea: { show: false },
      },
      yAxis: { type: 'category', data: rows, inverse: true, axisLabel: { interval: 0, fontSize: 11 } },
      visualMap: {
        min: 0,
        max: 1,
        calculable: false,
        orient: 'vertical',
        right: 8,
        top: 'middle',
        itemHeight: Math.max(80, rows.length * ROW_PX - 30),
        itemWidth: 12,
        text: ['1', '0'],
        textStyle: { color: ink.muted, fontSize: 11 },
        inRange: { color: ['#0f172a', '#1e3a8a', '#2563eb', '#38bdf8', '#fde047', '#f97316'] },
      },
      series: [
        {
          type: 'heatmap',
          data,
          itemStyle: { borderColor: ink.gap, borderWidth: 1 },
          label: few
            ? {
                show: true,
                fontSize: 10,
                color: '#f8fafc',
                textBorderColor: '#0f172a',
                textBorderWidth: 2,
                formatter: (p: { value: number[] }) => p.value[2].toFixed(2),
              }
            : { show: false },
          emphasis: { itemStyle: { borderColor: ink.strong, borderWidth: 1 } },
        },
      ],
    };
  }, [title, rows, options, values, ink]);
  return (
    <EChart
      option={option}
      label={`${title} heatmap`}
      height={30 + BOTTOM_PX + rows.length * ROW_PX}
      width="50%"
    />
  );
}
