import { z } from 'zod';

/**
 * Form fields generated from a spec's zod schema (through zod's JSON Schema, which carries each
 * field's `.meta({ title, description })`, default, bounds and enum values), so that a new space or
 * strategy gets its wizard page without a renderer edit.
 */
interface Common {
  /** The config key inside its section ('cells'). */
  key: string;
  /** The spec's title, or the key when the spec gave none. */
  title: string;
  /** The spec's why (the paper's value); empty when none was given. */
  description: string;
  /** The field may be left empty (an optional field with no default). */
  optional: boolean;
}
export type FieldDescriptor =
  | (Common & { kind: 'number'; integer: boolean; min?: number; max?: number })
  | (Common & { kind: 'enum'; options: string[] })
  | (Common & { kind: 'boolean' })
  /** An array of distinct enum values (DARTS's candidate ops): a checkbox group. */
  | (Common & { kind: 'enum-set'; options: string[]; minItems?: number })
  /** A fixed-length tuple of numbers (Adam's betas): one number input per item. */
  | (Common & { kind: 'number-tuple'; items: Array<{ min?: number; max?: number; integer: boolean }> })
  | (Common & { kind: 'text' })
  /** Anything else (nested objects, unions): shown as JSON, read-only; the review page edits it. */
  | (Common & { kind: 'json' });

type JsonSchema = {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  anyOf?: JsonSchema[];
};

/** The section's discriminator: chosen with the spec picker, never a form field. */
const DISCRIMINATOR = 'name';

function numberBounds(s: JsonSchema): { min?: number; max?: number; integer: boolean } {
  // An exclusive bound is shown as the inclusive one beside it; the schema still rejects the bound itself.
  return {
    min: s.minimum ?? s.exclusiveMinimum,
    max: s.maximum ?? s.exclusiveMaximum,
    integer: s.type === 'integer',
  };
}

const isNumeric = (s: JsonSchema | undefined) => s?.type === 'number' || s?.type === 'integer';

/** One property's descriptor; `optional` when the config may omit it. */
export function describeProperty(key: string, s: JsonSchema, optional: boolean): FieldDescriptor {
  // Optional fields come through as { anyOf: [T, null] } or plain T, depending on the zod wrapper.
  const inner = s.anyOf?.find((x) => x.type !== 'null') ?? s;
  const common: Common = {
    key,
    title: s.title ?? inner.title ?? key,
    description: s.description ?? inner.description ?? '',
    optional,
  };
  if (isNumeric(inner)) return { ...common, kind: 'number', ...numberBounds(inner) };
  if (inner.type === 'boolean') return { ...common, kind: 'boolean' };
  if (Array.isArray(inner.enum) && inner.enum.every((v) => typeof v === 'string'))
    return { ...common, kind: 'enum', options: inner.enum as string[] };
  if (inner.type === 'array') {
    if (inner.prefixItems?.length && inner.prefixItems.every(isNumeric))
      return { ...common, kind: 'number-tuple', items: inner.prefixItems.map(numberBounds) };
    const items = inner.items || undefined;
    if (items && Array.isArray(items.enum) && items.enum.every((v) => typeof v === 'string'))
      return { ...common, kind: 'enum-set', options: items.enum as string[], minItems: inner.minItems };
  }
  if (inner.type === 'string') return { ...common, kind: 'text' };
  return { ...common, kind: 'json' };
}

const cache = new WeakMap<z.ZodType, FieldDescriptor[]>();

/** The form fields of a spec's schema (a zod object), in declaration order, without the discriminator. */
export function fieldsOf(schema: z.ZodType): FieldDescriptor[] {
  let fields = cache.get(schema);
  if (!fields) {
    // io 'input': what a person may type, so fields with defaults are not "required".
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    const required = new Set(json.required ?? []);
    fields = Object.entries(json.properties ?? {})
      .filter(([key]) => key !== DISCRIMINATOR)
      .map(([key, s]) => describeProperty(key, s, !required.has(key) && s.default === undefined));
    cache.set(schema, fields);
  }
  return fields;
}

/** A field's title in a spec's schema, or null when the schema has no such field. */
export function fieldTitle(schema: z.ZodType, key: string): string | null {
  return fieldsOf(schema).find((f) => f.key === key)?.title ?? null;
}
