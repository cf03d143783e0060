/**
 * A training run's metrics log (docs/run-format.md, training records) as the dashboard draws it:
 * step curves (loss, accuracy, lr) against the step, epoch points (train and test loss/accuracy)
 * at the step that closed the epoch, and the final confusion matrix; a language model's records
 * (enas-rnn: perplexity where images have accuracy) go to `steps.perplexity`, `lmEpochs`, `lmFinal`. Records of other kinds are ignored.
 */
export interface TrainLog {
  steps: {
    loss: Array<[number, number]>;
    acc: Array<[number, number]>;
    lr: Array<[number, number]>;
    /** Language models (enas-rnn): the window's perplexity, in place of accuracy. */
    perplexity: Array<[number, number]>;
  };
  epochs: Array<{
    epoch: number;
    x: number;
    trainLoss: number;
    trainAcc: number;
    testLoss: number;
    testAcc: number;
  }>;
  /** A language model's epoch points: train, validation and test perplexity (empty for image runs). */
  lmEpochs: Array<{
    epoch: number;
    x: number;
    trainLoss: number;
    testLoss: number;
    trainPerplexity: number;
    valPerplexity: number;
    testPerplexity: number;
  }>;
  /** A language model's final record. */
  lmFinal: { valPerplexity: number; testPerplexity: number } | null;
  final: { testAcc: number; confusion: number[][]; perClassAcc: number[]; classNames: string[] } | null;
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function parseTrainLog(records: Array<Record<string, unknown>>): TrainLog {
  const log: TrainLog = {
    steps: { loss: [], acc: [], lr: [], perplexity: [] },
    epochs: [],
    lmEpochs: [],
    lmFinal: null,
    final: null,
  };
  for (const r of records) {
    // As the search's step records: `step` is the 0-based index of the step, drawn at step + 1.
    const x = num(r.step) ? r.step + 1 : 0;
    if (r.kind === 'step') {
      for (const k of ['loss', 'acc', 'lr', 'perplexity'] as const)
        if (num(r[k])) log.steps[k].push([x, r[k]]);
    } else if (r.kind === 'epoch' && num(r.testPerplexity) && num(r.epoch)) {
      log.lmEpochs.push({
        epoch: r.epoch,
        x,
        trainLoss: Number(r.trainLoss),
        testLoss: Number(r.testLoss),
        trainPerplexity: Number(r.trainPerplexity),
        valPerplexity: Number(r.valPerplexity),
        testPerplexity: r.testPerplexity,
      });
    } else if (r.kind === 'final' && num(r.testPerplexity)) {
      log.lmFinal = { valPerplexity: Number(r.valPerplexity), testPerplexity: r.testPerplexity };
    } else if (r.kind === 'epoch' && num(r.testAcc) && num(r.epoch)) {
      log.epochs.push({
        epoch: r.epoch,
        x,
        trainLoss: Number(r.trainLoss),
        trainAcc: Number(r.trainAcc),
        testLoss: Number(r.testLoss),
        testAcc: r.testAcc,
      });
    } else if (r.kind === 'final' && Array.isArray(r.confusion)) {
      const confusion = r.confusion as number[][];
      log.final = {
        testAcc: Number(r.testAcc),
        confusion,
        perClassAcc: (r.perClassAcc as number[]) ?? [],
        classNames: Array.isArray(r.classNames)
          ? (r.classNames as string[])
          : confusion.map((_, k) => `class ${k}`),
      };
    }
  }
  return log;
}

/** Each row of a confusion matrix as fractions of its true class (0 for an empty row). */
export function rowFractions(confusion: number[][]): number[][] {
  return confusion.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total ? v / total : 0));
  });
}
