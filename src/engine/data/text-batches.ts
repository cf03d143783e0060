import * as tf from '../tf';
import type { BatchSource } from '../search/batch-source';
import type { TextBatch } from './batch';

/**
 * The references' batchify (pytorch/examples word_language_model, ENAS-pytorch utils.batchify, the
 * TF ptb_input_producer): the token stream is cut into `batch` contiguous streams of ⌊n/batch⌋ tokens
 * each (stream b is tokens [b·L, (b+1)·L)); the tail that does not fill a stream is dropped.
 * Returned batch-major: row b is stream b.
 */
export function batchify(ids: ArrayLike<number>, batch: number): { streams: Int32Array[]; length: number } {
  if (!(Number.isInteger(batch) && batch >= 1))
    throw new RangeError(`batch must be a positive integer, got ${batch}`);
  const length = Math.floor(ids.length / batch);
  const streams = Array.from({ length: batch }, (_, b) =>
    Int32Array.from({ length }, (_, t) => ids[b * length + t]),
  );
  return { streams, length };
}

/** One BPTT window of the batchified streams on the host: inputs [batch][len] and next-token targets. */
export interface Window {
  x: Int32Array[];
  y: Int32Array[];
  /** Where it starts in each stream. */
  start: number;
}

/**
 * The BPTT windows over batchified streams, in order (ENAS-pytorch get_batch): window k covers
 * positions [k·bptt, k·bptt + len) with len = min(bptt, L − 1 − k·bptt), its targets the same
 * positions + 1. The last window may be shorter, so every position but the first of each stream is a
 * target exactly once: a pass over all windows scores batch·(L − 1) tokens.
 */
export function windowCount(streamLength: number, bptt: number): number {
  return streamLength < 2 ? 0 : Math.ceil((streamLength - 1) / bptt);
}

export function windowAt(streams: Int32Array[], k: number, bptt: number): Window {
  const L = streams[0]?.length ?? 0;
  const start = k * bptt;
  const len = Math.min(bptt, L - 1 - start);
  if (!(len >= 1))
    throw new RangeError(`window ${k} is past the end of streams of ${L} tokens (bptt ${bptt})`);
  return {
    x: streams.map((s) => s.subarray(start, start + len)),
    y: streams.map((s) => s.subarray(start + 1, start + 1 + len)),
    start,
  };
}

/** A host window as int32 tensors [batch, len]. */
export function windowTensors(w: Window, first: boolean): TextBatch {
  const batch = w.x.length;
  const len = w.x[0].length;
  const flat = (rows: Int32Array[]) => {
    const out = new Int32Array(batch * len);
    rows.forEach((r, b) => out.set(r, b * len));
    return out;
  };
  return {
    kind: 'text',
    x: tf.tensor2d(flat(w.x), [batch, len], 'int32'),
    y: tf.tensor2d(flat(w.y), [batch, len], 'int32'),
    first,
  };
}

export interface TextPosition {
  epoch: number;
  window: number;
}

/**
 * Endless BPTT windows over one split, in order (truncated BPTT reads the streams front to back, so
 * nothing is shuffled). A pass over the split is one epoch; its first window has `first` set, which
 * tells the model to start from a zero hidden state (the references reset it when a pass starts).
 * The position (epoch, window) is exact for pause/resume.
 */
export class TextBatchSource implements BatchSource {
  readonly batchesPerEpoch: number;
  readonly streams: Int32Array[];
  readonly streamLength: number;
  private epoch = 0;
  private window = 0;

  constructor(
    ids: ArrayLike<number>,
    readonly batch: number,
    readonly bptt: number,
    /** For error messages: which split this is ('search-train'). */
    readonly name = 'text',
  ) {
    if (!(Number.isInteger(bptt) && bptt >= 1))
      throw new RangeError(`bptt must be a positive integer, got ${bptt}`);
    const b = batchify(ids, batch);
    this.streams = b.streams;
    this.streamLength = b.length;
    this.batchesPerEpoch = windowCount(b.length, bptt);
    if (this.batchesPerEpoch < 1)
      throw new Error(
        `the ${name} split has ${ids.length} tokens: too few for ${batch} streams of at least 2 tokens; use a smaller batch size`,
      );
  }

  /** Tokens scored by one pass over all windows (every position but the first of each stream). */
  get targetsPerEpoch(): number {
    return this.batch * (this.streamLength - 1);
  }

  next(): TextBatch {
    if (this.window >= this.batchesPerEpoch) {
      this.epoch += 1;
      this.window = 0;
    }
    const k = this.window;
    this.window += 1;
    return windowTensors(windowAt(this.streams, k, this.bptt), k === 0);
  }

  /** One pass over the whole split from its first window, without moving this source's position. */
  *fromStart(): Generator<TextBatch> {
    for (let k = 0; k < this.batchesPerEpoch; k++)
      yield windowTensors(windowAt(this.streams, k, this.bptt), k === 0);
  }

  getPosition(): TextPosition {
    return { epoch: this.epoch, window: this.window };
  }

  restorePosition(p: unknown): void {
    const pos = p as TextPosition;
    if (!pos || !Number.isInteger(pos.window) || pos.window < 0 || pos.window > this.batchesPerEpoch)
      throw new Error(`the saved ${this.name} text position does not fit this corpus`);
    this.epoch = pos.epoch;
    this.window = pos.window;
  }
}
