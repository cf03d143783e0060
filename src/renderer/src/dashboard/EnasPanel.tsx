import type { SampledEpoch } from './enas';

/**
 * ENAS: the controller's most sampled architectures per epoch (share of that epoch's controller
 * samples, mean reward), latest epoch first. The reward, baseline, advantage and entropy curves are
 * the metric charts (the strategy's declared metrics).
 */
export function EnasPanel({ sampled, max = 8 }: { sampled: SampledEpoch[]; max?: number }) {
  if (!sampled.length) return null;
  return (
    <section aria-label="ENAS sampled architectures">
      <h3>Most sampled architectures per epoch</h3>
      <table style={{ fontSize: 12, borderCollapse: 'collapse' }}>
        <thead>
          <tr>
            <th align="left">epoch</th>
            <th align="right">share</th>
            <th align="right">mean reward</th>
            <th align="left">architecture (arc string)</th>
          </tr>
        </thead>
        <tbody>
          {sampled.slice(0, max).flatMap((e) =>
            e.archs.map((a, i) => (
              <tr key={`${e.epoch}-${i}`} style={{ borderTop: i === 0 ? '1px solid #334' : undefined }}>
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
