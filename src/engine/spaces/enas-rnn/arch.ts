import { ENAS_RNN_ACTIVATIONS, type EnasRnnActivation } from './search-space';

/**
 * A discrete ENAS recurrent cell of N nodes, plain JSON: `activations[j]` is node j's activation
 * (N entries), `inputs[j − 1]` the earlier node that node j reads (N − 1 entries, inputs[j−1] < j).
 * Node 0 reads x_t and h_{t−1}. The loose ends (nodes no later node reads) are averaged into the
 * cell's output; node N − 1 is always one.
 */
export interface EnasRnnArch {
  activations: string[];
  inputs: number[];
}

/** Something wrong with an architecture, its text or its file; the message names the problem. */
export class EnasRnnArchError extends Error {
  override name = 'EnasRnnArchError';
}

export const ENAS_RNN_ARCH_FORMAT = 'nas-studio.enas-rnn-arch';
export const ENAS_RNN_ARCH_VERSION = 1;

/** Canonical spelling of an activation, case-insensitively ('relu' → 'ReLU'); null if unknown. */
export function activationName(name: string): EnasRnnActivation | null {
  return ENAS_RNN_ACTIVATIONS.find((a) => a.toLowerCase() === name.toLowerCase()) ?? null;
}

/** Throws unless `arch` is a cell of `nodes` nodes, naming the first problem. */
export function validateEnasRnnArch(
  arch: unknown,
  nodes: number,
  source = 'architecture',
): asserts arch is EnasRnnArch {
  const a = arch as Partial<EnasRnnArch> | null;
  if (typeof a !== 'object' || a === null || !Array.isArray(a.activations) || !Array.isArray(a.inputs))
    throw new EnasRnnArchError(
      `${source}: an ENAS RNN cell is { activations: [N names], inputs: [N−1 node indices] }`,
    );
  if (a.activations.length !== nodes)
    throw new EnasRnnArchError(
      `${source}: the cell has ${nodes} nodes, so ${nodes} activations; got ${a.activations.length}`,
    );
  if (a.inputs.length !== nodes - 1)
    throw new EnasRnnArchError(
      `${source}: nodes 1..${nodes - 1} each read one earlier node, so ${nodes - 1} inputs; got ${a.inputs.length}`,
    );
  a.activations.forEach((f, j) => {
    if (typeof f !== 'string' || !(ENAS_RNN_ACTIVATIONS as readonly string[]).includes(f))
      throw new EnasRnnArchError(
        `${source}, node ${j}: unknown activation ${JSON.stringify(f)} (one of ${ENAS_RNN_ACTIVATIONS.join(', ')})`,
      );
  });
  a.inputs.forEach((p, k) => {
    const j = k + 1;
    if (!(Number.isInteger(p) && p >= 0 && p < j))
      throw new EnasRnnArchError(
        `${source}, node ${j}: its input must be an earlier node 0..${j - 1}, got ${JSON.stringify(p)}`,
      );
  });
}

/** The nodes no later node reads, ascending: their average is the cell's output. */
export function looseEnds(arch: EnasRnnArch): number[] {
  const used = new Set(arch.inputs);
  return arch.activations.map((_, j) => j).filter((j) => !used.has(j));
}

/**
 * The text notation: one term per node, `n0=f(x,h)` for node 0 and `nj=f(ni)` for node j reading
 * node i, separated by spaces: `n0=tanh(x,h) n1=ReLU(n0) n2=identity(n0) n3=sigmoid(n2)`.
 */
export function formatEnasRnn(arch: EnasRnnArch): string {
  return arch.activations
    .map((f, j) => (j === 0 ? `n0=${f}(x,h)` : `n${j}=${f}(n${arch.inputs[j - 1]})`))
    .join(' ');
}

/** Parses the text notation (activation names in any case); nodes must appear in order 0..N−1. */
export function parseEnasRnn(text: string, nodes: number): EnasRnnArch {
  if (typeof text !== 'string') throw new EnasRnnArchError(`an ENAS RNN cell is text, got ${typeof text}`);
  const terms = text.trim().split(/\s+/).filter(Boolean);
  if (terms.length !== nodes)
    throw new EnasRnnArchError(
      `expected ${nodes} node terms like 'n1=ReLU(n0)', got ${terms.length} in '${text}'`,
    );
  const activations: string[] = [];
  const inputs: number[] = [];
  terms.forEach((term, j) => {
    const m = /^n(\d+)=([A-Za-z]+)\(([^)]*)\)$/.exec(term);
    if (!m)
      throw new EnasRnnArchError(
        `term ${j + 1} '${term}': expected n${j}=<activation>(${j === 0 ? 'x,h' : 'n<i>'})`,
      );
    if (Number(m[1]) !== j) throw new EnasRnnArchError(`term ${j + 1} '${term}': expected node n${j} here`);
    const f = activationName(m[2]);
    if (!f)
      throw new EnasRnnArchError(
        `term '${term}': unknown activation '${m[2]}' (one of ${ENAS_RNN_ACTIVATIONS.join(', ')})`,
      );
    activations.push(f);
    const arg = m[3].replace(/\s/g, '');
    if (j === 0) {
      if (arg !== 'x,h') throw new EnasRnnArchError(`term '${term}': node 0 reads (x,h)`);
    } else {
      const p = /^n(\d+)$/.exec(arg);
      if (!p) throw new EnasRnnArchError(`term '${term}': node ${j} reads one earlier node, written n<i>`);
      inputs.push(Number(p[1]));
    }
  });
  const arch = { activations, inputs };
  validateEnasRnnArch(arch, nodes, `'${text}'`);
  return arch;
}

export interface EnasRnnArchFile {
  format: typeof ENAS_RNN_ARCH_FORMAT;
  version: typeof ENAS_RNN_ARCH_VERSION;
  nodes: number;
  activations: string[];
  inputs: number[];
  /** The text notation, for people reading the file (ignored when read back). */
  text: string;
}

export function enasRnnToJson(arch: EnasRnnArch): EnasRnnArchFile {
  return {
    format: ENAS_RNN_ARCH_FORMAT,
    version: ENAS_RNN_ARCH_VERSION,
    nodes: arch.activations.length,
    activations: [...arch.activations],
    inputs: [...arch.inputs],
    text: formatEnasRnn(arch),
  };
}

export function enasRnnFromJson(json: unknown, nodes: number, source = 'architecture'): EnasRnnArch {
  let j = json;
  if (typeof j === 'string') {
    try {
      j = JSON.parse(j);
    } catch (e) {
      throw new EnasRnnArchError(`${source}: not JSON (${(e as Error).message})`);
    }
  }
  const f = j as Partial<EnasRnnArchFile> | null;
  if (typeof f !== 'object' || f === null || f.format !== ENAS_RNN_ARCH_FORMAT)
    throw new EnasRnnArchError(
      `${source}: not an ENAS RNN architecture file (format must be '${ENAS_RNN_ARCH_FORMAT}')`,
    );
  if (f.version !== ENAS_RNN_ARCH_VERSION)
    throw new EnasRnnArchError(
      `${source}: unsupported version ${String(f.version)} (this app reads ${ENAS_RNN_ARCH_VERSION})`,
    );
  if (f.nodes !== nodes)
    throw new EnasRnnArchError(
      `${source}: a cell of ${String(f.nodes)} nodes does not fit this space of ${nodes} nodes`,
    );
  const arch = {
    activations: (f.activations ?? []).map((a) => (typeof a === 'string' ? (activationName(a) ?? a) : a)),
    inputs: f.inputs as number[],
  };
  validateEnasRnnArch(arch, nodes, source);
  return arch;
}
