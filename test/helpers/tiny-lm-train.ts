import type { TrainConfigInput } from '../../src/engine/train/train-config';

/** A 4-node ENAS RNN cell in the space's text notation: small, and every node an activation of its own kind. */
export const TINY_RNN_CELL = 'n0=tanh(x,h) n1=ReLU(n0) n2=sigmoid(n0) n3=identity(n2)';

/**
 * A language-model training of TINY_RNN_CELL at hidden 8 on the bundled tiny corpus, on the cpu (the
 * backend on which a run repeats bit for bit): 2 epochs of 3 windows of 6 tokens, batch 8, seed 3.
 * Small enough for a test to train to the end in seconds; `over` replaces whole fields.
 */
export function tinyLmTrainConfig(over: Partial<TrainConfigInput> = {}): TrainConfigInput {
  return {
    kind: 'train',
    space: { name: 'enas-rnn', nodes: 4, hidden: 16 } as never,
    architecture: { text: TINY_RNN_CELL },
    network: { hidden: 8 },
    recipe: { preset: 'cpu', epochs: 2, batchSize: 8, stepsPerEpoch: 3 },
    data: { source: 'text', text: { bptt: 6, evalBatchSize: 64 } } as never,
    seed: 3,
    backend: 'cpu',
    ...over,
  };
}
