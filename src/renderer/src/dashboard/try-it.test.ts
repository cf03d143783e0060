import { describe, expect, it } from 'vitest';
import { describePreprocessing, tryFileProblem } from './try-it';

describe('try it in the renderer', () => {
  it('sends PNG and JPEG files up to the size limit, names the file otherwise', () => {
    expect(tryFileProblem({ name: 'a.png', size: 100, type: 'image/png' })).toBeNull();
    expect(tryFileProblem({ name: 'a.jpg', size: 100, type: 'image/jpeg' })).toBeNull();
    expect(tryFileProblem({ name: 'a.JPEG', size: 100, type: '' })).toBeNull();
    expect(tryFileProblem({ name: 'a.gif', size: 100, type: 'image/gif' })).toBe(
      'a.gif is not a PNG or JPEG image (image/gif)',
    );
    expect(tryFileProblem({ name: 'a.png', size: 0, type: 'image/png' })).toBe('a.png is empty');
    expect(tryFileProblem({ name: 'big.png', size: 6 * 1024 * 1024, type: 'image/png' })).toBe(
      'big.png is 6.0 MiB, more than the 5 MiB allowed',
    );
  });

  it('says the preprocessing in words, one value per channel', () => {
    const base = { height: 28, width: 28, resize: 'bilinear' as const, scale: 1 / 255 };
    expect(
      describePreprocessing({ ...base, channels: 1, color: 'grayscale', mean: [0.2861], std: [0.353] }),
    ).toBe(
      "resized bilinearly to 28×28, to grayscale (0.299 R + 0.587 G + 0.114 B), pixel × 1/255, then (v − mean) / std with mean 0.286 and std 0.353, the training data's",
    );
    expect(
      describePreprocessing({
        ...base,
        channels: 3,
        color: 'rgb',
        mean: [0.5, 0.4, 0.3],
        std: [0.2, 0.2, 0.2],
      }),
    ).toContain(
      'as RGB (alpha dropped), pixel × 1/255, then (v − mean) / std with mean (0.500, 0.400, 0.300)',
    );
  });
});
