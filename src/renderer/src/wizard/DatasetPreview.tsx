import { useEffect, useRef } from 'react';
import type { DatasetPreviewDto } from '../../../shared/api';

/** One preview image, drawn from its RGBA bytes onto a canvas (no data: URLs needed). */
function Thumb({ width, height, rgbaBase64 }: { width: number; height: number; rgbaBase64: string }) {
  const el = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = el.current?.getContext('2d');
    if (!ctx) return;
    const bytes = Uint8ClampedArray.from(atob(rgbaBase64), (c) => c.charCodeAt(0));
    ctx.putImageData(new ImageData(bytes, width, height), 0, 0);
  }, [width, height, rgbaBase64]);
  return (
    <canvas
      ref={el}
      width={width}
      height={height}
      style={{ width: 40, height: 40, imageRendering: 'pixelated', marginRight: 2 }}
    />
  );
}

/** A text corpus: vocabulary, tokens per split and a few training sentences. */
function TextPreview({
  preview,
  text,
}: {
  preview: DatasetPreviewDto;
  text: NonNullable<DatasetPreviewDto['text']>;
}) {
  const n = (v: number) => v.toLocaleString('en-US');
  return (
    <div aria-label="dataset preview">
      <p>
        {preview.description}: vocabulary of {n(text.vocabSize)} words (with &lt;unk&gt; and &lt;eos&gt;)
      </p>
      <table style={{ borderCollapse: 'collapse' }}>
        <thead>
          <tr style={{ textAlign: 'left' }}>
            <th style={{ paddingRight: 16 }}>split</th>
            <th className="num">tokens</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>search-train (train file: the weights)</td>
            <td className="num">{n(text.tokens.searchTrain)}</td>
          </tr>
          <tr>
            <td>search-val (valid file: scores, rewards)</td>
            <td className="num">{n(text.tokens.searchVal)}</td>
          </tr>
          <tr>
            <td>test (not read by the search)</td>
            <td className="num">{n(text.tokens.test)}</td>
          </tr>
        </tbody>
      </table>
      <p style={{ marginBottom: 2 }}>sample sentences (training text):</p>
      <ol aria-label="sample sentences" style={{ marginTop: 0, fontFamily: 'monospace' }}>
        {text.sentences.map((s, i) => (
          <li key={i}>{s}</li>
        ))}
      </ol>
    </div>
  );
}

/** Sample images per class and class counts in the whole set and in the two search splits. */
export function DatasetPreview({ preview }: { preview: DatasetPreviewDto }) {
  if (preview.text) return <TextPreview preview={preview} text={preview.text} />;
  const [h, w, c] = preview.imageShape;
  return (
    <div aria-label="dataset preview">
      <p>
        {preview.description}: {preview.counts.all.reduce((a, b) => a + b, 0)} training images of {h}×{w}×{c},{' '}
        {preview.classNames.length} classes; test split: {preview.testImages ?? 'none found'}
      </p>
      <table style={{ borderCollapse: 'collapse' }}>
        <thead>
          <tr style={{ textAlign: 'left' }}>
            <th>class</th>
            <th className="num">all</th>
            <th className="num">search-train</th>
            <th className="num">search-val</th>
            <th>samples</th>
          </tr>
        </thead>
        <tbody>
          {preview.samples.map((s, k) => (
            <tr key={s.className}>
              <td>{s.className}</td>
              <td className="num">{preview.counts.all[k]}</td>
              <td className="num">{preview.counts.searchTrain[k]}</td>
              <td className="num">{preview.counts.searchVal[k]}</td>
              <td>
                {s.images.map((im, i) => (
                  <Thumb key={i} {...im} />
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
