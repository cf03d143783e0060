import type { z } from 'zod';
import type { Rng } from '../util/rng';

/**
 * The search-space half of the engine's contract (docs/strategies.md), in NNI's spirit: a space
 * declares labelled choice points, and strategies see the space only through them. This file is free
 * of tfjs so that the app (wizard, runs list, cost estimates) can use every space's declaration; the
 * supernet and the final network, which need tensors, are in ./supernet.ts.
 */

/**
 * Gradient checkpointing of a supernet while gradients are taken: 'off' keeps every intermediate,
 * 'edge' recomputes one choice's options in the backward pass, 'cell' one cell.
 */
export type Recompute = 'cell' | 'edge' | 'off';

/** What the decisions of a choice point choose (the mission's kinds). */
export type ChoiceKind = 'op' | 'input' | 'block' | 'rnn-node';

/**
 * One labelled group of decisions that share their options: `rows` decisions, each among `options`.
 * DARTS: label 'normal', one row per edge, options the candidate ops; NB201: label 'cell', six rows.
 */
export interface ChoicePoint {
  /** Stable key: in assignments, checkpoints (`alpha.<label>`), charts. */
  label: string;
  kind: ChoiceKind;
  /** How the app names the group ('normal cell'). */
  title: string;
  /** A name per row, as the field writes it ('c_{k-1} → 2', '2←0'). */
  rows: string[];
  options: string[];
  /**
   * Where rows may not choose every option: row r chooses among the first rowOptions[r] options only
   * (enas-rnn: node j picks its input among the nodes 0..j−1 before it). Absent: every row, every option.
   * A controller masks the other options' logits; samplers, mutations and derive respect it.
   */
  rowOptions?: number[];
}

/**
 * What a space needs to know of the data. For text (a language-model space) `classes` is the
 * vocabulary size and `size` and `channels` are 0.
 */
export interface InputShape {
  /** Square images: height = width. */
  size: number;
  channels: number;
  classes: number;
}

/**
 * A discrete architecture as one option index per row of each label; -1 marks a row that is not
 * used (an edge a DARTS node did not pick). Every space converts its own architectures to and from it.
 */
export type Choices = Record<string, number[]>;

/** Continuous weights per label, one row per decision (softmax(α), σ(α), sampling frequencies). */
export type ChoiceWeights = Record<string, number[][]>;

/**
 * A search space bound to its configuration. `A` is the space's own discrete architecture (a DARTS
 * Genotype, an NB201 cell): plain JSON data, so that it can be logged, compared and sent anywhere.
 * Every method that takes outside input validates it and throws an Error naming what is wrong.
 */
export interface SearchSpace<A = unknown> {
  readonly name: string;
  readonly choicePoints: readonly ChoicePoint[];
  /** One line for the runs list ('DARTS 8 cells × 4 nodes, C=16'). */
  readonly summary: string;

  /** The architecture file's JSON (with a format header); `fromJson` validates and names the problem. */
  toJson(arch: A): unknown;
  fromJson(json: unknown, source?: string): A;
  /** The field's text notation (DARTS `Genotype(...)`, NB201 `|op~0|+|op~0|op~1|+...`). */
  toText(arch: A): string;
  fromText(text: string, source?: string): A;

  /** The architecture as option indices per row; `fromChoices` checks the space's constraints. */
  choices(arch: A): Choices;
  fromChoices(choices: Choices): A;

  /** The space's standard discretisation of continuous weights (DARTS: top-2 inputs per node). */
  derive(weights: ChoiceWeights): A;

  /** A uniformly random architecture that satisfies the space's constraints. */
  sample(rng: Rng): A;
  /**
   * A valid neighbour: with `probability` p each decision is redrawn with probability p (SPOS);
   * without it, one random decision changes to a different option (regularized evolution).
   */
  mutate(arch: A, rng: Rng, options?: { probability?: number }): A;
  /** A valid child taking each decision from one parent or the other, uniformly. */
  crossover(a: A, b: A, rng: Rng): A;

  /** Cost model. Parameters and FLOPs count conv and linear layers (FLOPs = multiply-adds). */
  cost: SpaceCost<A>;
}

export interface SpaceCost<A> {
  /** Trainable parameters of the whole supernet. */
  supernetParams(shape: InputShape): number;
  /** Multiply-adds of one image's forward pass through the supernet (every option). */
  supernetFlops(shape: InputShape): number;
  /** Estimated peak bytes of one search step at `batch` (docs/performance.md), under a gradient-checkpointing mode. */
  stepBytes(shape: InputShape, batch: number, recompute?: Recompute): number;
  /** Parameters and FLOPs of one discrete architecture as its own network inside the supernet's skeleton. */
  archParams(arch: A, shape: InputShape): number;
  archFlops(arch: A, shape: InputShape): number;
}

/**
 * What a space file declares for the registry (timm-style): name, descriptions, its config schema
 * (every field described, with the paper's default and its source) and how to bind a config.
 */
export interface SpaceSpec<S extends z.ZodObject = z.ZodObject, A = unknown> {
  readonly name: string;
  readonly title: string;
  /** One or two sentences for the wizard. */
  readonly description: string;
  /** The paper and the reference code (repository and file). */
  readonly reference: string;
  /** A zod object with a literal `name`, every field `.meta({ title, description })`d (description: the paper's value and why). */
  readonly schema: S;
  /** What data the space's networks read: images (absent: the default) or text (a language model). */
  readonly modality?: 'image' | 'text';
  create(config: z.infer<S>): SearchSpace<A>;
}
