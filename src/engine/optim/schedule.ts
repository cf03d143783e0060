/**
 * Cosine annealing of a learning rate over `totalEpochs` (torch CosineAnnealingLR as the DARTS
 * reference uses it): lr(e) = min + (max - min) · (1 + cos(π·e/T)) / 2, for epoch e = 0..T-1.
 */
export function cosineLr(max: number, min: number, epoch: number, totalEpochs: number): number {
  if (totalEpochs <= 0) return max;
  return min + ((max - min) * (1 + Math.cos((Math.PI * epoch) / totalEpochs))) / 2;
}
