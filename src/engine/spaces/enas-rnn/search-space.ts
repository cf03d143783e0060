import { z } from 'zod';

/**
 * The activations a node chooses among, in ENAS-pytorch's order (config.py shared_rnn_activations:
 * tanh, ReLU, identity, sigmoid; the TF child's func_idx 0..3 is the same order). All four are
 * searched: the official TF PTB script leaves the controller's num_funcs at its default 2, so it only
 * ever samples tanh and ReLU (a known bug, not copied here).
 */
export const ENAS_RNN_ACTIVATIONS = ['tanh', 'ReLU', 'identity', 'sigmoid'] as const;
export type EnasRnnActivation = (typeof ENAS_RNN_ACTIVATIONS)[number];

/** The two labels of the space's choice points (space.ts documents the mapping to the controller). */
export const ENAS_RNN_INPUT_LABEL = 'node-input';
export const ENAS_RNN_ACTIVATION_LABEL = 'node-activation';

/**
 * The ENAS recurrent-cell space as data. Defaults are ENAS-pytorch's PTB search (config.py):
 * 12 nodes, embedding = hidden = 1000 with tied weights, its four dropouts and init range.
 */
export const EnasRnnSpaceSchema = z
  .object({
    name: z.literal('enas-rnn').meta({ title: 'space', description: 'ENAS recurrent cell (language model)' }),
    nodes: z.number().int().min(2).max(24).default(12).meta({
      title: 'nodes (N)',
      description:
        "nodes of the cell: node 0 reads x_t and h_{t−1}, each later node one earlier node. ENAS-pytorch num_blocks: 12 (the paper's PTB cell)",
    }),
    hidden: z.number().int().min(2).max(4096).default(1000).meta({
      title: 'embedding = hidden size',
      description:
        'one size for the word embedding and the hidden state, so that the decoder can be the embedding transposed (tied weights). ENAS-pytorch shared_embed = shared_hid = 1000',
    }),
    hiddenState: z.enum(['average', 'last-node']).default('average').meta({
      title: 'state carried to t+1',
      description:
        "average: the cell's output, the mean of its loose ends, is also h_t (the paper; the official TF child carries it). last-node: h_t is node N−1 while the decoder reads the average (ENAS-pytorch shared_rnn.py cell())",
    }),
    weightDropout: z.number().min(0).lt(1).default(0.5).meta({
      title: 'weight dropout (h→node 0)',
      description:
        'DropConnect on the recurrent weights of node 0 (W_hc, W_hh), a fresh mask per window. ENAS-pytorch shared_wdrop: 0.5 (from AWD-LSTM)',
    }),
    outputDropout: z.number().min(0).lt(1).default(0.4).meta({
      title: 'output dropout',
      description:
        "locked (variational) dropout on the cell's outputs before the decoder, one mask per stream for the whole window. ENAS-pytorch shared_dropout: 0.4",
    }),
    embeddingDropout: z.number().min(0).lt(1).default(0.1).meta({
      title: 'embedding dropout (words)',
      description:
        'drops whole words: rows of the embedding matrix, scaled by 1/(1−p). ENAS-pytorch shared_dropoute: 0.1',
    }),
    inputDropout: z.number().min(0).lt(1).default(0.65).meta({
      title: 'input dropout',
      description:
        'locked dropout on the embedded inputs, one mask per stream per window. ENAS-pytorch shared_dropouti: 0.65',
    }),
    hiddenClip: z.number().positive().default(25).meta({
      title: 'hidden-state norm limit',
      description:
        "rows of the carried hidden state longer than this are scaled back to it (the scale is a constant for the gradient). ENAS-pytorch: 25 (its forward, issue #6: ENAS's shared cell is prone to exploding activations)",
    }),
    initRange: z.number().positive().default(0.025).meta({
      title: 'init range',
      description:
        'every weight uniform in [−r, r], the decoder bias 0. ENAS-pytorch reset_parameters (search mode): 0.025',
    }),
  })
  .strict();
export type EnasRnnSpace = z.infer<typeof EnasRnnSpaceSchema>;
