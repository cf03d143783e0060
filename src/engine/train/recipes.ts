/**
 * The training recipes of the papers, and CPU-sized presets, as plain data (tfjs-free: the app shows
 * them). Each value's source is in docs/training.md; the deviations are listed there too.
 */

export const RECIPE_NAMES = ['darts', 'nb201-200e', 'nb201-12e', 'proxylessnas', 'enas-ptb', 'cpu'] as const;
export type RecipeName = (typeof RECIPE_NAMES)[number];

/** Every field of a recipe, resolved (what a training run's config.json stores). */
export interface Recipe {
  preset: RecipeName;
  epochs: number;
  batchSize: number;
  /** Stop every epoch after this many steps (quick and smoke runs); absent: one pass over the training split. */
  stepsPerEpoch?: number;
  lr: number;
  lrMin: number;
  /** Cosine annealing per epoch (DARTS, NB201) or per step (ProxylessNAS's run manager). */
  lrUpdate: 'epoch' | 'step';
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** Global-norm gradient clip; 0 turns it off. */
  gradClip: number;
  /** Random crop (zero padding 4) and horizontal flip of every training image. */
  augment: boolean;
  /** Cutout square side in pixels; 0 turns it off. */
  cutout: number;
  /** Drop-path probability at the last epoch, ramped linearly from 0 (DARTS: p·e/E). */
  dropPath: number;
  /** Weight of the auxiliary head's loss (used when the network has the head). */
  auxiliaryWeight: number;
  labelSmoothing: number;
  /**
   * Language models only (the enas-ptb recipe): the learning rate is lr·lrDecay^max(0, epoch −
   * lrDecayAfter), floored at lrMin, instead of a cosine (melodyguan/enas child_lr_dec_*).
   */
  lrDecay?: number;
  lrDecayAfter?: number;
  /**
   * Language models only: weight of the slowness (temporal activation) penalty, the squared change of
   * the cell's output from token to token per token, added to the mean cross-entropy
   * (melodyguan/enas child_rnn_slowness_reg, rescaled to the mean loss: see docs/training.md).
   */
  slowness?: number;
}

type Base = Omit<Recipe, 'preset' | 'stepsPerEpoch'>;

/** quark0/darts cnn/train.py with the README's flags (--auxiliary --cutout). */
const DARTS: Base = {
  epochs: 600,
  batchSize: 96,
  lr: 0.025,
  lrMin: 0,
  lrUpdate: 'epoch',
  momentum: 0.9,
  nesterov: false,
  weightDecay: 3e-4,
  gradClip: 5,
  augment: true,
  cutout: 16,
  dropPath: 0.2,
  auxiliaryWeight: 0.4,
  labelSmoothing: 0,
};

/** AutoDL-Projects configs/nas-benchmark/hyper-opts/200E.config (12E.config: the same at 12 epochs). */
const NB201: Base = {
  epochs: 200,
  batchSize: 256,
  lr: 0.1,
  lrMin: 0,
  lrUpdate: 'epoch',
  momentum: 0.9,
  nesterov: true,
  weightDecay: 5e-4,
  gradClip: 0,
  augment: true,
  cutout: 0,
  dropPath: 0,
  auxiliaryWeight: 0,
  labelSmoothing: 0,
};

/** mit-han-lab/proxylessnas search/imagenet_run_exp.py (the argument defaults). */
const PROXYLESS: Base = {
  epochs: 300,
  batchSize: 256,
  lr: 0.05,
  lrMin: 0,
  lrUpdate: 'step',
  momentum: 0.9,
  nesterov: true,
  weightDecay: 4e-5,
  gradClip: 0,
  augment: true,
  cutout: 0,
  dropPath: 0,
  auxiliaryWeight: 0,
  labelSmoothing: 0.1,
};

/**
 * melodyguan/enas scripts/ptb_final.sh, the official final training of the found PTB cell: plain SGD
 * at lr 20 (no momentum), global-norm clip 0.25, L2 5e-7, lr ×0.9991 per epoch from epoch 14 down to
 * 0.001, batch 64 (BPTT 35 is the data section's text.bptt), 2000 epochs. The image-only fields are off.
 */
const ENAS_PTB: Base = {
  epochs: 2000,
  batchSize: 64,
  lr: 20,
  lrMin: 0.001,
  lrUpdate: 'epoch',
  momentum: 0,
  nesterov: false,
  weightDecay: 5e-7,
  gradClip: 0.25,
  augment: false,
  cutout: 0,
  dropPath: 0,
  auxiliaryWeight: 0,
  labelSmoothing: 0,
  lrDecay: 0.9991,
  lrDecayAfter: 14,
  slowness: 1e-3,
};

/** The recipes that train a language model (the text spaces); the others train image classifiers. */
export const LM_RECIPE_NAMES: readonly RecipeName[] = ['enas-ptb', 'cpu'];

/** The recipe's values for a space (the CPU preset differs per space; the papers' do not). */
export function recipeDefaults(name: RecipeName, space: string): Base {
  switch (name) {
    case 'darts':
      return DARTS;
    case 'nb201-200e':
      return NB201;
    case 'nb201-12e':
      return { ...NB201, epochs: 12 };
    case 'proxylessnas':
      return PROXYLESS;
    case 'enas-ptb':
      return ENAS_PTB;
    case 'cpu': {
      // The reference's optimiser and schedule, 10 epochs of 32 streams (the bundled corpus has
      // 18k training tokens: 17 windows of 35 per epoch).
      if (space === 'enas-rnn') return { ...ENAS_PTB, epochs: 10, batchSize: 32 };
      // The paper's optimiser and regularisers at a size a laptop trains in minutes.
      const base = space === 'nb201' ? NB201 : space === 'mobilenet' ? PROXYLESS : DARTS;
      return { ...base, epochs: 10, batchSize: 64, cutout: base.cutout ? 8 : 0 };
    }
  }
}

/** The recipe a space trains with when the config names none: its own paper's. */
export function defaultRecipe(space: string): RecipeName {
  if (space === 'enas-rnn') return 'enas-ptb';
  return space === 'nb201' ? 'nb201-200e' : space === 'mobilenet' ? 'proxylessnas' : 'darts';
}

/**
 * The final network's options a recipe implies for a space (buildFinal's `options`): DARTS' paper
 * network is C=36 with 20 cells and the auxiliary head; NB201's benchmark network C=16, N=5; the
 * MobileNet network is its space's own layout (no options).
 */
export function recipeNetwork(name: RecipeName, space: string): Record<string, unknown> {
  if (space === 'darts')
    return name === 'cpu'
      ? { channels: 16, layers: 8, auxiliary: false }
      : { channels: 36, layers: 20, auxiliary: true };
  if (space === 'nb201') return name === 'cpu' ? { channels: 8, cellsPerStage: 2 } : {};
  if (space === 'enas-rnn') {
    // ptb_final.sh's keep probabilities as drop rates: e 0.79, x 0.25, h 0.75, o 0.24; init range
    // 0.04 above 400 hidden units, 0.1 up to 300 (ptb_enas_child.py _build_params).
    const dropouts = { embeddingDropout: 0.21, inputDropout: 0.75, weightDropout: 0.25, outputDropout: 0.76 };
    return name === 'cpu'
      ? { hidden: 200, ...dropouts, initRange: 0.1 }
      : { hidden: 748, ...dropouts, initRange: 0.04 };
  }
  return {};
}
