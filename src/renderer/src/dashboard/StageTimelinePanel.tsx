import { useMemo } from 'react';
import type { StageTimelinePlan } from '../../../engine/search/strategy';
import type { RunSummary } from '../../../shared/api';
import type { EpochRecord, PhaseRecord } from './metrics-log';
import { stageTimeline, type StageRow, type StageTimeline } from './stage-timeline';

const STATE_COLOUR: Record<StageRow['state'], string> = {
  done: '#22c55e',
  running: '#3b82f6',
  pending: '#64748b',
  halted: '#f59e0b',
};

/** An edge name with the cell inputs' subscripts typeset ('c_{k-2} → 2' as c with k−2 lowered). */
function EdgeName({ name }: { name: string }) {
  return (
    <>
      {name.split(/(c_\{[^}]*\})/).map((part, i) => {
        const m = /^c_\{([^}]*)\}$/.exec(part);
        return m ? (
          <span key={i}>
            c<sub>{m[1].replace('-', '−')}</sub>
          </span>
        ) : (
          part
        );
      })}
    </>
  );
}

/** The stage's epochs as a bar: the α-frozen warm-up, then α and weights; ended epochs filled. */
function EpochBar({ row }: { row: StageRow }) {
  const cells = Array.from({ length: row.epochs }, (_, e) => e);
  return (
    <span
      aria-label={`stage ${row.stage} epochs`}
      style={{ display: 'inline-flex', gap: 1, verticalAlign: 'middle', marginRight: 6 }}
    >
      {cells.map((e) => (
        <span
          key={e}
          title={`epoch ${e + 1}: ${e < row.warmupEpochs ? 'weights only (α frozen)' : 'α and weights'}`}
          style={{
            width: Math.max(3, Math.min(12, 240 / row.epochs)),
            height: 10,
            background: e < row.warmupEpochs ? '#94a3b8' : '#3b82f6',
            opacity: e < row.epochsEnded ? 1 : 0.3,
          }}
        />
      ))}
    </span>
  );
}

function epochsText(row: StageRow): string {
  const arch = row.epochs - row.warmupEpochs;
  if (row.warmupEpochs === 0) return `${row.epochs}, α and weights throughout`;
  if (arch <= 0) return `${row.epochs}, all α-frozen warm-up`;
  return `${row.epochs}: ${row.warmupEpochs} α-frozen warm-up + ${arch} α and weights`;
}

/** What a stage's end does: prune every edge to its kept ops (listed once recorded), or the final cell. */
function StageEnd({ row, last, timeline }: { row: StageRow; last: boolean; timeline: StageTimeline }) {
  if (last) {
    const limit = timeline.skipLimit;
    return (
      <>
        final cell: 1 op per edge (none dropped first), 2 edges per node
        {limit && (
          <div aria-label="skip limit">
            at most {limit.max} skip connections in the {limit.label} cell
            {limit.before !== undefined && limit.after !== undefined
              ? `: ${limit.before} before the limit → ${limit.after} after` +
                (limit.before > limit.after
                  ? ` (${limit.before - limit.after} replaced)`
                  : ' (none replaced)')
              : ''}
          </div>
        )}
      </>
    );
  }
  const count = row.dropped?.reduce((n, e) => n + e.ops.length, 0) ?? 0;
  return (
    <>
      each edge keeps {row.keepOps} of {row.opsPerEdge} ops
      {row.dropped ? (
        <details>
          <summary>
            {count} ops dropped on {row.dropped.length} edges
          </summary>
          <table
            aria-label={`stage ${row.stage} dropped ops`}
            style={{ fontSize: 12, borderCollapse: 'collapse' }}
          >
            <tbody>
              {row.dropped.map((e) => (
                <tr key={`${e.label}:${e.row}`}>
                  <td style={{ paddingRight: 8, opacity: 0.8 }}>{e.label}</td>
                  <td style={{ paddingRight: 8, fontFamily: 'monospace' }}>
                    <EdgeName name={e.edge} />
                  </td>
                  <td style={{ fontFamily: 'monospace' }}>{e.ops.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : (
        row.state === 'done' && <div style={{ opacity: 0.7 }}>(the dropped ops were not recorded)</div>
      )}
    </>
  );
}

/**
 * A staged search's stages (P-DARTS: 5 → 11 → 17 cells, 8 → 5 → 3 ops per edge): per stage its
 * network, its epochs with the α-frozen warm-up, where the run is, what its end dropped per edge,
 * and the final cell's skip-connection limit. Shown for strategies whose spec declares a
 * `stageTimeline`.
 */
export function StageTimelinePanel({
  plan,
  epochs,
  phases,
  status,
}: {
  plan: StageTimelinePlan;
  epochs: EpochRecord[];
  phases: PhaseRecord[];
  status: RunSummary['status'];
}) {
  const timeline = useMemo(() => stageTimeline(plan, epochs, phases, status), [plan, epochs, phases, status]);
  return (
    <section aria-label="stage timeline">
      <h3>Stages</h3>
      <table style={{ fontSize: 13, borderCollapse: 'collapse' }}>
        <thead>
          <tr style={{ textAlign: 'left', opacity: 0.8 }}>
            <th style={{ paddingRight: 12 }}>stage</th>
            <th style={{ paddingRight: 12 }}>cells</th>
            <th style={{ paddingRight: 12 }}>ops per edge</th>
            <th style={{ paddingRight: 12 }}>epochs</th>
            <th style={{ paddingRight: 12 }}>state</th>
            <th>at its end</th>
          </tr>
        </thead>
        <tbody>
          {timeline.rows.map((row, i) => (
            <tr
              key={row.phase}
              aria-label={`stage ${row.stage}`}
              style={{ borderTop: '1px solid #334', verticalAlign: 'top' }}
            >
              <td style={{ paddingRight: 12 }}>{row.stage}</td>
              <td style={{ paddingRight: 12 }}>{row.cells}</td>
              <td style={{ paddingRight: 12 }}>{row.opsPerEdge}</td>
              <td style={{ paddingRight: 12 }}>
                <EpochBar row={row} />
                {epochsText(row)}
              </td>
              <td style={{ paddingRight: 12, color: STATE_COLOUR[row.state] }}>
                {row.state === 'halted' ? status : row.state}
                {row.state !== 'pending' &&
                  ` (${Math.min(row.epochsEnded, row.epochs)}/${row.epochs} epochs)`}
                {row.stoppedEarly && <div style={{ fontSize: 12 }}>stopped early: {row.stoppedEarly}</div>}
              </td>
              <td>
                <StageEnd row={row} last={i === timeline.rows.length - 1} timeline={timeline} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
