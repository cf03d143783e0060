import type { ChoicePoint, SearchSpace } from './space';

/**
 * How an autoregressive controller (ENAS's LSTM, strategies/enas/controller.ts) walks a space's
 * choice points: one step per decision, in the order the controller makes them, plus the steps that
 * make the controller states an `input` decision points at. tfjs-free, so a space can declare its own
 * (`decisionProgram()`); a space without one gets `defaultDecisionProgram` (op choices only).
 *
 * The controller keeps a list of **anchors** per cell — one controller state per state of the cell an
 * input decision may pick (the cell's given inputs, then each node in order) — and an **input** vector
 * for its next LSTM step (the start embedding g_emb at first):
 * - `cell`: a new cell: the anchors are cleared, then `given` LSTM steps on g_emb each make one anchor
 *   (the cell's given inputs; their input vector is zero, as micro_controller.py's); next input g_emb.
 * - `op`: one LSTM step; logits = head(h) over the row's options (one linear head and one embedding per
 *   distinct option list, shared by the labels that have it); the pick's embedding is the next input.
 *   `bias`, when given, is added to the shaped logits and is not learned (the reference's
 *   b_soft_no_learn, normal cells only). `options`, when given, limits the row to the first
 *   `options` of the label's options (a choice point's `rowOptions`: the ENAS RNN's node j reads one
 *   of nodes 0..j−1): the softmax is over those only, so no other option is ever drawn. `decoder`,
 *   when given, names the linear head: steps naming the same decoder share it, and a named decoder is
 *   its own (ENAS-pytorch gives every decision step its own decoder); the embedding stays the label's.
 * - `input`: one LSTM step; logits = attention over anchors 0..states−1 (vᵀ·tanh(W1·a_i + W2·h)); the
 *   picked anchor's vector is the next input. The option index chosen is the state index: options of
 *   an `input` choice point name the states (the cell's inputs, then its nodes), and a row may take
 *   only the first `states` of them, the states made before it.
 * - `state`: one LSTM step on the current input; its h is the next anchor (the node just decided,
 *   carried as its vector); the next input is g_emb.
 * Every (label, row) of the space is decided exactly once; the choices are the picks by label and row.
 */
export type DecisionStep =
  | { kind: 'cell'; given: number }
  | {
      kind: 'op';
      label: string;
      row: number;
      bias?: readonly number[];
      options?: number;
      decoder?: string;
    }
  | { kind: 'input'; label: string; row: number; states: number }
  | { kind: 'state' };

export interface DecisionProgram {
  steps: readonly DecisionStep[];
  /** Initial value of the learned head bias, per label (the reference's b_soft init [10, 10, 0, …]). */
  headBiasInit?: Readonly<Record<string, readonly number[]>>;
  /**
   * The controller's first input (and each `cell` step's): 'learned', a trained start embedding g_emb
   * (melodyguan/enas micro_controller.py), or 'zeros', a constant zero vector (ENAS-pytorch
   * Controller.static_inputs). Default 'learned'.
   */
  start?: 'learned' | 'zeros';
}

/** A space that says how a controller walks it (the ENAS micro space, the ENAS RNN cell). */
export interface ProgrammableSpace {
  decisionProgram(): DecisionProgram;
}

function hasProgram(space: object): space is ProgrammableSpace {
  return typeof (space as Partial<ProgrammableSpace>).decisionProgram === 'function';
}

/**
 * Op-only spaces (NB201: six edges, the ops as options): one `cell` with no given states, then every
 * row of every label in order as an `op` decision (limited to the row's `rowOptions` where it has them). `input` choice points need the space's own program
 * (the controller cannot know which states a row may pick).
 */
export function defaultDecisionProgram(points: readonly ChoicePoint[]): DecisionProgram {
  const steps: DecisionStep[] = [{ kind: 'cell', given: 0 }];
  for (const cp of points) {
    if (cp.kind === 'input')
      throw new Error(
        `choice point '${cp.label}' chooses inputs: an autoregressive controller needs the space's decision program (decisionProgram()), which this space does not declare`,
      );
    cp.rows.forEach((_, row) => {
      const options = cp.rowOptions?.[row];
      steps.push(
        options === undefined
          ? { kind: 'op', label: cp.label, row }
          : { kind: 'op', label: cp.label, row, options },
      );
    });
  }
  return { steps };
}

/** The space's program, or the default one; validated against its choice points. */
export function decisionProgramOf(space: SearchSpace): DecisionProgram {
  const program = hasProgram(space) ? space.decisionProgram() : defaultDecisionProgram(space.choicePoints);
  validateDecisionProgram(program, space.choicePoints);
  return program;
}

/** Checks that a program decides every row once, within its options and the anchors made so far. */
export function validateDecisionProgram(program: DecisionProgram, points: readonly ChoicePoint[]): void {
  const byLabel = new Map(points.map((cp) => [cp.label, cp]));
  const seen = new Set<string>();
  const decoderWidth = new Map<string, number>();
  let anchors = -1; // no cell begun
  program.steps.forEach((s, i) => {
    const where = `decision program step ${i} (${s.kind})`;
    if (s.kind === 'cell') {
      if (!(Number.isInteger(s.given) && s.given >= 0)) throw new Error(`${where}: given must be ≥ 0`);
      anchors = s.given;
      return;
    }
    if (anchors < 0) throw new Error(`${where}: the program must begin with a 'cell' step`);
    if (s.kind === 'state') {
      anchors += 1;
      return;
    }
    const cp = byLabel.get(s.label);
    if (!cp) throw new Error(`${where}: the space has no label '${s.label}'`);
    if (!(Number.isInteger(s.row) && s.row >= 0 && s.row < cp.rows.length))
      throw new Error(`${where}: '${s.label}' has rows 0..${cp.rows.length - 1}, not ${s.row}`);
    const key = `${s.label}#${s.row}`;
    if (seen.has(key)) throw new Error(`${where}: '${s.label}' row ${s.row} is decided twice`);
    seen.add(key);
    if (s.kind === 'op') {
      if (cp.kind === 'input') throw new Error(`${where}: '${s.label}' chooses inputs, not ops`);
      const width = s.options ?? cp.options.length;
      if (
        s.options !== undefined &&
        !(Number.isInteger(s.options) && s.options >= 1 && s.options <= cp.options.length)
      )
        throw new Error(
          `${where}: '${s.label}' has ${cp.options.length} options, so options must be 1..${cp.options.length}, not ${s.options}`,
        );
      const legal = cp.rowOptions?.[s.row];
      if (legal !== undefined && width > legal)
        throw new Error(
          `${where}: '${s.label}' row ${s.row} may take only its first ${legal} options (rowOptions), but the step draws among ${width}`,
        );
      if (s.bias && s.bias.length !== width)
        throw new Error(`${where}: bias needs ${width} values, got ${s.bias.length}`);
      if (s.decoder !== undefined) {
        const w = decoderWidth.get(s.decoder);
        if (w !== undefined && w !== width)
          throw new Error(`${where}: decoder '${s.decoder}' is ${w} wide, this step draws among ${width}`);
        decoderWidth.set(s.decoder, width);
      }
    } else {
      if (cp.kind !== 'input') throw new Error(`${where}: '${s.label}' is not an input choice point`);
      if (!(s.states >= 1 && s.states <= anchors && s.states <= cp.options.length))
        throw new Error(
          `${where}: '${s.label}' row ${s.row} picks among ${s.states} states, but ${anchors} exist then and the label has ${cp.options.length} options`,
        );
    }
  });
  for (const cp of points)
    cp.rows.forEach((_, r) => {
      if (!seen.has(`${cp.label}#${r}`))
        throw new Error(`decision program never decides '${cp.label}' row ${r} (${cp.rows[r]})`);
    });
  if (program.start !== undefined && program.start !== 'learned' && program.start !== 'zeros')
    throw new Error(
      `decision program start must be 'learned' or 'zeros', not ${JSON.stringify(program.start)}`,
    );
  for (const [label, b] of Object.entries(program.headBiasInit ?? {})) {
    const cp = byLabel.get(label);
    if (!cp || cp.kind === 'input' || b.length !== cp.options.length)
      throw new Error(`decision program headBiasInit['${label}'] does not match an op label's options`);
  }
}
