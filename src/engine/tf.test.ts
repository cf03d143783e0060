import { describe, expect, it, vi } from 'vitest';
import * as tf from './tf';

describe('the engine tfjs', () => {
  it("runs on the cpu backend without tfjs's install-tfjs-node greeting", async () => {
    const warn = vi.spyOn(console, 'warn');
    await tf.setBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const x = tf.tensor1d([1, 2, 3]);
    expect(Array.from(x.add(x).dataSync())).toEqual([2, 4, 6]);
    x.dispose();
    expect(warn.mock.calls.flat().join(' ')).not.toMatch(/running TensorFlow\.js in Node\.js/);
    warn.mockRestore();
  });
});
