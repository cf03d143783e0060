import { Rng } from '../util/rng';
import { DatasetError, classCounts, selectExamples, type ImageDataset } from './dataset';

/**
 * Splits a training set into search-train (weights) and search-validation (α) parts, stratified by
 * class and fixed by the seed; DARTS uses half and half. `subset` first keeps that many examples
 * (stratified) for quick searches. Throws if a split would leave a class empty.
 */
export function searchSplit(d: ImageDataset, trainFraction: number, seed: number, subset?: number) {
  const rng = new Rng(seed);
  const K = d.classNames.length;
  const byClass: number[][] = Array.from({ length: K }, () => []);
  d.labels.forEach((l, i) => byClass[l].push(i));
  const total = d.labels.length;
  const keep = subset !== undefined ? Math.min(subset, total) / total : 1;
  const train: number[] = [];
  const val: number[] = [];
  byClass.forEach((idx, k) => {
    const perm = rng.permutation(idx.length);
    const n = Math.round(idx.length * keep);
    const nTrain = Math.round(n * trainFraction);
    if (idx.length > 0 && (nTrain === 0 || n - nTrain === 0))
      throw new DatasetError(
        'empty-class',
        d.description,
        `class '${d.classNames[k]}' has too few examples (${idx.length}) to appear in both search splits`,
      );
    for (let j = 0; j < n; j++) (j < nTrain ? train : val).push(idx[perm[j]]);
  });
  const sortByRng = (xs: number[]) => xs.sort((a, b) => a - b);
  const tr = selectExamples(d, sortByRng(train), `${d.description} (search-train)`);
  const va = selectExamples(d, sortByRng(val), `${d.description} (search-val)`);
  return {
    train: tr,
    val: va,
    summary: { train: classCounts(tr.labels, K), val: classCounts(va.labels, K), classNames: d.classNames },
  };
}

/** RLNAS random labels: one uniform draw per image over the same classes, fixed by the seed. */
export function randomLabels(d: ImageDataset, seed: number): ImageDataset {
  const rng = new Rng(seed ^ 0x2545f491);
  const labels = Int32Array.from(d.labels, () => rng.int(d.classNames.length));
  return { ...d, labels, description: `${d.description} (random labels)` };
}
