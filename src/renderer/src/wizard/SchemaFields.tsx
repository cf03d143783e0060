import type { z } from 'zod';
import {
  CheckboxField,
  CheckboxGroupField,
  NumberField,
  NumberTupleField,
  SelectField,
  TextField,
} from './fields';
import { fieldsOf, type FieldDescriptor } from './schema-fields';

type Values = Record<string, unknown>;

/** One generated field, bound to `values[field.key]`. */
function SchemaField({
  field,
  value,
  onChange,
  error,
}: {
  field: FieldDescriptor;
  value: unknown;
  onChange: (v: unknown) => void;
  error?: string;
}) {
  const common = { label: field.title, why: field.description, error };
  switch (field.kind) {
    case 'number':
      return (
        <NumberField
          {...common}
          value={value as number | undefined}
          step={field.integer ? 1 : 'any'}
          min={field.min}
          max={field.max}
          onChange={onChange}
        />
      );
    case 'enum':
      return (
        <SelectField
          {...common}
          value={String(value ?? '')}
          options={field.options.map((o) => [o, o])}
          onChange={onChange}
        />
      );
    case 'boolean':
      return <CheckboxField {...common} value={value === true} onChange={onChange} />;
    case 'enum-set':
      return (
        <CheckboxGroupField
          {...common}
          value={Array.isArray(value) ? (value as string[]) : []}
          options={field.options}
          onChange={onChange}
        />
      );
    case 'number-tuple':
      return (
        <NumberTupleField
          {...common}
          value={Array.isArray(value) ? (value as number[]) : field.items.map(() => NaN)}
          integer={field.items.map((i) => i.integer)}
          onChange={onChange}
        />
      );
    case 'text':
      return <TextField {...common} value={value as string | undefined} onChange={onChange} />;
    case 'json':
      return (
        <div style={{ margin: '6px 0' }}>
          <span style={{ display: 'inline-block', minWidth: 190 }}>{field.title}</span>
          <code aria-label={field.title}>{JSON.stringify(value)}</code>{' '}
          <small style={{ opacity: 0.7 }}>
            {field.description} (edit it in the config JSON: Review → Save, Load)
          </small>
        </div>
      );
  }
}

/**
 * Every field of a spec's config section, generated from its schema: the spec's titles as labels
 * and its descriptions as the why lines. `section` is the config path ('space', 'strategy').
 */
export function SchemaFields(props: {
  schema: z.ZodType;
  section: string;
  values: Values;
  set: (path: string, v: unknown) => void;
  errors: Record<string, string>;
}) {
  const { section, values, set, errors } = props;
  return (
    <div aria-label={`${section} fields`}>
      {fieldsOf(props.schema).map((f) => {
        const path = `${section}.${f.key}`;
        // A tuple's problems are reported per item (strategy.alphaBetas.1): show the first beside the field.
        const error = errors[path] ?? Object.entries(errors).find(([p]) => p.startsWith(`${path}.`))?.[1];
        return (
          <SchemaField
            key={f.key}
            field={f}
            value={values[f.key]}
            error={error}
            onChange={(v) => set(path, v)}
          />
        );
      })}
    </div>
  );
}
