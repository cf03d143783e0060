import type { RunProgressEvent, RunSummary } from '../../../shared/api';
import { api } from '../api';
import { formatDuration } from '../format';
import { formatCount } from '../../../shared/format-count';
import { RunNameNotes } from './RunNameNotes';

/** All runs: status, dataset, strategy, best validation accuracy, time; open, resume, delete, pick for comparison. */
export function RunsList(props: {
  runs: RunSummary[];
  progress: Record<string, RunProgressEvent>;
  selected: string | null;
  compare: string[];
  onSelect: (id: string) => void;
  onCompareChange: (ids: string[]) => void;
  onChanged: () => void;
  onError: (message: string) => void;
}) {
  const { runs, progress, selected, compare } = props;
  const act = (f: () => Promise<unknown>) =>
    f()
      .then(props.onChanged)
      .catch((e: Error) => props.onError(e.message));
  if (runs.length === 0) return <p>No runs yet: start one from New search.</p>;
  return (
    <table aria-label="runs list" style={{ borderCollapse: 'collapse', width: '100%' }}>
      <thead>
        <tr style={{ textAlign: 'left' }}>
          <th title="compare">⇄</th>
          <th>run</th>
          <th>status</th>
          <th>dataset</th>
          <th>strategy</th>
          <th title="searches: best search-validation accuracy; trained models: test accuracy, parameters, FLOPs">
            accuracy
          </th>
          <th className="num">step</th>
          <th className="num">time</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => {
          const p = progress[r.id];
          const active = r.status === 'running' || r.status === 'pausing';
          return (
            <tr
              key={r.id}
              className={r.id === selected ? 'selected' : undefined}
              style={{ fontWeight: r.id === selected ? 600 : undefined }}
            >
              <td>
                <input
                  type="checkbox"
                  aria-label={`compare ${r.id}`}
                  checked={compare.includes(r.id)}
                  onChange={(e) =>
                    props.onCompareChange(
                      e.target.checked ? [...compare, r.id] : compare.filter((x) => x !== r.id),
                    )
                  }
                />
              </td>
              <td>
                <button className="run-link" onClick={() => props.onSelect(r.id)}>
                  {r.id}
                </button>
                {(r.name || r.notes) && <RunNameNotes name={r.name} notes={r.notes} />}
              </td>
              <td>
                {r.status}
                {r.reason ? ` — ${r.reason}` : ''}
              </td>
              <td>{r.dataset}</td>
              <td>{r.strategy}</td>
              <td>
                {r.kind === 'train'
                  ? `${r.testPerplexity !== undefined ? `test ppl ${r.testPerplexity.toFixed(1)}` : r.testAcc !== undefined ? `test ${(100 * r.testAcc).toFixed(1)} %` : 'test –'}${r.params !== undefined ? ` · ${formatCount(r.params)} params` : ''}${r.flops !== undefined ? ` · ${formatCount(r.flops)} FLOPs` : ''}`
                  : r.bestValAcc !== undefined
                    ? `val ${(100 * r.bestValAcc).toFixed(1)} %`
                    : '–'}
              </td>
              <td className="num">
                {p?.step ?? r.step}/{p?.totalSteps ?? r.totalSteps ?? '?'}
              </td>
              <td className="num">
                {active && p ? `ETA ${formatDuration(p.etaSeconds)}` : formatDuration(r.elapsedSeconds)}
              </td>
              <td>
                {active && <button onClick={() => act(() => api().pauseRun(r.id))}>Pause</button>}
                {r.canResume && <button onClick={() => act(() => api().resumeRun(r.id))}>Resume</button>}
                {!active && r.status !== 'queued' && (
                  <button
                    className="danger"
                    onClick={() => {
                      if (window.confirm(`Delete run ${r.id} and all its files?`))
                        act(() => api().deleteRun(r.id));
                    }}
                  >
                    Delete
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
