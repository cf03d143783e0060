import { describe, expect, it } from 'vitest';
import { formatNb201, nb201FromJson, nb201ToJson, parseNb201 } from './arch';
import { NB201_OPS } from './search-space';

/** All 5⁶ cells: edge e's op is base-5 digit e of n. */
function* allCells(): Generator<string[]> {
  for (let n = 0; n < 5 ** 6; n++) {
    const edges: string[] = [];
    let r = n;
    for (let e = 0; e < 6; e++, r = Math.floor(r / 5)) edges.push(NB201_OPS[r % 5]);
    yield edges;
  }
}

describe('NB201 architecture strings', () => {
  it('round-trips every one of the 15,625 cells, text and JSON', () => {
    const seen = new Set<string>();
    for (const edges of allCells()) {
      const text = formatNb201({ edges });
      expect(parseNb201(text, NB201_OPS).edges).toEqual(edges);
      expect(nb201FromJson(nb201ToJson({ edges }), NB201_OPS).edges).toEqual(edges);
      seen.add(text);
    }
    expect(seen.size).toBe(15625);
  });

  it("reads NATS-Bench's strings (meta file of fake_torch_dir/NATS-tss-v1_0-3ffb9-simple, indices 0, 11, 284)", () => {
    const a = parseNb201(
      '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|',
      NB201_OPS,
    );
    expect(a.edges).toEqual([
      'avg_pool_3x3',
      'nor_conv_1x1',
      'skip_connect',
      'nor_conv_1x1',
      'skip_connect',
      'skip_connect',
    ]);
    const b = parseNb201(
      '|skip_connect~0|+|skip_connect~0|skip_connect~1|+|none~0|nor_conv_1x1~1|none~2|',
      NB201_OPS,
    );
    expect(b.edges).toEqual(['skip_connect', 'skip_connect', 'skip_connect', 'none', 'nor_conv_1x1', 'none']);
  });

  it('accepts inputs in any order within a node and writes them ascending', () => {
    const a = parseNb201(
      '  |none~0|+|nor_conv_3x3~1|skip_connect~0|+|none~2|none~0|avg_pool_3x3~1|\n',
      NB201_OPS,
    );
    expect(formatNb201(a)).toBe('|none~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|avg_pool_3x3~1|none~2|');
  });

  const ok = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|';
  it.each([
    ['|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|', /unknown op 'conv_5x5'/],
    ['|none~0|+|none~0|none~1|', /expected 3 nodes.*got 2 nodes/],
    [`${ok}+|none~0|`, /got 4 nodes/],
    [
      '|none~0|+|none~0|none~2|+|none~0|none~1|none~2|',
      /node 2: input index 2 is not an earlier node \(0\.\.1\)/,
    ],
    ['|none~0|+|none~0|none~0|+|none~0|none~1|none~2|', /node 2: input 0 appears twice/],
    ['|none~0|+|none~0|+|none~0|none~1|none~2|', /node 2: takes 2 inputs .*got 1/],
    ['|none~0|+|none~0|none~1|+|none~0|none~1|none~2|none~3|', /node 3: takes 3 inputs/],
    ['none~0|+|none~0|none~1|+|none~0|none~1|none~2|', /node 1: 'none~0\|' is not of the form/],
    ['|none~0||+|none~0|none~1|+|none~0|none~1|none~2|', /node 1: .* is not of the form/],
    ['|none-0|+|none~0|none~1|+|none~0|none~1|none~2|', /'none-0' is not op~input/],
    ['', /expected 3 nodes/],
  ])('rejects %j', (text, message) => {
    expect(() => parseNb201(text, NB201_OPS)).toThrow(message);
  });

  it('rejects an op outside the configured candidates, naming them', () => {
    expect(() => parseNb201(ok, ['none', 'skip_connect', 'nor_conv_3x3'])).toThrow(
      /node 2: op 'avg_pool_3x3' is not a candidate of this space \(none, skip_connect, nor_conv_3x3\)/,
    );
  });

  it('JSON files carry a format header and are checked', () => {
    const file = nb201ToJson(parseNb201(ok, NB201_OPS));
    expect(file).toEqual({ format: 'nas-studio.nb201-arch', version: 1, arch: ok });
    expect(nb201FromJson(JSON.stringify(file), NB201_OPS).edges).toHaveLength(6);
    expect(() => nb201FromJson('{', NB201_OPS, 'arch.json')).toThrow(/^arch.json: not JSON/);
    expect(() => nb201FromJson({ ...file, format: 'nas-studio.genotype' }, NB201_OPS)).toThrow(
      /format is "nas-studio.genotype", expected 'nas-studio.nb201-arch'/,
    );
    expect(() => nb201FromJson({ ...file, version: 2 }, NB201_OPS)).toThrow(/version 2 is not supported/);
    expect(() => nb201FromJson({ format: file.format, version: 1 }, NB201_OPS)).toThrow(
      /'arch' must be the architecture string/,
    );
    expect(() => nb201FromJson({ ...file, arch: '|none~0|' }, NB201_OPS, 'f.json')).toThrow(
      /^f.json: .*expected 3 nodes/,
    );
    expect(() => nb201FromJson([file], NB201_OPS)).toThrow(/expected an object/);
  });
});
