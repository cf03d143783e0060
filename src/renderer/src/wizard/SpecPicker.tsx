/** What the picker shows of a registered space or strategy. */
export interface PickableSpec {
  name: string;
  title: string;
  description: string;
  reference: string;
}

/**
 * The registered specs as a radio list: each with its title, what it does and where it comes from
 * (paper and reference code), so that the choice is an informed one.
 */
export function SpecPicker(props: {
  label: string;
  specs: readonly PickableSpec[];
  chosen: string;
  onChoose: (name: string) => void;
}) {
  return (
    <div
      role="radiogroup"
      aria-label={props.label}
      style={{ display: 'flex', flexWrap: 'wrap', gap: 8, margin: '6px 0 12px' }}
    >
      {props.specs.map((s) => {
        const on = s.name === props.chosen;
        return (
          <label
            key={s.name}
            style={{
              flex: '1 1 320px',
              maxWidth: 520,
              border: `1px solid ${on ? 'var(--accent)' : 'var(--border)'}`,
              background: on ? 'var(--accent-weak)' : 'var(--surface)',
              borderRadius: 'var(--radius)',
              padding: '6px 10px',
              cursor: 'pointer',
            }}
          >
            <input
              type="radio"
              name={props.label}
              value={s.name}
              aria-label={s.title}
              aria-describedby={`${props.label}-${s.name}-why`}
              checked={on}
              onChange={() => props.onChoose(s.name)}
            />{' '}
            <strong>{s.title}</strong>
            <div id={`${props.label}-${s.name}-why`} style={{ fontSize: 13, margin: '4px 0' }}>
              {s.description}
            </div>
            <small style={{ opacity: 0.7 }}>{s.reference}</small>
          </label>
        );
      })}
    </div>
  );
}
