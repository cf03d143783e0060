import { describe, expect, it } from 'vitest';
import { parseMobileNet } from './mobilenet';

describe('MobileNet architecture strings', () => {
  it('parses each layer with its stage', () => {
    expect(parseMobileNet('k3e3 skip | k5e6 k7e3')).toEqual([
      { stage: 0, kernel: 3, expansion: 3 },
      { stage: 0, skip: true },
      { stage: 1, kernel: 5, expansion: 6 },
      { stage: 1, kernel: 7, expansion: 3 },
    ]);
  });
  it('says what is wrong with a malformed string', () => {
    expect(() => parseMobileNet('k3e3 | ')).toThrow(/stage 2 .* has no layers/);
    expect(() => parseMobileNet('k3e3 | 3x3')).toThrow(
      /'3x3' \(stage 2\) is not k<kernel>e<expansion> or skip/,
    );
  });
});
