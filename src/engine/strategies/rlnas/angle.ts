import * as tf from '../../tf';
import type { Choices, SearchSpace } from '../../search/space';
import type { Supernet } from '../../search/supernet';
import { readNow, type HostReads } from '../../search/host-reads';

/**
 * One block of a candidate's weight vector (RLNAS, Zhang et al. 2021, Algorithm 1): either a supernet
 * parameter, named as in the supernet's namedParameters() (`cells.3.edges.2<-1.3.op.1.weight`), or a
 * constant that stands in for a parameter-free op (pooling's 1/k² kernel, identity's eye(C)) and is
 * the same in the initial and the trained vector, so that only its length and its sum of squares
 * matter to the angle.
 */
export type VectorBlock =
  { kind: 'parameter'; name: string } | { kind: 'constant'; what: string; length: number; squares: number };

/**
 * What a space contributes to RLNAS (one module per space, registered in rlnas/spaces.ts): how a
 * candidate's weight vector is made of blocks, and which architectures the reference draws. A block
 * appears as often as it is on the vector (a conv on two paths twice); their order is free, because
 * the angle between two vectors does not change when both are permuted alike.
 */
export interface RlnasSpaceParts {
  /**
   * The candidate's blocks, or null when every path through its cells is cut by `none` (the NB201
   * reference gives such a candidate the angle 0).
   */
  blocks(choices: Choices): VectorBlock[] | null;
  /**
   * Architectures the reference's supernet training can draw (NB201: every node has a non-`none`
   * input; DARTS: both inputs of every node are non-`none`); phase 1 redraws until one is. Absent: all.
   */
  trainable?(choices: Choices): boolean;
  /** Architectures the reference's evolution can propose (DARTS: as trainable); others are rejected and redrawn. */
  searchable?(choices: Choices): boolean;
}

/** Builds a space's parts for one supernet (checking that every parameter it names exists). */
export type RlnasSpaceSupport = (net: Supernet, space: SearchSpace) => RlnasSpaceParts;

/** pooling k×k on C channels, parameterised as the reference does: a [C, k, k] tensor of 1/k². */
export function poolingKernel(C: number, k: number): VectorBlock {
  return {
    kind: 'constant',
    what: `pool ${k}×${k} on ${C}`,
    length: C * k * k,
    squares: (C * k * k) / k ** 4,
  };
}

/** identity on C channels, parameterised as the reference's DARTS cells do: eye(C). */
export function identityMatrix(C: number): VectorBlock {
  return { kind: 'constant', what: `identity on ${C}`, length: C * C, squares: C };
}

/** Per parameter: ⟨w₀, w⟩, |w₀|², |w|², summed in float64 in index order. */
interface BlockStats {
  dot: number;
  initial: number;
  trained: number;
}

/**
 * The angle metric: θ = arccos(⟨V₀, V⟩ / (|V₀|·|V|)) between a candidate's weight vector at
 * initialisation (V₀) and now (V), larger is better (nas_bench_201/exps/algos/weight_angle.py,
 * darts_search_space/.../test_server.py get_angle). Keeps its own copy of the initial weights, which
 * the strategy checkpoints. A vector is a concatenation of blocks, so ⟨V₀, V⟩, |V₀|² and |V|² are sums
 * over its blocks of each block's own three sums: those are computed once per parameter (in float64,
 * from the weights' values) and cached until the weights change (`weightsChanged`), so scoring a
 * candidate costs a pass over its block list, not over its weights.
 */
export class AngleMetric {
  private readonly initial = new Map<string, tf.Tensor>();
  private readonly current = new Map<string, tf.Variable>();
  private readonly stats = new Map<string, BlockStats>();

  /** Copies the supernet's parameters as they are now: call before any training step. */
  constructor(net: Supernet) {
    for (const [name, v] of net.namedParameters()) {
      this.current.set(name, v);
      this.initial.set(name, tf.clone(v));
    }
  }

  /** The weights moved (a training step): the cached sums are stale. */
  weightsChanged(): void {
    this.stats.clear();
  }

  has(name: string): boolean {
    return this.current.has(name);
  }

  /**
   * Computes and caches the sums of every parameter of `blocks` not cached yet, reading the initial
   * and current weights of all of them in one go (a host-reads program: one round trip on webgpu).
   */
  *statsReads(blocks: readonly VectorBlock[] | null): HostReads<void> {
    const names = [
      ...new Set(
        (blocks ?? []).flatMap((b) => (b.kind === 'parameter' && !this.stats.has(b.name) ? [b.name] : [])),
      ),
    ];
    if (!names.length) return;
    const pairs = names.map((name) => {
      const v = this.current.get(name);
      const v0 = this.initial.get(name);
      if (!v || !v0) throw new Error(`RLNAS angle: the supernet has no parameter '${name}'`);
      return [v0, v];
    });
    // Variables and the kept initial copies: nothing here to dispose after the read.
    const values = yield pairs.flat();
    names.forEach((name, i) => this.stats.set(name, blockStats(values[2 * i], values[2 * i + 1])));
  }

  /** The angle as a host-reads program: the uncached weights read first (statsReads). */
  *angleReads(blocks: readonly VectorBlock[] | null): HostReads<number> {
    yield* this.statsReads(blocks);
    return this.angle(blocks);
  }

  private statsOf(name: string): BlockStats {
    const s = this.stats.get(name);
    if (s) return s;
    readNow(this.statsReads([{ kind: 'parameter', name }]));
    return this.stats.get(name) as BlockStats;
  }

  /** θ in radians for a vector made of `blocks` (null: every path cut, θ = 0 as the reference). */
  angle(blocks: readonly VectorBlock[] | null): number {
    if (blocks === null) return 0;
    let dot = 0;
    let initial = 0;
    let trained = 0;
    for (const b of blocks) {
      if (b.kind === 'constant') {
        dot += b.squares;
        initial += b.squares;
        trained += b.squares;
      } else {
        const s = this.statsOf(b.name);
        dot += s.dot;
        initial += s.initial;
        trained += s.trained;
      }
    }
    if (!(initial > 0 && trained > 0)) return 0;
    // sqrt(a·b) rather than sqrt(a)·sqrt(b): for unchanged weights a = b = dot and the quotient is exactly 1.
    const cos = dot / Math.sqrt(initial * trained);
    return Math.acos(Math.min(1, Math.max(-1, cos)));
  }

  /** The initial weights as checkpoint tensors (owned here: the caller must not dispose them). */
  tensors(prefix: string): Record<string, tf.Tensor> {
    return Object.fromEntries([...this.initial].map(([name, t]) => [`${prefix}${name}`, t]));
  }

  /** Restores the initial weights from checkpoint tensors (copied: the caller disposes its own). */
  restore(tensors: Record<string, tf.Tensor>, prefix: string): void {
    const missing = [...this.initial.keys()].filter((name) => !tensors[`${prefix}${name}`]);
    if (missing.length)
      throw new Error(
        `the checkpoint lacks RLNAS's initial weights for ${missing.length} parameters (e.g. ${prefix}${missing[0]}): the run cannot score candidates as it did`,
      );
    for (const [name, old] of this.initial) {
      const t = tensors[`${prefix}${name}`];
      if (t.shape.join() !== old.shape.join())
        throw new Error(
          `checkpoint tensor ${prefix}${name} has shape [${t.shape}] but the supernet's is [${old.shape}]`,
        );
    }
    for (const [name, old] of this.initial) {
      this.initial.set(name, tf.clone(tensors[`${prefix}${name}`]));
      old.dispose();
    }
    this.stats.clear();
  }

  dispose(): void {
    tf.dispose([...this.initial.values()]);
    this.initial.clear();
    this.stats.clear();
  }
}

/** ⟨a, b⟩, |a|², |b|² in float64, in index order. */
function blockStats(a: ArrayLike<number>, b: ArrayLike<number>): BlockStats {
  let dot = 0;
  let initial = 0;
  let trained = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    initial += a[i] * a[i];
    trained += b[i] * b[i];
  }
  return { dot, initial, trained };
}
