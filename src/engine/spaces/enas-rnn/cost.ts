import type { EnasRnnSpace } from './search-space';

/** The reference's BPTT length, for step-memory estimates (the space does not see the data config). */
export const ENAS_RNN_ESTIMATE_BPTT = 35;

/**
 * Parameters of the language model with `edges` node-to-node connections (the supernet has every
 * pair i < j, one architecture N − 1): the tied embedding/decoder V·H and the decoder bias V; node 0's
 * W_xc, W_xh (with biases, as ENAS-pytorch's nn.Linear) and W_hc, W_hh (no bias); per connection
 * W^h and W^c (H×H, no bias).
 */
export function enasRnnParams(c: EnasRnnSpace, vocab: number, edges: number): number {
  const H = c.hidden;
  return vocab * H + vocab + 2 * (H * H + H) + 2 * H * H + edges * 2 * H * H;
}

/**
 * Multiply-adds per token of one architecture: node 0's four H×H products, two per later node, the
 * decoder's H·V. Every architecture of the space costs the same (each node reads exactly one input).
 */
export function enasRnnFlopsPerToken(c: EnasRnnSpace, vocab: number): number {
  const H = c.hidden;
  return 4 * H * H + 2 * H * H * (c.nodes - 1) + H * vocab;
}

export function supernetEdges(c: EnasRnnSpace): number {
  return (c.nodes * (c.nodes - 1)) / 2;
}

/**
 * Peak bytes of one training step at `batch` streams × 35 tokens (float32): per token, about five
 * H-vectors per node kept for the backward pass (gate and candidate pre-activations, gate, candidate,
 * node state) and three V-vectors (logits, softmax, its gradient); the weights three times (values,
 * gradients, dropout-masked copies).
 */
export function enasRnnStepBytes(c: EnasRnnSpace, vocab: number, batch: number): number {
  const tokens = batch * ENAS_RNN_ESTIMATE_BPTT;
  return 4 * (tokens * (5 * c.nodes * c.hidden + 3 * vocab) + 3 * enasRnnParams(c, vocab, supernetEdges(c)));
}
