import { Rng } from '../../src/engine/util/rng';

/**
 * Seeded generators of hostile inputs for the API and worker-protocol fuzzers: random JSON values
 * (wrong types, edge numbers, huge strings, path-like and prototype-named strings, deep nesting) and
 * mutations of valid values (a field removed, retyped, replaced, nested, duplicated). Every value
 * survives JSON (what HTTP and child_process IPC carry), so that what is sent is what arrives.
 */
export class Hostile {
  readonly rng: Rng;
  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.rng.int(xs.length)];
  }

  chance(p: number): boolean {
    return this.rng.uniform() < p;
  }

  number(): number {
    return this.pick([
      0,
      -0,
      1,
      -1,
      0.5,
      1.5,
      2,
      7,
      -1e9,
      2 ** 31,
      2 ** 53 + 2,
      1e308,
      -1e308,
      Number.MIN_VALUE,
      this.rng.uniform() * 1000,
      Math.floor(this.rng.uniform() * 100),
    ]);
  }

  /** Strings that break naive code: empty, huge, control characters, paths out, prototype names. */
  string(): string {
    const huge = () => 'x'.repeat(this.pick([1 << 16, 1 << 20, 3 << 20]));
    return this.pick([
      '',
      ' ',
      'a',
      '../../../../etc/passwd',
      '/etc',
      '/',
      '.',
      '..',
      '~',
      'C:\\Windows\\system32',
      '\0',
      'a\0b',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      '%2e%2e%2f',
      '\u202e\ud800',
      '😀'.repeat(50),
      '<script>alert(1)</script>',
      '{"type":"stop"}',
      'stop',
      'cpu',
      'tensorflow',
      'synthetic',
      'path',
      'NaN',
      '-1',
      '1e309',
      String(this.rng.int(1e6)),
      huge(),
    ]);
  }

  /** Nested arrays or objects `depth` levels deep (JSON.stringify and zod both recurse). */
  deep(depth: number): unknown {
    let v: unknown = this.pick([null, 1, 'x']);
    const asObject = this.chance(0.5);
    for (let i = 0; i < depth; i++) v = asObject ? { a: v } : [v];
    return v;
  }

  /** A random JSON value; `depth` bounds ordinary nesting (deep() makes the pathological ones). */
  value(depth = 3): unknown {
    const r = this.rng.int(depth > 0 ? 10 : 5);
    switch (r) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.number();
      case 3:
      case 4:
        return this.string();
      case 5:
        return this.deep(this.pick([100, 1000, 5000]));
      case 6:
      case 7:
        return Array.from({ length: this.rng.int(5) }, () => this.value(depth - 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = this.rng.int(5); i > 0; i--)
          o[
            this.pick([
              'type',
              'id',
              'path',
              'data',
              'name',
              'source',
              '__proto__',
              'constructor',
              this.string().slice(0, 20),
            ])
          ] = this.value(depth - 1);
        return o;
      }
    }
  }

  /** A copy of `v` with one hostile change somewhere inside it (repeated `times` times). */
  mutate(v: unknown, times = 1 + this.rng.int(3)): unknown {
    let out = structuredClone(v);
    for (let i = 0; i < times; i++) out = this.mutateOnce(out);
    return out;
  }

  private mutateOnce(v: unknown): unknown {
    // At the top, or descend into a random field or element.
    if (v !== null && typeof v === 'object' && this.chance(0.7)) {
      const keys = Object.keys(v);
      if (keys.length) {
        const k = this.pick(keys);
        const o = v as Record<string, unknown>;
        const op = this.rng.int(6);
        if (op === 0 && !Array.isArray(v)) delete o[k];
        else if (op === 1) o[k] = this.value(2);
        else if (op === 2) o[k] = this.retype(o[k]);
        else if (op === 3 && !Array.isArray(v)) o[this.string().slice(0, 30) || 'extra'] = this.value(1);
        else o[k] = this.mutateOnce(o[k]);
        return v;
      }
    }
    return this.chance(0.5) ? this.retype(v) : this.value(2);
  }

  /** The same value with a wrong type: a number as a string, a string as an array, ... */
  private retype(v: unknown): unknown {
    if (typeof v === 'number') return this.pick([String(v), [v], { v }, null, -v, v + 0.5, v * 1e6]);
    if (typeof v === 'string') return this.pick([v.length, [v], null, v + v, this.string(), { v }]);
    if (typeof v === 'boolean') return this.pick([String(v), v ? 1 : 0, null, !v]);
    if (Array.isArray(v)) return this.pick([v[0], {}, v.concat(v), [...v, this.value(1)], v.slice(1)]);
    if (v && typeof v === 'object')
      return this.pick([[v], Object.values(v), null, jsonable(v) ? JSON.stringify(v) : '{']);
    return this.value(1);
  }
}

/** Serialises as HTTP and IPC do; false for values JSON cannot carry (far too deep for the stack). */
export function jsonable(v: unknown): boolean {
  try {
    JSON.stringify(v);
    return true;
  } catch {
    return false;
  }
}
