import {
  isNb201Op,
  NB201_EDGES,
  NB201_NODES,
  NB201_OPS,
  NB201_ROW_NAMES,
  nb201EdgeIndex,
} from './search-space';

/**
 * A discrete NAS-Bench-201 architecture: one cell (shared by all cells of the network), as the op of
 * each of its six edges in row order (NB201_EDGES: 1←0, 2←0, 2←1, 3←0, 3←1, 3←2). Plain JSON, as the
 * space contract asks; 'none' is an op like any other (an edge that contributes zeros).
 */
export interface Nb201Arch {
  edges: string[];
}

/** Something wrong with an architecture, its text or its file; the message names the problem. */
export class Nb201ArchError extends Error {
  override name = 'Nb201ArchError';
}

/** The file format of an architecture (toJson / fromJson). */
export const NB201_ARCH_FORMAT = 'nas-studio.nb201-arch';
export const NB201_ARCH_VERSION = 1;

export interface Nb201ArchFile {
  format: typeof NB201_ARCH_FORMAT;
  version: typeof NB201_ARCH_VERSION;
  /** The benchmark's string, `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`. */
  arch: string;
}

/** Throws unless `arch` is six ops of `ops`, naming the first problem. */
export function validateNb201Arch(
  arch: unknown,
  ops: readonly string[],
  source = 'architecture',
): asserts arch is Nb201Arch {
  const edges = (arch as { edges?: unknown } | null)?.edges;
  if (typeof arch !== 'object' || arch === null || !Array.isArray(edges))
    throw new Nb201ArchError(`${source}: an NB201 architecture is { edges: [six op names] }`);
  if (edges.length !== NB201_EDGES.length)
    throw new Nb201ArchError(
      `${source}: an NB201 cell has ${NB201_EDGES.length} edges (${NB201_ROW_NAMES.join(', ')}), got ${edges.length}`,
    );
  edges.forEach((op, e) => checkOp(op, ops, `${source}, edge ${NB201_ROW_NAMES[e]}`));
}

function checkOp(op: unknown, ops: readonly string[], where: string): void {
  if (typeof op !== 'string')
    throw new Nb201ArchError(`${where}: the op must be a name, got ${JSON.stringify(op)}`);
  if (!isNb201Op(op))
    throw new Nb201ArchError(`${where}: unknown op '${op}' (NAS-Bench-201 ops: ${NB201_OPS.join(', ')})`);
  if (!ops.includes(op))
    throw new Nb201ArchError(`${where}: op '${op}' is not a candidate of this space (${ops.join(', ')})`);
}

/** The benchmark's string: per node j = 1..3, `|op~i|` for each input i < j, nodes joined by '+'. */
export function formatNb201(arch: Nb201Arch): string {
  const nodes: string[] = [];
  for (let node = 1; node < NB201_NODES; node++) {
    const terms: string[] = [];
    for (let input = 0; input < node; input++)
      terms.push(`${arch.edges[nb201EdgeIndex(node, input)]}~${input}`);
    nodes.push(`|${terms.join('|')}|`);
  }
  return nodes.join('+');
}

/**
 * Parses the benchmark's string (as NATS-Bench's meta file and Structure.tostr() write it). Node j
 * must list each of its inputs 0..j−1 exactly once, in any order (str2structure accepts any order;
 * the benchmark always writes them ascending, which formatNb201 does too).
 */
export function parseNb201(text: string, ops: readonly string[]): Nb201Arch {
  if (typeof text !== 'string')
    throw new Nb201ArchError(`an NB201 architecture string is text, got ${typeof text}`);
  const s = text.trim();
  const shape = `expected ${NB201_NODES - 1} nodes like |op~0|+|op~0|op~1|+|op~0|op~1|op~2|`;
  const nodeTexts = s.split('+');
  if (nodeTexts.length !== NB201_NODES - 1)
    throw new Nb201ArchError(
      `'${s}': ${shape}, got ${nodeTexts.length} node${nodeTexts.length === 1 ? '' : 's'}`,
    );
  const edges = new Array<string>(NB201_EDGES.length);
  nodeTexts.forEach((nodeText, k) => {
    const node = k + 1;
    const parts = nodeText.split('|');
    if (
      parts.length < 3 ||
      parts[0] !== '' ||
      parts[parts.length - 1] !== '' ||
      parts.slice(1, -1).some((p) => p === '')
    )
      throw new Nb201ArchError(`'${s}', node ${node}: '${nodeText}' is not of the form |op~i|op~j|…|`);
    const terms = parts.slice(1, -1);
    if (terms.length !== node)
      throw new Nb201ArchError(
        `'${s}', node ${node}: takes ${node} input${node === 1 ? '' : 's'} (from nodes 0..${node - 1}), got ${terms.length}`,
      );
    const seen = new Set<number>();
    for (const term of terms) {
      const m = /^([^~]+)~(\d+)$/.exec(term);
      if (!m) throw new Nb201ArchError(`'${s}', node ${node}: '${term}' is not op~input`);
      const [, op, idx] = m;
      const input = Number(idx);
      if (input >= node)
        throw new Nb201ArchError(
          `'${s}', node ${node}: input index ${input} is not an earlier node (0..${node - 1})`,
        );
      if (seen.has(input)) throw new Nb201ArchError(`'${s}', node ${node}: input ${input} appears twice`);
      seen.add(input);
      checkOp(op, ops, `'${s}', node ${node}`);
      edges[nb201EdgeIndex(node, input)] = op;
    }
  });
  return { edges };
}

export function nb201ToJson(arch: Nb201Arch): Nb201ArchFile {
  return { format: NB201_ARCH_FORMAT, version: NB201_ARCH_VERSION, arch: formatNb201(arch) };
}

/** Reads an architecture file (the object, or its JSON text), checking the header and the string. */
export function nb201FromJson(json: unknown, ops: readonly string[], source = 'architecture'): Nb201Arch {
  let obj = json;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json);
    } catch (e) {
      throw new Nb201ArchError(`${source}: not JSON (${(e as Error).message})`);
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    throw new Nb201ArchError(
      `${source}: expected an object { format: '${NB201_ARCH_FORMAT}', version: 1, arch: '|op~0|+…' }`,
    );
  const f = obj as Partial<Record<keyof Nb201ArchFile, unknown>>;
  if (f.format !== NB201_ARCH_FORMAT)
    throw new Nb201ArchError(
      `${source}: format is ${JSON.stringify(f.format)}, expected '${NB201_ARCH_FORMAT}'`,
    );
  if (f.version !== NB201_ARCH_VERSION)
    throw new Nb201ArchError(
      `${source}: version ${JSON.stringify(f.version)} is not supported (this build reads version ${NB201_ARCH_VERSION})`,
    );
  if (typeof f.arch !== 'string')
    throw new Nb201ArchError(
      `${source}: 'arch' must be the architecture string, got ${JSON.stringify(f.arch)}`,
    );
  try {
    return parseNb201(f.arch, ops);
  } catch (e) {
    throw new Nb201ArchError(`${source}: ${(e as Error).message}`);
  }
}
