import { useEffect, useState } from 'react';
import type { FolderListing } from '../../../shared/api';
import { api } from '../api';

/**
 * Web mode's stand-in for the system's open dialog (a browser cannot open one on the server's
 * machine): folders under the user's home, listed by the server (listFolder), with the files a
 * dataset can be. "Use this folder" or a file's "Use" sets the path; the server refuses anything
 * outside home.
 */
export function FolderBrowser({
  start,
  onChoose,
  onClose,
}: {
  start: string | null;
  onChoose: (path: string) => void;
  onClose: () => void;
}) {
  const [path, setPath] = useState<string | null>(start);
  const [hidden, setHidden] = useState(false);
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A refusal stays shown until the person moves on (the fallback listing of home does not clear it).
  const go = (p: string | null) => {
    setError(null);
    setPath(p);
  };
  useEffect(() => {
    let cancelled = false;
    api()
      .listFolder(path, hidden)
      .then((l) => {
        if (!cancelled) setListing(l);
      })
      .catch((e: Error) => {
        if (cancelled) return;
        setError(e.message);
        // A typed path that cannot be browsed (gone, outside home): fall back to home.
        if (path !== null) setPath(null);
      });
    return () => {
      cancelled = true;
    };
  }, [path, hidden]);
  return (
    <div
      role="dialog"
      aria-label="folder browser"
      style={{
        border: '1px solid var(--border-strong)',
        borderRadius: 'var(--radius)',
        padding: 8,
        margin: '6px 0',
        maxWidth: 640,
      }}
    >
      <div style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
        <button disabled={!listing?.parent} onClick={() => listing?.parent && go(listing.parent)}>
          ↑ Up
        </button>
        <code aria-label="current folder" style={{ flex: 1, wordBreak: 'break-all' }}>
          {listing?.path ?? '…'}
        </code>
        <label>
          <input type="checkbox" checked={hidden} onChange={(e) => setHidden(e.target.checked)} /> show hidden
        </label>
      </div>
      {error && (
        <p role="alert" style={{ margin: '4px 0' }}>
          {error}
        </p>
      )}
      <ul
        aria-label="folder entries"
        style={{ listStyle: 'none', padding: 0, maxHeight: 260, overflow: 'auto' }}
      >
        {listing?.entries.length === 0 && (
          <li style={{ opacity: 0.7 }}>no sub-folders or dataset files here</li>
        )}
        {listing?.entries.map((e) => (
          <li key={e.path} style={{ display: 'flex', gap: 8, padding: '1px 0' }}>
            {e.kind === 'folder' ? (
              <button
                title={e.link ? `${e.path} (a link inside home)` : e.path}
                style={{
                  flex: 1,
                  textAlign: 'left',
                  background: 'none',
                  border: 'none',
                  color: 'inherit',
                  cursor: 'pointer',
                  font: 'inherit',
                  padding: '1px 4px',
                }}
                onClick={() => go(e.path)}
              >
                ▸ {e.name}/{e.link ? ' ↪' : ''}
              </button>
            ) : (
              <>
                <span style={{ flex: 1, padding: '1px 4px', opacity: 0.85 }}>&nbsp;&nbsp;{e.name}</span>
                <button onClick={() => onChoose(e.path)}>Use</button>
              </>
            )}
          </li>
        ))}
        {listing?.truncated && <li style={{ opacity: 0.7 }}>… more entries than shown; type the path</li>}
      </ul>
      <div style={{ display: 'flex', gap: 8 }}>
        <button disabled={!listing} onClick={() => listing && onChoose(listing.path)}>
          Use this folder
        </button>
        <button onClick={onClose}>Cancel</button>
      </div>
    </div>
  );
}
