import { describe, expect, it } from 'vitest';
import { applyChannelBroadcast, channelBroadcastOf } from './channel-broadcast';

describe('channelBroadcastOf', () => {
  it('takes a full tensor by a per-channel vector or a scalar, on either side', () => {
    expect(channelBroadcastOf([2, 3, 4], [4])).toEqual({ full: 'a', channels: 4, outShape: [2, 3, 4] });
    expect(channelBroadcastOf([1, 1, 4], [2, 3, 4])).toEqual({ full: 'b', channels: 4, outShape: [2, 3, 4] });
    expect(channelBroadcastOf([2, 3, 4], [])).toEqual({ full: 'a', channels: 1, outShape: [2, 3, 4] });
    expect(channelBroadcastOf([1], [2, 3, 4])).toEqual({ full: 'b', channels: 1, outShape: [2, 3, 4] });
  });
  it('leaves equal shapes, other broadcasts and a vector that widens the output to the general kernel', () => {
    expect(channelBroadcastOf([2, 3, 4], [2, 3, 4])).toBeNull();
    expect(channelBroadcastOf([2, 3, 4], [3, 1])).toBeNull();
    expect(channelBroadcastOf([2, 3, 4], [3, 4])).toBeNull();
    expect(channelBroadcastOf([2, 3, 1], [4])).toBeNull();
    expect(channelBroadcastOf([1], [1])).toBeNull();
    expect(() => channelBroadcastOf([2, 3], [4])).toThrow();
  });
});

describe('applyChannelBroadcast', () => {
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const v = Float32Array.from([10, 20]);
  const run = (op: Parameters<typeof applyChannelBroadcast>[0], vectorFirst: boolean) => {
    const out = new Float32Array(6);
    applyChannelBroadcast(op, x, v, vectorFirst, out);
    return Array.from(out);
  };
  it('pairs element i with channel i mod C, in the order asked', () => {
    expect(run('Add', false)).toEqual([11, 22, 13, 24, 15, 26]);
    expect(run('Sub', false)).toEqual([-9, -18, -7, -16, -5, -14]);
    expect(run('Sub', true)).toEqual([9, 18, 7, 16, 5, 14]);
    expect(run('Multiply', true)).toEqual([10, 40, 30, 80, 50, 120]);
    expect(run('RealDiv', false)).toEqual(
      [1, 2, 3, 4, 5, 6].map((a, i) => Math.fround(a / (i % 2 ? 20 : 10))),
    );
    expect(run('RealDiv', true)).toEqual(
      [1, 2, 3, 4, 5, 6].map((a, i) => Math.fround((i % 2 ? 20 : 10) / a)),
    );
  });
  it('rounds each result to float32 once, as a float32 operation does', () => {
    const a = Float32Array.from([0.1, 1 / 3]);
    const out = new Float32Array(2);
    applyChannelBroadcast('Add', a, Float32Array.from([0.2]), false, out);
    expect(Array.from(out)).toEqual([
      Math.fround(a[0] + Math.fround(0.2)),
      Math.fround(a[1] + Math.fround(0.2)),
    ]);
  });
});
