import { useRef, useState } from 'react';
import type { ImagePredictionDto, RunSummary } from '../../../shared/api';
import { api } from '../api';
import { describePreprocessing, tryFileProblem } from './try-it';

/** A file's bytes as a data: URL (the page's policy allows data: images): shown as is, sent as its base64 part. */
function readDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(new Error(`${file.name} could not be read`));
    r.readAsDataURL(file);
  });
}

/** The top classes as horizontal bars, most probable first. */
function ClassBars({ top }: { top: ImagePredictionDto['top'] }) {
  return (
    <ol aria-label="predicted classes" style={{ listStyle: 'none', padding: 0, margin: 0, fontSize: 13 }}>
      {top.map((t, i) => (
        <li key={t.index} style={{ display: 'flex', alignItems: 'center', gap: 8, margin: '3px 0' }}>
          <span style={{ width: 130, fontWeight: i === 0 ? 'bold' : undefined }}>{t.name}</span>
          <span
            className="try-it-bar"
            aria-hidden="true"
            style={{
              display: 'inline-block',
              width: Math.max(1, 200 * t.probability),
              height: 10,
              background: 'var(--accent, #60a5fa)',
            }}
          />
          <span>{(100 * t.probability).toFixed(1)}%</span>
        </li>
      ))}
    </ol>
  );
}

/**
 * "Try it" on a completed training run: drop a PNG/JPEG (or choose one) and see the trained
 * network's top 5 classes and how the image was preprocessed. The bytes go through the one API
 * (predictImage), classified in an engine worker from the run's checkpoint.
 */
export function TryItPanel({ run }: { run: RunSummary }) {
  const [image, setImage] = useState<{ name: string; url: string } | null>(null);
  const [result, setResult] = useState<ImagePredictionDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  if (run.status !== 'completed')
    return (
      <section aria-label="try it" className="try-it">
        <h3>Try it</h3>
        <p style={{ opacity: 0.7 }}>Classify your own images here once the training has completed.</p>
      </section>
    );
  const tryFile = async (file: File | undefined) => {
    if (!file) return;
    const problem = tryFileProblem(file);
    setResult(null);
    if (problem) {
      setImage(null);
      setError(problem);
      return;
    }
    setError(null);
    setBusy(true);
    try {
      const url = await readDataUrl(file);
      setImage({ name: file.name, url });
      setResult(
        await api().predictImage(run.id, { name: file.name, base64: url.slice(url.indexOf(',') + 1) }),
      );
    } catch (e) {
      // A refused file is not shown (it may not be an image at all).
      setImage(null);
      setError((e as Error).message);
    } finally {
      setBusy(false);
      // The same file chosen again is a change too.
      if (input.current) input.current.value = '';
    }
  };
  return (
    <section aria-label="try it" className="try-it">
      <h3>Try it</h3>
      <div
        aria-label="image drop zone"
        className={over ? 'drop-zone drop-zone-over' : 'drop-zone'}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          void tryFile(e.dataTransfer.files[0]);
        }}
        style={{
          border: `2px dashed ${over ? 'var(--accent, #60a5fa)' : 'var(--border, #445)'}`,
          padding: 16,
          borderRadius: 6,
          display: 'flex',
          gap: 24,
          alignItems: 'flex-start',
          flexWrap: 'wrap',
        }}
      >
        <div style={{ minWidth: 220 }}>
          <p style={{ marginTop: 0 }}>Drop a PNG or JPEG image here, or</p>
          <input
            ref={input}
            type="file"
            aria-label="image file"
            accept="image/png,image/jpeg,.png,.jpg,.jpeg"
            onChange={(e) => void tryFile(e.target.files?.[0])}
          />
          {image && (
            <figure style={{ margin: '12px 0 0' }}>
              <img
                src={image.url}
                alt={`tried image ${image.name}`}
                style={{ width: 112, height: 112, objectFit: 'contain', imageRendering: 'pixelated' }}
              />
              <figcaption style={{ fontSize: 12, opacity: 0.8 }}>
                {image.name}
                {result &&
                  ` · ${result.image.kind.toUpperCase()} ${result.image.width}×${result.image.height}`}
              </figcaption>
            </figure>
          )}
        </div>
        <div style={{ flex: '1 1 320px' }}>
          {busy && <p>Classifying…</p>}
          {error && <p role="alert">{error}</p>}
          {result && (
            <>
              <p style={{ marginTop: 0 }}>
                Top {result.top.length} of {result.classes} classes (softmax of the trained network, on{' '}
                {result.backend})
              </p>
              <ClassBars top={result.top} />
              <p aria-label="preprocessing" style={{ fontSize: 12, opacity: 0.8 }}>
                Preprocessing: {describePreprocessing(result.preprocessing)}.
              </p>
            </>
          )}
        </div>
      </div>
    </section>
  );
}
