import { useEffect, useState } from 'react';
import type { DatasetPreviewDto, DownloadEvent } from '../../../shared/api';
import { api } from '../api';
import { DatasetPreview } from './DatasetPreview';
import { FIELD_TITLES as T, type Draft } from './draft';
import { NumberField, SelectField } from './fields';

const STANDARD = ['cifar-10', 'cifar-100', 'mnist', 'fashion-mnist'] as const;

/** Step 1: where the images come from, with a preview of what was found. */
export function DatasetStep({ draft, set }: { draft: Draft; set: (path: string, v: unknown) => void }) {
  const d = draft.data;
  const [standard, setStandard] = useState<(typeof STANDARD)[number]>('cifar-10');
  const [download, setDownload] = useState<DownloadEvent | null>(null);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  useEffect(() => api().on('download', setDownload), []);
  return (
    <fieldset>
      <legend>1. Dataset</legend>
      <SelectField
        label={T['data.source']}
        value={d.source}
        onChange={(v) => set('data.source', v)}
        options={[
          ['default', 'bundled Fashion-MNIST subset (no download)'],
          ['path', 'a dataset on this machine (CIFAR binary, IDX, or image folder)'],
          ['synthetic', 'synthetic (smoke test)'],
          ['text', 'a text corpus, for language-model spaces (ENAS RNN cell)'],
        ]}
      />
      {d.source === 'text' && <TextSource draft={draft} set={set} />}
      {d.source === 'path' && (
        <>
          <label style={{ display: 'block', margin: '6px 0' }}>
            <span style={{ display: 'inline-block', minWidth: 190 }}>{T['data.path']}</span>
            <input
              aria-label="dataset path"
              value={d.path ?? ''}
              onChange={(e) => set('data.path', e.target.value || undefined)}
              style={{ width: 420 }}
            />{' '}
            {api().desktop && (
              <button
                onClick={() =>
                  api()
                    .chooseDatasetPath()
                    .then((p) => p && set('data.path', p))
                    .catch((e: Error) => setDownloadError(e.message))
                }
              >
                Browse…
              </button>
            )}{' '}
            <small style={{ opacity: 0.7 }}>
              format detected: CIFAR-10/100 binary (folder or .tar.gz), IDX (MNIST-style), or one sub-folder
              of PNG/JPEG per class
            </small>
          </label>
          <NumberField
            label={T['data.imageSize']}
            why="image folders are resized to this square size (CIFAR: 32)"
            value={d.imageSize}
            onChange={(v) => set('data.imageSize', v)}
          />
          <div>
            or download a standard dataset:{' '}
            <select
              aria-label="standard dataset"
              value={standard}
              onChange={(e) => setStandard(e.target.value as (typeof STANDARD)[number])}
            >
              {STANDARD.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>{' '}
            <button
              onClick={() => {
                setDownloadError(null);
                api()
                  .downloadDataset(standard)
                  .then((folder) => set('data.path', folder))
                  .catch((e: Error) => setDownloadError(e.message));
              }}
            >
              Download
            </button>
            {download && !download.done && (
              <span aria-label="download progress">
                {' '}
                {download.file}: {(download.received / 1e6).toFixed(1)} MB
                {download.total ? ` of ${(download.total / 1e6).toFixed(1)} MB` : ''}
                {download.total ? <progress value={download.received} max={download.total} /> : null}
              </span>
            )}
            {downloadError && <span role="alert"> {downloadError}</span>}
          </div>
        </>
      )}
      {d.source === 'synthetic' && (
        <>
          <NumberField
            label={T['data.synthetic.size']}
            why="a seeded learnable task, for smoke tests"
            value={d.synthetic.size}
            onChange={(v) => set('data.synthetic.size', v)}
          />
          <NumberField
            label={T['data.synthetic.imageSize']}
            why="pixels per side"
            value={d.synthetic.imageSize}
            onChange={(v) => set('data.synthetic.imageSize', v)}
          />
        </>
      )}
    </fieldset>
  );
}

/** A text corpus: the bundled tiny corpus, a PTB folder or one text file, and the BPTT window. */
function TextSource({ draft, set }: { draft: Draft; set: (path: string, v: unknown) => void }) {
  const d = draft.data;
  const [download, setDownload] = useState<DownloadEvent | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => api().on('download', setDownload), []);
  return (
    <>
      <label style={{ display: 'block', margin: '6px 0' }}>
        <span style={{ display: 'inline-block', minWidth: 190 }}>{T['data.path']}</span>
        <input
          aria-label="text corpus path"
          placeholder="empty: the bundled tiny corpus"
          value={d.path ?? ''}
          onChange={(e) => set('data.path', e.target.value || undefined)}
          style={{ width: 420 }}
        />{' '}
        <small style={{ opacity: 0.7 }}>
          a folder with ptb.train.txt, ptb.valid.txt, ptb.test.txt (words separated by spaces, one sentence
          per line), or one text file split by lines 80/10/10
        </small>
      </label>
      <NumberField
        label={T['data.text.bptt']}
        why="tokens per truncated-BPTT window (ENAS: 35); the batch size is the number of parallel streams"
        value={d.text.bptt}
        onChange={(v) => set('data.text.bptt', v)}
      />
      <div>
        or download the Penn Treebank (Mikolov's text, 6 MB, MD5-checked):{' '}
        <button
          onClick={() => {
            setError(null);
            api()
              .downloadDataset('ptb')
              .then((folder) => set('data.path', folder))
              .catch((e: Error) => setError(e.message));
          }}
        >
          Download PTB
        </button>
        {download && !download.done && (
          <span aria-label="download progress">
            {' '}
            {download.file}: {(download.received / 1e6).toFixed(1)} MB
          </span>
        )}
        {error && <span role="alert"> {error}</span>}
      </div>
      <PreviewButton draft={draft} />
    </>
  );
}

/** The preview (re-read when asked): what the dataset holds and how the seed splits it. */
export function PreviewButton({ draft }: { draft: Draft }) {
  const [preview, setPreview] = useState<DatasetPreviewDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div>
      <button
        disabled={busy}
        onClick={() => {
          setBusy(true);
          api()
            .previewDataset(draft.data, draft.seed)
            .then((p) => {
              setPreview(p);
              setError(null);
            })
            .catch((e: Error) => setError(e.message))
            .finally(() => setBusy(false));
        }}
      >
        {busy ? 'Reading the dataset…' : 'Preview dataset and splits'}
      </button>
      {error && <p role="alert">{error}</p>}
      {preview && <DatasetPreview preview={preview} />}
    </div>
  );
}
