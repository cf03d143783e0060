import { useId, type ReactNode } from 'react';

/**
 * The wizard's inputs. Each label holds only the field's title (so a field is found by its title,
 * and screen readers read it as its name); the why line (the paper's value and what the field does)
 * sits beside it and describes the input.
 */

const LABEL_WIDTH = 190;

/** The why line (its id for the input's aria-describedby) and, when the value is refused, the reason. */
function WhyAndError(props: { why?: string; whyId: string; error?: string }) {
  return (
    <>
      {props.why && (
        <small id={props.whyId} className="why">
          {props.why}
        </small>
      )}
      {props.error && <span className="field-error"> — {props.error}</span>}
    </>
  );
}

/** The title, the input, its why and, when the value is refused, the reason. */
function Row(props: { children: ReactNode; why?: string; whyId: string; error?: string }) {
  return (
    <div className="field-row">
      {props.children} <WhyAndError why={props.why} whyId={props.whyId} error={props.error} />
    </div>
  );
}

const Title = ({ text }: { text: string }) => <span className="field-title">{text}</span>;

/**
 * A Row whose label holds the field's title and its input; `input` is given the why line's id to
 * point at (aria-describedby).
 */
function LabelledRow(props: {
  field: { label: string; why?: string; error?: string };
  input: (describedBy: string | undefined) => ReactNode;
}) {
  const { label, why, error } = props.field;
  const id = useId();
  return (
    <Row why={why} whyId={id} error={error}>
      <label>
        <Title text={label} />
        {props.input(why ? id : undefined)}
      </label>
    </Row>
  );
}

/** A labelled number input; empty means "not set" (undefined). `step` 'any' accepts any decimal. */
export function NumberField(props: {
  label: string;
  why: string;
  value: number | undefined;
  onChange: (v: number | undefined) => void;
  step?: number | 'any';
  min?: number;
  max?: number;
  error?: string;
}) {
  return (
    <LabelledRow
      field={props}
      input={(describedBy) => (
        <input
          type="number"
          step={props.step ?? 1}
          min={props.min}
          max={props.max}
          value={props.value ?? ''}
          aria-invalid={!!props.error}
          aria-describedby={describedBy}
          onChange={(e) => props.onChange(e.target.value === '' ? undefined : Number(e.target.value))}
          style={{ width: 100 }}
        />
      )}
    />
  );
}

/** A labelled select. */
export function SelectField<T extends string>(props: {
  label: string;
  why?: string;
  value: T;
  options: Array<[T, string]>;
  onChange: (v: T) => void;
  error?: string;
}) {
  return (
    <LabelledRow
      field={props}
      input={(describedBy) => (
        <select
          aria-label={props.label}
          aria-describedby={describedBy}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value as T)}
        >
          {props.options.map(([v, text]) => (
            <option key={v} value={v}>
              {text}
            </option>
          ))}
        </select>
      )}
    />
  );
}

/** A labelled checkbox. */
export function CheckboxField(props: {
  label: string;
  why?: string;
  value: boolean;
  onChange: (v: boolean) => void;
  error?: string;
}) {
  return (
    <LabelledRow
      field={props}
      input={(describedBy) => (
        <input
          type="checkbox"
          checked={props.value}
          aria-describedby={describedBy}
          onChange={(e) => props.onChange(e.target.checked)}
        />
      )}
    />
  );
}

/**
 * A set of distinct options as checkboxes (DARTS's candidate ops). The chosen ones keep their order
 * (it can matter: DARTS's α columns follow it); a newly ticked one goes last.
 */
export function CheckboxGroupField(props: {
  label: string;
  why?: string;
  value: string[];
  options: string[];
  onChange: (v: string[]) => void;
  error?: string;
}) {
  const id = useId();
  // Title beside a wrapping box of options, the why under them: a long option list stays in its column.
  return (
    <div
      role="group"
      aria-label={props.label}
      aria-describedby={props.why ? id : undefined}
      className="field-group"
      style={{ display: 'flex', alignItems: 'flex-start', margin: '8px 0' }}
    >
      <span style={{ flex: `0 0 ${LABEL_WIDTH}px` }}>{props.label}</span>
      <div>
        <div style={{ display: 'flex', flexWrap: 'wrap', columnGap: 12, rowGap: 2 }}>
          {props.options.map((op) => (
            <label key={op} style={{ whiteSpace: 'nowrap' }}>
              <input
                type="checkbox"
                checked={props.value.includes(op)}
                onChange={(e) =>
                  props.onChange(
                    e.target.checked ? [...props.value, op] : props.value.filter((o) => o !== op),
                  )
                }
              />{' '}
              {op}
            </label>
          ))}
        </div>
        <WhyAndError why={props.why} whyId={id} error={props.error} />
      </div>
    </div>
  );
}

/** A fixed-length list of numbers (Adam's betas): one input per item, named "title, item k". */
export function NumberTupleField(props: {
  label: string;
  why?: string;
  value: number[];
  integer: boolean[];
  onChange: (v: number[]) => void;
  error?: string;
}) {
  const id = useId();
  return (
    <Row why={props.why} whyId={id} error={props.error}>
      <span role="group" aria-label={props.label}>
        <Title text={props.label} />
        {props.value.map((v, k) => (
          <input
            key={k}
            type="number"
            step={props.integer[k] ? 1 : 'any'}
            aria-label={`${props.label}, item ${k + 1}`}
            aria-describedby={props.why ? id : undefined}
            value={Number.isFinite(v) ? v : ''}
            onChange={(e) =>
              props.onChange(
                props.value.map((old, j) =>
                  j === k ? (e.target.value === '' ? NaN : Number(e.target.value)) : old,
                ),
              )
            }
            style={{ width: 80, marginRight: 6 }}
          />
        ))}
      </span>
    </Row>
  );
}

/** A labelled text input; empty means "not set". */
export function TextField(props: {
  label: string;
  why?: string;
  value: string | undefined;
  onChange: (v: string | undefined) => void;
  error?: string;
  width?: number;
}) {
  return (
    <LabelledRow
      field={props}
      input={(describedBy) => (
        <input
          aria-describedby={describedBy}
          value={props.value ?? ''}
          onChange={(e) => props.onChange(e.target.value || undefined)}
          style={{ width: props.width ?? 240 }}
        />
      )}
    />
  );
}

export function Errors({ lines }: { lines: string[] }): ReactNode {
  if (!lines.length) return null;
  return (
    <p role="alert" aria-label="config errors" style={{ whiteSpace: 'pre-line' }}>
      {lines.join('\n')}
    </p>
  );
}
