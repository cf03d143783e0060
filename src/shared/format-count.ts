/**
 * A parameter or FLOP count as people write it: 512, 8.3k, 3.35M, 1.20G — three significant figures
 * at most, so that a tiny CPU network does not read "0.00M" and the paper's 3.3M network is not
 * "3349342". Used by the CLI's listing and the renderer alike (no dependencies).
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  if (Math.round(a) < 1000) return `${sign}${Math.round(a)}`;
  for (const [scale, unit] of [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (a >= scale * 0.9995) {
      const v = a / scale;
      // 3 significant figures; a value that rounds up to 1000 moves to the next unit above.
      const digits = v >= 99.95 ? 0 : v >= 9.995 ? 1 : 2;
      const text = v.toFixed(digits);
      if (Number(text) >= 1000 && unit !== 'T') continue;
      return `${sign}${text}${unit}`;
    }
  }
  return `${sign}${a}`;
}
