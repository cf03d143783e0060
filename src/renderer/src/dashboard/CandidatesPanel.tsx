import { useMemo, useState } from 'react';
import { CandidateChart } from '../charts/CandidateChart';
import { summarizeCandidates } from './candidates';
import type { CandidateRecord } from './metrics-log';

/** An architecture's text, two lines until clicked (DARTS genotypes run to several hundred characters). */
function ArchText({ text }: { text: string }) {
  const [open, setOpen] = useState(false);
  const clamp = open
    ? {}
    : {
        display: '-webkit-box',
        WebkitLineClamp: 2,
        WebkitBoxOrient: 'vertical' as const,
        overflow: 'hidden',
      };
  return (
    <div
      title={open ? undefined : 'click to show it all'}
      onClick={() => setOpen(!open)}
      style={{ fontFamily: 'monospace', fontSize: 11, wordBreak: 'break-all', cursor: 'pointer', ...clamp }}
    >
      {text}
    </div>
  );
}

const cell = { whiteSpace: 'nowrap' } as const;

/** The best distinct architectures scored so far. */
function TopCandidates({ top }: { top: ReturnType<typeof summarizeCandidates>['top'] }) {
  return (
    <table aria-label="top candidates" style={{ borderCollapse: 'collapse', fontSize: 12, width: '100%' }}>
      <thead>
        <tr style={{ textAlign: 'left' }}>
          <th className="num" style={cell}>
            #
          </th>
          <th className="num" style={cell}>
            score
          </th>
          <th style={cell}>round</th>
          <th className="num" style={cell}>
            step
          </th>
          <th className="num" style={cell} title="how often this architecture was scored">
            scored
          </th>
          <th>architecture</th>
        </tr>
      </thead>
      <tbody>
        {top.map((c, i) => (
          <tr key={`${c.text}-${i}`} style={{ verticalAlign: 'top' }}>
            <td className="num">{i + 1}</td>
            <td className="num">{c.score.toFixed(4)}</td>
            <td style={cell}>{c.round}</td>
            <td className="num">{c.step}</td>
            <td className="num">{c.times}×</td>
            <td>
              <ArchText text={c.text} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Architectures a strategy scored (random search, evolution): scores per round, the best so far, the top 10. */
export function CandidatesPanel({ candidates }: { candidates: CandidateRecord[] }) {
  const summary = useMemo(() => summarizeCandidates(candidates), [candidates]);
  if (!candidates.length) return null;
  return (
    <section aria-label="candidates">
      <h3 style={{ marginBottom: 4 }}>
        Candidates{' '}
        <small style={{ opacity: 0.7 }}>
          {candidates.length} scored · best {summary.top[0].score.toFixed(4)}
        </small>
      </h3>
      <div style={{ display: 'flex', gap: 12, alignItems: 'flex-start' }}>
        <CandidateChart summary={summary} scoreName="score (higher is better)" />
        <div style={{ flex: 1, minWidth: 0, maxHeight: 300, overflow: 'auto' }}>
          <TopCandidates top={summary.top} />
        </div>
      </div>
    </section>
  );
}
