import type { RunProbe } from '../../../shared/protocol';
import type { SearchConfig } from '../../../shared/search-config';
import { formatDuration } from '../format';

/** The bundled Fashion-MNIST subset's training split (engine/data/default-dataset.ts). */
const BUNDLED_TRAIN_IMAGES = 3000;

const pct = (f: number) => `${Number((100 * f).toFixed(1))} %`;

/** The dataset a config reads, in words. */
export function describeData(d: SearchConfig['data']): string {
  switch (d.source) {
    case 'default':
      return `Fashion-MNIST subset, bundled (${BUNDLED_TRAIN_IMAGES.toLocaleString('en')} training images, 28×28 grey, 10 classes)`;
    case 'synthetic':
      return `synthetic task: ${d.synthetic.size} images of ${d.synthetic.imageSize}×${d.synthetic.imageSize}×${d.synthetic.channels}, ${d.synthetic.classes} classes`;
    case 'path':
      return `${d.path ?? '(no path)'}, images resized to ${d.imageSize}×${d.imageSize}`;
    case 'text':
      return `text corpus ${d.path ?? 'bundled (tiny)'}, BPTT windows of ${d.text.bptt} tokens`;
  }
}

/** How the training set is split between the weights (search-train) and the architecture (search-val). */
export function describeSplits(d: SearchConfig['data']): string {
  if (d.source === 'text')
    return "the corpus's own splits: train → search-train, valid → search-val; test is never read";
  const used = d.subset
    ? `${d.subset.toLocaleString('en')} images (stratified subset)`
    : 'all training images';
  return [
    `${used}: ${pct(d.trainFraction)} search-train, ${pct(1 - d.trainFraction)} search-val`,
    d.labels === 'random' ? 'random labels (RLNAS)' : 'true labels',
    d.augment ? 'augmented (crop and flip)' : 'no augmentation',
    'the test split is not used',
  ].join('; ');
}

/** Epochs × steps as the config asks for them (the probe states the strategy's exact plan). */
export function describeTraining(c: SearchConfig): string {
  const steps = c.stepsPerEpoch
    ? `at most ${c.stepsPerEpoch} steps per epoch`
    : `one pass over search-train per epoch`;
  return `${c.epochs} epochs × ${steps}, batch ${c.batchSize}; seed ${c.seed}; backend ${c.backend}`;
}

/** A phase's planned steps and, once measured, its share of the time. */
export function phaseLine(p: RunProbe['phases'][number]): string {
  const steps = p.epochs * p.stepsPerEpoch;
  const rate =
    p.secondsPerStep === null
      ? (p.note ?? 'not measured')
      : `${p.secondsPerStep.toPrecision(3)} s per step → ${formatDuration(steps * p.secondsPerStep)}`;
  const epochs = `${p.epochs} epoch${p.epochs === 1 ? '' : 's'}`;
  return `${p.title}: ${epochs} × ${p.stepsPerEpoch} steps = ${steps} steps; ${rate}`;
}

/** The estimate as a sentence that says it is one and how it was obtained. */
export function estimateSentence(p: RunProbe): string {
  const how =
    `measured here: up to 3 steps of each phase timed on the ${p.backend} backend (the first as a warm-up), ` +
    `plus ${p.setupSeconds.toFixed(1)} s to load the data and build the supernet; ` +
    'checkpoints, epoch-end work and early stops are not counted';
  if (p.estimatedSeconds === null)
    return `No estimate for the whole run: a phase could not be timed (${how}).`;
  return `Estimated time of the whole run on this machine: ≈ ${formatDuration(p.estimatedSeconds)} for ${p.totalSteps.toLocaleString('en')} steps (an estimate, ${how}).`;
}
