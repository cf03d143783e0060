import type { Genotype } from './genotype-types';

/**
 * Syntax of the reference implementation's genotype text (a Python namedtuple literal):
 *
 *   Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5],
 *            reduce=[...], reduce_concat=range(2, 6))
 *
 * and FairDARTS' sparse cells, where each gene is an (op, to, from) triple naming its node.
 *
 * Only this module knows the Python-literal syntax; whether the genotype makes sense (known ops, valid
 * inputs) is checked by validateGenotype in genotype.ts. An optional `NAME = ` prefix (as in the
 * reference's genotypes.py) is accepted and ignored.
 */

type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'int'; value: number; pos: number }
  | { kind: 'str'; value: string; pos: number }
  | { kind: 'punct'; text: '(' | ')' | '[' | ']' | ',' | '='; pos: number }
  | { kind: 'end'; pos: number };

/** A parsed Python literal of the subset we accept. */
type PyValue =
  | { kind: 'int'; value: number; pos: number }
  | { kind: 'str'; value: string; pos: number }
  | { kind: 'list' | 'tuple'; items: PyValue[]; pos: number }
  | { kind: 'call'; name: string; args: PyValue[]; pos: number };

export class ReferenceGenotypeSyntaxError extends Error {
  constructor(message: string, text: string, pos: number) {
    const line = text.slice(0, pos).split('\n').length;
    const col = pos - text.lastIndexOf('\n', pos - 1);
    const near = text.slice(pos, pos + 30).replace(/\s+/g, ' ');
    super(`reference genotype text, line ${line} column ${col}: ${message} (near "${near}")`);
    this.name = 'ReferenceGenotypeSyntaxError';
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c) || c === '\\') {
      // Whitespace and Python line continuations carry no meaning here.
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if ('()[],='.includes(c)) {
      tokens.push({ kind: 'punct', text: c as '(' | ')' | '[' | ']' | ',' | '=', pos: i });
      i++;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new ReferenceGenotypeSyntaxError('unterminated string', text, i);
      tokens.push({ kind: 'str', value: text.slice(i + 1, end), pos: i });
      i = end + 1;
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?[0-9]+/.exec(text.slice(i));
      if (!m) throw new ReferenceGenotypeSyntaxError(`unexpected character '${c}'`, text, i);
      tokens.push({ kind: 'int', value: Number(m[0]), pos: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'ident', text: m[0], pos: i });
      i += m[0].length;
    } else {
      throw new ReferenceGenotypeSyntaxError(`unexpected character '${c}'`, text, i);
    }
  }
  tokens.push({ kind: 'end', pos: text.length });
  return tokens;
}

class Parser {
  private at = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)];
  }

  next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.at++;
    return t;
  }

  fail(message: string, t: Token = this.peek()): never {
    throw new ReferenceGenotypeSyntaxError(message, this.text, t.pos);
  }

  isPunct(text: string, t: Token = this.peek()): boolean {
    return t.kind === 'punct' && t.text === text;
  }

  expectPunct(text: string): void {
    const t = this.next();
    if (!this.isPunct(text, t)) this.fail(`expected '${text}'`, t);
  }

  /** Items up to `close`, separated by commas, a trailing comma allowed. */
  sequence<T>(close: string, item: () => T): T[] {
    const items: T[] = [];
    while (!this.isPunct(close)) {
      items.push(item());
      if (this.isPunct(',')) this.next();
      else if (!this.isPunct(close)) this.fail(`expected ',' or '${close}'`);
    }
    this.next();
    return items;
  }

  value(): PyValue {
    const t = this.next();
    if (t.kind === 'int') return { kind: 'int', value: t.value, pos: t.pos };
    if (t.kind === 'str') return { kind: 'str', value: t.value, pos: t.pos };
    if (this.isPunct('[', t))
      return { kind: 'list', items: this.sequence(']', () => this.value()), pos: t.pos };
    if (this.isPunct('(', t))
      return { kind: 'tuple', items: this.sequence(')', () => this.value()), pos: t.pos };
    if (t.kind === 'ident' && this.isPunct('(')) {
      this.next();
      return { kind: 'call', name: t.text, args: this.sequence(')', () => this.value()), pos: t.pos };
    }
    return this.fail('expected a number, a string, a list, a tuple or range(...)', t);
  }

  /** `[NAME =] Genotype(key=value, ...)` as a map of keyword arguments. */
  genotypeCall(): Map<string, PyValue> {
    if (this.peek().kind === 'ident' && this.isPunct('=', this.peek(1))) {
      this.next();
      this.next();
    }
    const head = this.next();
    if (head.kind !== 'ident' || !/(^|\.)Genotype$/.test(head.text)) this.fail("expected 'Genotype('", head);
    this.expectPunct('(');
    const args = new Map<string, PyValue>();
    this.sequence(')', () => {
      const key = this.next();
      if (key.kind !== 'ident' || !this.isPunct('=')) {
        this.fail('expected a keyword argument (normal=, normal_concat=, reduce=, reduce_concat=)', key);
      }
      this.next();
      if (args.has(key.text)) this.fail(`keyword '${key.text}' given twice`, key);
      args.set(key.text, this.value());
    });
    if (this.peek().kind !== 'end')
      this.fail('unexpected text after the closing parenthesis of Genotype(...)');
    return args;
  }
}

const FIELDS = ['normal', 'normal_concat', 'reduce', 'reduce_concat'] as const;

/** A cell's genes: (op, input) pairs, or FairDARTS' (op, to, from) triples with the node each feeds. */
function genes(
  v: PyValue,
  field: string,
  text: string,
): { genes: Array<[string, number]>; nodes?: number[] } {
  if (v.kind !== 'list' && v.kind !== 'tuple') {
    throw new ReferenceGenotypeSyntaxError(`${field} must be a list of (op, input) pairs`, text, v.pos);
  }
  const arity = v.items[0]?.kind === 'tuple' || v.items[0]?.kind === 'list' ? v.items[0].items.length : 2;
  const out: Array<[string, number]> = [];
  const nodes: number[] = [];
  v.items.forEach((gene, i) => {
    if (
      (gene.kind !== 'tuple' && gene.kind !== 'list') ||
      (arity !== 2 && arity !== 3) ||
      gene.items.length !== arity ||
      gene.items[0].kind !== 'str' ||
      gene.items.slice(1).some((x) => x.kind !== 'int')
    ) {
      throw new ReferenceGenotypeSyntaxError(
        `${field}[${i}] must be a pair ('op_name', input) or, in every entry, a triple ('op_name', to, from)`,
        text,
        gene.pos,
      );
    }
    const [op, a, b] = gene.items as [
      PyValue & { value: string },
      PyValue & { value: number },
      (PyValue & { value: number })?,
    ];
    if (arity === 2) out.push([op.value, a.value]);
    else {
      out.push([op.value, b!.value]);
      nodes.push(a.value);
    }
  });
  return arity === 3 ? { genes: out, nodes } : { genes: out };
}

function concat(v: PyValue, field: string, text: string): number[] {
  if (v.kind === 'call') {
    const bounds = v.args.map((a) => {
      if (a.kind !== 'int') throw new ReferenceGenotypeSyntaxError('range() takes integers', text, a.pos);
      return a.value;
    });
    if (v.name !== 'range' || bounds.length < 1 || bounds.length > 2) {
      throw new ReferenceGenotypeSyntaxError(
        `${field} must be a list of integers or range(a, b)`,
        text,
        v.pos,
      );
    }
    const [lo, hi] = bounds.length === 1 ? [0, bounds[0]] : bounds;
    return Array.from({ length: Math.max(0, hi - lo) }, (_, i) => lo + i);
  }
  if (v.kind !== 'list' && v.kind !== 'tuple') {
    throw new ReferenceGenotypeSyntaxError(`${field} must be a list of integers or range(a, b)`, text, v.pos);
  }
  return v.items.map((x) => {
    if (x.kind !== 'int')
      throw new ReferenceGenotypeSyntaxError(`${field} must hold integers only`, text, x.pos);
    return x.value;
  });
}

/** Reads the reference text into a Genotype (syntax only: the result is not validated). */
export function readReferenceGenotypeText(text: string): Genotype {
  const args = new Parser(text, tokenize(text)).genotypeCall();
  for (const key of args.keys()) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new ReferenceGenotypeSyntaxError(
        `unknown field '${key}' (expected ${FIELDS.join(', ')})`,
        text,
        args.get(key)!.pos,
      );
    }
  }
  const missing = FIELDS.filter((f) => !args.has(f));
  if (missing.length) {
    throw new ReferenceGenotypeSyntaxError(`missing field(s) ${missing.join(', ')}`, text, text.length);
  }
  const normal = genes(args.get('normal')!, 'normal', text);
  const reduce = genes(args.get('reduce')!, 'reduce', text);
  // FairDARTS' DCOCell concatenates the nodes that exist whatever *_concat says (its published genotypes
  // list range(2, 6) with a node missing): in a sparse cell, concat keeps only the inputs and the nodes
  // that have inputs.
  const kept = (c: number[], nodes?: number[]) => (nodes ? c.filter((s) => s < 2 || nodes.includes(s)) : c);
  return {
    normal: normal.genes,
    normalConcat: kept(concat(args.get('normal_concat')!, 'normal_concat', text), normal.nodes),
    reduce: reduce.genes,
    reduceConcat: kept(concat(args.get('reduce_concat')!, 'reduce_concat', text), reduce.nodes),
    ...(normal.nodes ? { normalNodes: normal.nodes } : {}),
    ...(reduce.nodes ? { reduceNodes: reduce.nodes } : {}),
  };
}

/** Writes the reference text (concat as explicit lists, the form of the reference's genotypes.py). */
export function writeReferenceGenotypeText(g: Genotype): string {
  const genesText = (gs: Array<[string, number]>, nodes?: number[]) =>
    `[${gs.map(([op, i], k) => (nodes ? `('${op}', ${nodes[k]}, ${i})` : `('${op}', ${i})`)).join(', ')}]`;
  const list = (xs: number[]) => `[${xs.join(', ')}]`;
  return (
    `Genotype(normal=${genesText(g.normal, g.normalNodes)}, normal_concat=${list(g.normalConcat)}, ` +
    `reduce=${genesText(g.reduce, g.reduceNodes)}, reduce_concat=${list(g.reduceConcat)})`
  );
}
