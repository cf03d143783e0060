import { describe, expect, it } from 'vitest';
import { parseTrainLog, rowFractions } from './train-log';

describe('parseTrainLog', () => {
  it('reads step curves, epoch points and the final confusion matrix, and skips other records', () => {
    const log = parseTrainLog([
      { kind: 'step', step: 0, epoch: 0, loss: 2.3, acc: 0.1, lr: 0.025, seconds: 1 },
      { kind: 'step', step: 1, epoch: 0, loss: 2.1, acc: 0.2, lr: 0.025, seconds: 1 },
      { kind: 'epoch', step: 1, epoch: 0, trainLoss: 2.2, trainAcc: 0.15, testLoss: 2.0, testAcc: 0.3 },
      { kind: 'phase', step: 0 },
      {
        kind: 'final',
        step: 1,
        testAcc: 0.5,
        confusion: [
          [1, 1],
          [0, 2],
        ],
        perClassAcc: [0.5, 1],
        classNames: ['a', 'b'],
      },
    ]);
    expect(log.steps.loss).toEqual([
      [1, 2.3],
      [2, 2.1],
    ]);
    expect(log.epochs).toEqual([
      { epoch: 0, x: 2, trainLoss: 2.2, trainAcc: 0.15, testLoss: 2.0, testAcc: 0.3 },
    ]);
    expect(log.final?.classNames).toEqual(['a', 'b']);
  });

  it("reads a language model's perplexities (enas-rnn) where an image run has accuracies", () => {
    const log = parseTrainLog([
      { kind: 'step', step: 0, epoch: 0, loss: 4.6, perplexity: 99.5, lr: 20, gradNorm: 3 },
      {
        kind: 'epoch',
        step: 0,
        epoch: 0,
        trainLoss: 4.6,
        trainPerplexity: 99.5,
        valLoss: 4.5,
        valPerplexity: 90,
        testLoss: 4.55,
        testPerplexity: 94.6,
      },
      { kind: 'final', step: 0, valPerplexity: 90, testPerplexity: 94.6, testLoss: 4.55 },
    ]);
    expect(log.steps.perplexity).toEqual([[1, 99.5]]);
    expect(log.steps.acc).toEqual([]);
    expect(log.epochs).toEqual([]);
    expect(log.lmEpochs).toEqual([
      {
        epoch: 0,
        x: 1,
        trainLoss: 4.6,
        testLoss: 4.55,
        trainPerplexity: 99.5,
        valPerplexity: 90,
        testPerplexity: 94.6,
      },
    ]);
    expect(log.lmFinal).toEqual({ valPerplexity: 90, testPerplexity: 94.6 });
    expect(log.final).toBeNull();
  });

  it('normalises confusion rows by their true-class count', () => {
    expect(
      rowFractions([
        [1, 3],
        [0, 0],
      ]),
    ).toEqual([
      [0.25, 0.75],
      [0, 0],
    ]);
  });
});
