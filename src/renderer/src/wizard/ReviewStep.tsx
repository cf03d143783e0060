import { useRef, useState } from 'react';
import { SearchConfigSchema, describeConfigError } from '../../../shared/search-config';
import type { Draft } from './draft';
import { RunSummary } from './RunSummary';

/** Step 6: the whole config as JSON (copy, save, load), then Start. */
export function ReviewStep({ draft, onLoad }: { draft: Draft; onLoad: (d: Draft) => void }) {
  const json = JSON.stringify(draft, null, 2);
  const [note, setNote] = useState<string | null>(null);
  const file = useRef<HTMLInputElement>(null);
  return (
    <fieldset>
      <legend>6. Review</legend>
      <RunSummary draft={draft} />
      <pre
        aria-label="config JSON"
        style={{ maxHeight: 300, overflow: 'auto', background: '#0b0f15', padding: 8, fontSize: 12 }}
      >
        {json}
      </pre>
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
