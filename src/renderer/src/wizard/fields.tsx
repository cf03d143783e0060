import type { ReactNode } from 'react';

/** A labelled number input with a short why (the paper's value and what the field does). */
export function NumberField(props: { label: string; why: string; value: number | undefined; onChange: (v: number | undefined) => void; step?: number; error?: string }) {
  return (
    <label style={{ display: 'block', margin: '6px 0' }}>
      <span style={{ display: 'inline-block', minWidth: 190 }}>{props.label}</span>
      <input
        type="number"
        step={props.step ?? 1}
        value={props.value ?? ''}
        aria-invalid={!!props.error}
        onChange={(e) => props.onChange(e.target.value === '' ? undefined : Number(e.target.value))}
        style={{ width: 100 }}
      />{' '}
      <small style={{ opacity: 0.7 }}>{props.why}</small>
      {props.error && <span style={{ color: '#f87171' }}> — {props.error}</span>}
    </label>
  );
}

/** A labelled select. */
export function SelectField<T extends string>(props: { label: string; why?: string; value: T; options: Array<[T, string]>; onChange: (v: T) => void }) {
  return (
    <label style={{ display: 'block', margin: '6px 0' }}>
      <span style={{ display: 'inline-block', minWidth: 190 }}>{props.label}</span>
      <select aria-label={props.label} value={props.value} onChange={(e) => props.onChange(e.target.value as T)}>
        {props.options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>{' '}
      {props.why && <small style={{ opacity: 0.7 }}>{props.why}</small>}
    </label>
  );
}

export function Errors({ lines }: { lines: string[] }): ReactNode {
  if (!lines.length) return null;
  return (
    <p role="alert" aria-label="config errors" style={{ whiteSpace: 'pre-line', color: '#f87171' }}>
      {lines.join('\n')}
    </p>
  );
}
