import type { RlnasSpaceSupport } from './angle';
import { dartsRlnas } from './angle-darts';
import { mobilenetRlnas } from './angle-mobilenet';
import { nb201Rlnas } from './angle-nb201';

/**
 * RLNAS's part of each space it runs on: the weight vector of a candidate and the architectures the
 * reference draws (angle.ts, RlnasSpaceParts). A new space adds its module (angle-<space>.ts) and one
 * line here, and its name to rlnasSpec.spaces (rlnas.test.ts checks the two lists agree).
 */
export const RLNAS_SPACES: Record<string, RlnasSpaceSupport> = {
  darts: dartsRlnas,
  mobilenet: mobilenetRlnas,
  nb201: nb201Rlnas,
};

export function rlnasSpaceSupport(name: string): RlnasSpaceSupport {
  const s = RLNAS_SPACES[name];
  if (!s)
    throw new Error(
      `RLNAS has no weight-vector construction for the '${name}' space (it has: ${Object.keys(RLNAS_SPACES).join(', ')})`,
    );
  return s;
}
