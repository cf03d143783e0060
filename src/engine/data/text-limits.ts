/**
 * The largest vocabulary a text corpus may have (node-free, so that the config schema can name it).
 * The decoder is tied to the embedding (vocab × hidden floats, and the same again for its gradient
 * and the logits of every token of a batch), so a larger vocabulary runs out of memory long before
 * it learns: 50,000 is five times PTB's 10,000 and above WikiText-2's 33,278. Replace rare words by
 * <unk> to go below it.
 */
export const TEXT_VOCAB_LIMIT = 50_000;
