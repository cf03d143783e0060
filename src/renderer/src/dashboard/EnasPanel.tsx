import { RnnCellDiagram } from '../charts/RnnCellDiagram';
import type { SampledEpoch } from './enas';
import { layoutRnnCell } from './enas-rnn';

/**
 * On the RNN cell space: the latest epoch's most sampled cell (the controller's mode) drawn as a
 * graph of its nodes and their activations, or a line saying why it cannot be drawn.
 */
function LatestRnnCell({ epoch }: { epoch: SampledEpoch }) {
  const top = epoch.archs[0];
  if (!top) return null;
  let layout;
  try {
    layout = layoutRnnCell(top.text);
  } catch (e) {
    return <p style={{ opacity: 0.7 }}>Could not draw the cell: {(e as Error).message}</p>;
  }
  return (
    <RnnCellDiagram
      title={`most sampled cell, epoch ${epoch.epoch + 1} (${(100 * top.share).toFixed(0)}% of its samples)`}
      layout={layout}
    />
  );
}

/**
 * ENAS: the controller's most sampled architectures per epoch (share of that epoch's controller
 * samples, mean reward), latest epoch first; on the RNN cell space the latest epoch's most sampled
 * cell drawn. The reward, baseline, advantage and entropy curves are the metric charts (the
 * strategy's declared metrics); the derived cell is drawn in the architecture panel.
 */
export function EnasPanel({
  sampled,
  space,
  max = 8,
}: {
  sampled: SampledEpoch[];
  /** The run's space name (the RNN cell gets its drawing). */
  space?: string;
  max?: number;
}) {
  if (!sampled.length) return null;
  return (
    <section aria-label="ENAS sampled architectures">
      <h3>Most sampled architectures per epoch</h3>
      {space === 'enas-rnn' && <LatestRnnCell epoch={sampled[0]} />}
      <table style={{ fontSize: 12, borderCollapse: 'collapse' }}>
        <thead>
          <tr>
            <th align="left">epoch</th>
            <th align="right">share</th>
            <th align="right">mean reward</th>
            <th align="left">architecture (text notation)</th>
          </tr>
        </thead>
        <tbody>
          {sampled.slice(0, max).flatMap((e) =>
            e.archs.map((a, i) => (
              <tr
                key={`${e.epoch}-${i}`}
                style={{ borderTop: i === 0 ? '1px solid var(--border-strong)' : undefined }}
              >
                <td>{i === 0 ? e.epoch + 1 : ''}</td>
                <td align="right">{(100 * a.share).toFixed(0)}%</td>
                <td align="right">{a.meanReward.toFixed(3)}</td>
                <td>
                  <code>{a.text}</code>
                </td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </section>
  );
}
