import { describe, expect, it } from 'vitest';
import { formatCount } from './format-count';

describe('formatCount', () => {
  it('writes counts with three significant figures and a unit', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(512)).toBe('512');
    expect(formatCount(999.4)).toBe('999');
    expect(formatCount(8_306)).toBe('8.31k');
    expect(formatCount(24_600)).toBe('24.6k');
    expect(formatCount(246_106)).toBe('246k');
    // DARTS_V2 at C=36, 20 cells: the paper's 3.3M.
    expect(formatCount(3_349_342)).toBe('3.35M');
    expect(formatCount(812_000)).toBe('812k');
    expect(formatCount(1_234_567_890)).toBe('1.23G');
    expect(formatCount(-2_500)).toBe('-2.50k');
  });

  it('moves a value that rounds to 1000 into the next unit', () => {
    expect(formatCount(999_600)).toBe('1.00M');
    expect(formatCount(999_960_000)).toBe('1.00G');
    expect(formatCount(999.6)).toBe('1.00k');
  });
});
