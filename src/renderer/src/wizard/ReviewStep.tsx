import { useRef, useState } from 'react';
import type { RunMeta } from '../../../runs/meta';
import type { RunProbe } from '../../../shared/protocol';
import { SearchConfigSchema, describeConfigError } from '../../../shared/search-config';
import { api } from '../api';
import type { Draft } from './draft';
import { estimateSentence } from './review';
import { RunSummary } from './RunSummary';

/**
 * The run's estimated time, measured on request: a worker times a few steps of each phase of this
 * config (nothing is created). A measurement belongs to the config it was made for.
 */
function useProbe(json: string) {
  const [probe, setProbe] = useState<{ json: string; result: RunProbe } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const measure = () => {
    setBusy(true);
    setError(null);
    api()
      .probeRun(JSON.parse(json))
      .then((result) => setProbe({ json, result }))
      .catch((e: Error) => setError(e.message))
      .finally(() => setBusy(false));
  };
  return {
    probe: probe?.json === json ? probe.result : null,
    stale: !!probe && probe.json !== json,
    busy,
    error,
    measure,
  };
}

/** Step 6: a plain summary, the run's estimated time, its name and notes; the config as JSON (copy, save, load), then Start. */
export function ReviewStep({
  draft,
  onLoad,
  meta,
  onMeta,
}: {
  draft: Draft;
  onLoad: (d: Draft) => void;
  meta: RunMeta;
  onMeta: (m: RunMeta) => void;
}) {
  const json = JSON.stringify(draft, null, 2);
  const [note, setNote] = useState<string | null>(null);
  const file = useRef<HTMLInputElement>(null);
  const probe = useProbe(json);
  return (
    <fieldset>
      <legend>6. Review</legend>
      <RunSummary draft={draft} probe={probe.probe} />
      <div aria-label="time estimate" style={{ margin: '8px 0' }}>
        <button disabled={probe.busy} onClick={probe.measure}>
          {probe.probe ? 'Measure again' : 'Estimate the time on this machine'}
        </button>{' '}
        <small style={{ opacity: 0.7 }}>
          {probe.busy
            ? 'timing a few steps of each phase in a worker…'
            : 'times a few steps of each phase in a worker; nothing is created'}
        </small>
        {probe.probe && <p aria-label="estimated time">{estimateSentence(probe.probe)}</p>}
        {probe.stale && !probe.probe && (
          <p style={{ opacity: 0.7 }}>The config changed since the last estimate: measure again.</p>
        )}
        {probe.error && <p role="alert">Could not time the run: {probe.error}</p>}
      </div>
      <div
        style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '4px 14px', maxWidth: 720 }}
      >
        <label htmlFor="run-name">run name</label>
        <input
          id="run-name"
          value={meta.name ?? ''}
          maxLength={200}
          placeholder="shown in the runs list (optional)"
          onChange={(e) => onMeta({ ...meta, name: e.target.value })}
        />
        <label htmlFor="run-notes">notes</label>
        <textarea
          id="run-notes"
          rows={3}
          value={meta.notes ?? ''}
          maxLength={10_000}
          placeholder="what this run tries (optional; kept in the run folder's meta.json)"
          onChange={(e) => onMeta({ ...meta, notes: e.target.value })}
        />
      </div>
      {/* The summary above says what the run is; the JSON is for copying and saving, one click away. */}
      <details style={{ margin: '8px 0' }}>
        <summary>The config as JSON</summary>
        <pre aria-label="config JSON" style={{ maxHeight: 300, overflow: 'auto' }}>
          {json}
        </pre>
      </details>
      <button
        onClick={() =>
          navigator.clipboard
            .writeText(json)
            .then(() => setNote('Copied to the clipboard.'))
            .catch(() => setNote('The clipboard is not available here: select the text above and copy it.'))
        }
      >
        Copy
      </button>{' '}
      <button
        onClick={() => {
          const a = document.createElement('a');
          a.href = URL.createObjectURL(new Blob([json + '\n'], { type: 'application/json' }));
          a.download = 'search-config.json';
          a.click();
          URL.revokeObjectURL(a.href);
        }}
      >
        Save…
      </button>{' '}
      <button onClick={() => file.current?.click()}>Load…</button>
      <input
        ref={file}
        type="file"
        accept=".json,application/json"
        aria-label="load config file"
        style={{ display: 'none' }}
        onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          let raw: unknown;
          try {
            raw = JSON.parse(await f.text());
          } catch {
            setNote(`${f.name} is not valid JSON.`);
            return;
          }
          const r = SearchConfigSchema.safeParse(raw);
          if (r.success) {
            onLoad(r.data);
            setNote(`Loaded ${f.name}.`);
          } else setNote(`${f.name} is not a valid search configuration:\n${describeConfigError(r.error)}`);
        }}
      />
      {note && (
        <p aria-label="review note" style={{ whiteSpace: 'pre-line' }}>
          {note}
        </p>
      )}
    </fieldset>
  );
}
