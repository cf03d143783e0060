/** Names of a DARTS cell's edges in the engine's order: node i takes states 0..i+1 (c_{k-2}, c_{k-1}, 0, 1, ...). */
export function edgeNames(rows: number): string[] {
  const names: string[] = [];
  const state = (s: number) => (s === 0 ? 'c_{k-2}' : s === 1 ? 'c_{k-1}' : String(s - 2));
  for (let i = 0; names.length < rows; i++) for (let j = 0; j < i + 2 && names.length < rows; j++) names.push(`${state(j)}→${i}`);
  return names;
}

/** Shannon entropy (nats) of one edge's op distribution: ln(#ops) when undecided, 0 when one op has won. */
export function entropy(p: number[]): number {
  // Clamped: rounding can make a decided edge's entropy a hair below zero (or -0).
  return Math.max(0, -p.reduce((h, v) => (v > 0 ? h + v * Math.log(v) : h), 0));
}
