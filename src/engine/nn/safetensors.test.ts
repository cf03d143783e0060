import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

/** Builds a file by hand: header text padded with spaces to `pad` bytes, then the given data bytes. */
function handFile(header: string, data: number[], pad = header.length): Uint8Array {
  const h = new TextEncoder().encode(header.padEnd(pad, ' '));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors encode', () => {
  it('writes the exact byte layout of the format', () => {
    const bytes = encodeSafetensors({ a: { shape: [2], data: new Float32Array([1, 2]) } });
    const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 53 bytes, padded to 56
    // 1.0f = 0x3f800000, 2.0f = 0x40000000, little-endian.
    expect([...bytes]).toEqual([...handFile(header, [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40], 56)]);
  });

  it('round-trips every writable dtype, scalars, empty tensors and metadata', () => {
    const input = {
      'cells.0.w': { shape: [2, 3], data: new Float32Array([1, -2.5, 3e-8, 4, 5, 6]) },
      scalar: { shape: [], data: new Float64Array([Math.PI]) },
      ints: { shape: [3], data: new Int32Array([-1, 0, 2147483647]) },
      bytes: { shape: [1, 3], data: new Uint8Array([0, 128, 255]) },
      empty: { shape: [0, 4], data: new Float32Array(0) },
    };
    const bytes = encodeSafetensors(input, { epoch: '3', note: 'héllo' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ epoch: '3', note: 'héllo' });
    expect(new Set(tensors.keys())).toEqual(new Set(Object.keys(input)));
    for (const [name, t] of Object.entries(input)) {
      const got = tensors.get(name)!;
      expect(got.shape).toEqual(t.shape);
      expect(got.data.constructor).toBe(t.data.constructor);
      expect([...got.data]).toEqual([...t.data]);
    }
    expect(tensors.get('scalar')!.dtype).toBe('F64');
    // The 8-byte F64 comes first so that every tensor is aligned to its element size.
    const firstOffset = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))).scalar
      .data_offsets;
    expect(firstOffset).toEqual([0, 8]);
  });

  it('rejects inconsistent input', () => {
    expect(() => encodeSafetensors({ a: { shape: [3], data: new Float32Array(2) } })).toThrow(
      /'a' has 2 values for shape \[3\] \(3 expected\)/,
    );
    expect(() => encodeSafetensors({ __metadata__: { shape: [0], data: new Float32Array(0) } })).toThrow(
      /cannot name/,
    );
    expect(() => encodeSafetensors({}, { n: 3 as unknown as string })).toThrow(
      /metadata 'n' must be a string/,
    );
  });
});

describe('safetensors decode', () => {
  it('decodes from a Node Buffer that is a view into a larger pool (as readFileSync may return)', () => {
    const bytes = encodeSafetensors({
      a: { shape: [2], data: new Float32Array([1.5, -2]) },
      b: { shape: [1], data: new Float32Array([7]) },
    });
    const pool = Buffer.alloc(bytes.length + 64, 0xff);
    pool.set(bytes, 32);
    const view = pool.subarray(32, 32 + bytes.length);
    const decoded = decodeSafetensors(view);
    expect(Array.from(decoded.tensors.get('a')!.data)).toEqual([1.5, -2]);
    expect(Array.from(decoded.tensors.get('b')!.data)).toEqual([7]);
  });

  it('reads a hand-built file with F16, BF16, I64 and U8 tensors', () => {
    const header = JSON.stringify({
      __metadata__: { format: 'pt' },
      h: { dtype: 'F16', shape: [5], data_offsets: [0, 10] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [10, 14] },
      i: { dtype: 'I64', shape: [2], data_offsets: [14, 30] },
      u: { dtype: 'U8', shape: [1], data_offsets: [30, 31] },
    });
    const data = [
      ...[0x00, 0x3c], // F16 1
      ...[0x00, 0xc0], // F16 -2
      ...[0xff, 0x7b], // F16 65504 (largest finite)
      ...[0x01, 0x00], // F16 2^-24 (smallest subnormal)
      ...[0x00, 0x7c], // F16 +inf
      ...[0x80, 0x3f], // BF16 1
      ...[0x40, 0xc0], // BF16 -3
      ...[5, 0, 0, 0, 0, 0, 0, 0], // I64 5
      ...[0xf9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // I64 -7
      200, // U8
    ];
    const { tensors, metadata } = decodeSafetensors(handFile(header, data));
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.get('h')!.data]).toEqual([1, -2, 65504, 2 ** -24, Infinity]);
    expect([...tensors.get('b')!.data]).toEqual([1, -3]);
    expect([...tensors.get('i')!.data]).toEqual([5, -7]);
    expect([...tensors.get('u')!.data]).toEqual([200]);
    expect(tensors.get('h')!.dtype).toBe('F16');
  });

  it('reads a file whose header is not padded and a file without tensors', () => {
    const { tensors } = decodeSafetensors(
      handFile('{"x":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}', [7, 0, 0, 0]),
    );
    expect([...tensors.get('x')!.data]).toEqual([7]);
    expect(decodeSafetensors(handFile('{}', [])).tensors.size).toBe(0);
  });

  it('refuses I64 values a number cannot hold exactly', () => {
    const big = [1, 0, 0, 0, 0, 0, 0x20, 0]; // 2^53 + 1
    const file = handFile('{"i":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', big);
    expect(() => decodeSafetensors(file)).toThrow(/I64 value 9007199254740993/);
  });

  const entry = (dtype: string, shape: number[], begin: number, end: number) => ({
    dtype,
    shape,
    data_offsets: [begin, end],
  });
  const bad: Array<[string, () => Uint8Array, RegExp]> = [
    ['fewer than 8 bytes', () => new Uint8Array(5), /truncated: 5 bytes/],
    [
      'a header longer than the file',
      () => handFile('{}', []).subarray(0, 9),
      /truncated: the header claims 2 bytes, but only 1 follow/,
    ],
    ['a header that is not JSON', () => handFile('{"a":', []), /header is not valid JSON/],
    ['a header that is not an object', () => handFile('[1]', []), /starting with '\{'/],
    [
      'non-UTF-8 header bytes',
      () => handFile('{"\xff"}', []).map((b, i) => (i === 10 ? 0xff : b)),
      /not valid UTF-8/,
    ],
    [
      'non-string metadata',
      () => handFile(JSON.stringify({ __metadata__: { n: 1 } }), []),
      /__metadata__ 'n' must be a string/,
    ],
    [
      'an unknown dtype',
      () => handFile(JSON.stringify({ a: entry('C64', [1], 0, 8) }), new Array(8).fill(0)),
      /dtype C64/,
    ],
    [
      'a missing field',
      () => handFile(JSON.stringify({ a: { dtype: 'F32', shape: [1] } }), [0, 0, 0, 0]),
      /'a'.*data_offsets/,
    ],
    [
      'offsets past the data',
      () => handFile(JSON.stringify({ a: entry('F32', [2], 0, 8) }), [0, 0, 0, 0]),
      /'a' has data_offsets \[0, 8\] outside the 4-byte data block/,
    ],
    [
      'a size that does not match the shape',
      () => handFile(JSON.stringify({ a: entry('F32', [2], 0, 4) }), [0, 0, 0, 0]),
      /'a' spans 4 bytes, but F32 of shape \[2\] needs 8/,
    ],
    [
      'begin after end',
      () => handFile(JSON.stringify({ a: entry('U8', [0], 4, 0) }), [0, 0, 0, 0]),
      /begin > end/,
    ],
    [
      'overlapping tensors',
      () =>
        handFile(
          JSON.stringify({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 2, 6) }),
          new Array(6).fill(0),
        ),
      /'b' \[2, 6\) overlaps tensor 'a' \[0, 4\)/,
    ],
    [
      'a hole between tensors',
      () => handFile(JSON.stringify({ a: entry('U8', [1], 0, 1), b: entry('U8', [1], 2, 3) }), [0, 0, 0]),
      /data bytes \[1, 2\) belong to no tensor/,
    ],
    [
      'trailing bytes',
      () => handFile(JSON.stringify({ a: entry('U8', [1], 0, 1) }), [0, 0]),
      /data bytes \[1, 2\) belong to no tensor/,
    ],
  ];
  it.each(bad)('rejects %s with a clear error', (_what, make, message) => {
    expect(() => decodeSafetensors(make())).toThrow(message);
    expect(() => decodeSafetensors(make())).toThrow(/^safetensors: /);
  });

  it('rejects a truncated copy of a valid file', () => {
    const bytes = encodeSafetensors({ w: { shape: [4], data: new Float32Array([1, 2, 3, 4]) } });
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 1))).toThrow(
      /outside the 15-byte data block/,
    );
  });
});
