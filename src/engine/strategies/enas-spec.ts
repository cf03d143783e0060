import { z } from 'zod';
import type { StrategySpec } from '../search/strategy';
import { lmTrainerFields } from '../train/lm-fields';
import { weightTrainerFields } from '../train/weight-fields';

/**
 * The config of ENAS (Pham et al., ICML 2018). Defaults from the official code's CNN micro search,
 * melodyguan/enas scripts/cifar10_micro_search.sh with src/cifar10/main.py, micro_controller.py,
 * micro_child.py and src/utils.py get_train_ops. On the RNN cell space the defaults are
 * ENAS-pytorch's PTB search (config.py, trainer.py), declared as the spec's `spacePresets['enas-rnn']`:
 * config parsing puts them under the fields a config sets, and the wizard applies them.
 */
export const EnasSchema = z
  .object({
    name: z.literal('enas'),
    ...weightTrainerFields({ source: 'reference', weightLr: 0.05, weightDecay: 2e-4, gradClip: 5 }),
    weightDecay: z.number().nonnegative().default(2e-4).meta({
      title: 'weights decay',
      description:
        'reference: l2 1e-4 (--child_l2_reg) added to the loss as 1e-4·Σw², whose gradient is 2e-4·w: PyTorch-style decay 2e-4, on every shared weight at every step (sampled or not)',
    }),
    weightLrMin: z.number().nonnegative().default(0.0005).meta({
      title: 'weights lr minimum',
      description: 'reference: 0.0005 (--child_lr_min), the bottom of every cosine cycle',
    }),
    lrRestartPeriod: z.number().int().min(1).default(10).meta({
      title: 'first cosine cycle (epochs)',
      description:
        'reference: 10 (--child_lr_T_0): cosine from the maximum to the minimum over T₀ epochs, then a restart (SGDR)',
    }),
    lrRestartMultiplier: z.number().int().min(1).default(2).meta({
      title: 'cycle growth',
      description:
        'reference: 2 (--child_lr_T_mul): each cycle lasts this many times the previous one (10, 20, 40, 80 epochs)',
    }),
    controllerHidden: z.number().int().min(1).max(1024).default(64).meta({
      title: 'controller LSTM units',
      description: 'reference: 64 (main.py lstm_size=64, one layer)',
    }),
    ...lmTrainerFields(),
    controllerLayers: z.number().int().min(1).max(4).default(1).meta({
      title: 'controller LSTM layers',
      description: 'reference: 1 (main.py lstm_num_layers=1)',
    }),
    controllerLr: z.number().positive().default(0.0035).meta({
      title: 'controller learning rate',
      description:
        'reference: 0.0035 (--controller_lr), Adam with β1 = 0, β2 = 0.999, ε = 1e-3 (utils.py), never decayed',
    }),
    controllerBeta1: z.number().min(0).lt(1).default(0).meta({
      title: 'controller Adam β1',
      description:
        "reference (CNN): 0 (utils.py get_train_ops builds Adam with beta1=0.0); ENAS-pytorch (RNN): PyTorch's default 0.9",
    }),
    controllerEps: z.number().positive().default(1e-3).meta({
      title: 'controller Adam ε',
      description:
        "reference (CNN): 1e-3 (utils.py get_train_ops); ENAS-pytorch (RNN): PyTorch's default 1e-8",
    }),
    controllerGradClip: z.number().nonnegative().default(0).meta({
      title: 'controller gradient clip',
      description:
        'reference: none (the micro controller is built without a grad bound); a positive value clips the global norm',
    }),
    tanhConstant: z.number().nonnegative().default(1.1).meta({
      title: 'tanh constant',
      description:
        'reference: 1.10 (--controller_tanh_constant): logits ← c·tanh(logits), bounding how peaked a decision can get (exploration); 0 turns it off',
    }),
    opTanhReduce: z.number().positive().default(2.5).meta({
      title: 'op tanh reduce',
      description:
        'reference: 2.5 (--controller_op_tanh_reduce): op decisions use c/2.5, so they stay closer to uniform than input decisions',
    }),
    temperature: z.number().positive().default(1).meta({
      title: 'controller temperature',
      description: 'reference: unset (1): logits are divided by it before the tanh',
    }),
    controllerInitRange: z.number().positive().default(0.1).meta({
      title: 'controller init range',
      description: 'reference: 0.1 (every controller weight ~ U(−0.1, 0.1))',
    }),
    controllerOpBias: z.boolean().default(true).meta({
      title: "space's op biases",
      description:
        "reference: on: the space's decision program may start the op head's bias away from 0 and add a fixed bias (micro: b_soft init 10 on the separable convs, ±0.25 in normal cells), favouring convolutions early; off: zero biases",
    }),
    entropyWeight: z.number().nonnegative().default(1e-4).meta({
      title: 'entropy bonus',
      description:
        "reference: 1e-4 (--controller_entropy_weight): the reward is the child's reward + w·(sample entropy)",
    }),
    baselineDecay: z.number().min(0).max(1).default(0.99).meta({
      title: 'baseline decay',
      description:
        'reference: 0.99 (--controller_bl_dec): b ← b − (1 − d)·(b − R) after each sample, from b = 0',
    }),
    baselineInit: z.enum(['zero', 'first-reward']).default('zero').meta({
      title: 'baseline start',
      description:
        "reference (CNN): zero, a variable that starts at 0 and persists over the whole search; ENAS-pytorch (RNN): first-reward, each epoch's controller phase starts the baseline at its first reward (train_controller's local baseline = None)",
    }),
    controllerSteps: z.number().int().min(1).default(30).meta({
      title: 'controller steps per epoch',
      description:
        'reference: 30 (--controller_train_steps), after each epoch of shared-weight training (--controller_train_every=1)',
    }),
    controllerAggregate: z.number().int().min(1).default(10).meta({
      title: 'samples per controller step',
      description:
        'reference: 10 (--controller_num_aggregate): each controller step averages the REINFORCE gradients of 10 sampled children, each rewarded on its own validation batch',
    }),
    reward: z.enum(['accuracy', 'perplexity']).default('accuracy').meta({
      title: 'reward',
      description:
        "accuracy (CNN reference): the sampled child's accuracy on one validation batch, BatchNorm on batch statistics. perplexity (RNN, ENAS-pytorch get_reward): c / perplexity of the child on the next validation window, its hidden state carried from the previous window; language-model spaces need it",
    }),
    rewardC: z.number().positive().default(80).meta({
      title: 'reward constant c',
      description:
        'perplexity reward only: R = c / perplexity. ENAS-pytorch reward_c: 80 (from Zoph & Le 2017)',
    }),
    deriveSamples: z.number().int().min(1).default(10).meta({
      title: 'derivation samples',
      description:
        'reference: after training, architectures are sampled from the controller and each scored on validation data (main.py prints 10; ENAS-pytorch derive_num_sample: 100); the best is returned',
    }),
    deriveBatches: z.number().int().min(1).default(1).meta({
      title: 'validation batches per derivation sample',
      description:
        "reference: 1 (CNN main.py, and ENAS-pytorch's derive scores every sample on the first validation batch, with a TODO saying so). Images: the next k validation batches, accuracy averaged. Text: the first k windows of the validation split (the same windows for every sample, hidden state carried from zeros), scored as c/perplexity over all their tokens; the RNN preset uses 10",
    }),
  })
  .strict();
export type EnasConfig = z.infer<typeof EnasSchema>;

/**
 * ENAS on the RNN cell (enas-rnn): ENAS-pytorch's PTB search (config.py, trainer.py). Controller:
 * LSTMCell of 100 units, Adam 3.5e-4 with PyTorch's defaults (β1 0.9, ε 1e-8), logits /5 then
 * 2.5·tanh on every decision (no op reduction), entropy 1e-4 in the reward, EMA baseline 0.95 that
 * starts at each epoch's first reward, no gradient clip; 2000 controller steps of one sample per
 * epoch; reward 80/perplexity. Shared weights: the lm* fields' defaults (SGD 20, ×0.96 after epoch
 * 15, clip 0.25). Derivation: 100 samples, each scored on 10 validation windows (the reference: 1).
 */
export const ENAS_RNN_PRESET = {
  controllerHidden: 100,
  controllerLr: 3.5e-4,
  controllerBeta1: 0.9,
  controllerEps: 1e-8,
  tanhConstant: 2.5,
  opTanhReduce: 1,
  temperature: 5,
  entropyWeight: 1e-4,
  baselineDecay: 0.95,
  baselineInit: 'first-reward',
  controllerGradClip: 0,
  controllerSteps: 2000,
  controllerAggregate: 1,
  reward: 'perplexity',
  rewardC: 80,
  deriveSamples: 100,
  deriveBatches: 10,
} as const satisfies Partial<EnasConfig>;

export const enasSpec = {
  name: 'enas',
  title: 'ENAS',
  description:
    "Efficient NAS: an LSTM controller samples architectures that share one set of weights; each epoch trains the shared weights on one sampled child per batch, then trains the controller by REINFORCE on the children's validation accuracy (moving-average baseline, entropy bonus).",
  reference:
    'Pham et al., Efficient Neural Architecture Search via Parameter Sharing (ICML 2018); melodyguan/enas src/cifar10/micro_controller.py, micro_child.py, main.py, scripts/cifar10_micro_search.sh; carpedm20/ENAS-pytorch models/controller.py',
  schema: EnasSchema,
  spaces: ['enas-micro', 'nb201', 'enas-rnn'],
  summary: (c: EnasConfig) =>
    `ENAS (LSTM ${c.controllerHidden}, ${c.controllerSteps}×${c.controllerAggregate} controller samples per epoch)`,
  metrics: [
    { key: 'trainLoss', title: 'train loss (sampled child)', chart: 'loss' },
    { key: 'trainAcc', title: 'train accuracy (sampled child)', chart: 'accuracy' },
    { key: 'childValAcc', title: 'sampled child validation accuracy', chart: 'accuracy' },
    { key: 'trainPpl', title: 'train perplexity (sampled child, one window)', chart: 'perplexity' },
    { key: 'childValPpl', title: 'sampled child validation perplexity', chart: 'perplexity' },
    { key: 'valPpl', title: 'derivation sample validation perplexity', chart: 'perplexity' },
    { key: 'reward', title: 'reward (accuracy or c/perplexity, + entropy bonus)', chart: 'reward' },
    { key: 'baseline', title: 'baseline (moving average)', chart: 'reward' },
    { key: 'advantage', title: 'advantage R − b', chart: 'advantage' },
    { key: 'entropy', title: 'controller entropy (per sample)', chart: 'entropy' },
    { key: 'controllerLoss', title: 'controller loss (mean −log p·(R − b))', chart: 'controllerLoss' },
    {
      key: 'topArchShare',
      title: "most sampled architecture's share of the epoch's samples",
      chart: 'sampling',
    },
    { key: 'distinctArchs', title: 'distinct architectures sampled in the epoch', chart: 'distinct' },
    { key: 'score', title: 'derivation score (validation accuracy, or c/perplexity)', chart: 'score' },
    { key: 'lrWeights', title: 'weights learning rate', chart: 'lr' },
    { key: 'gradNorm', title: 'gradient norm', chart: 'gradNorm' },
    { key: 'controllerGradNorm', title: 'controller gradient norm', chart: 'gradNorm' },
  ],
  cpuPreset: { controllerSteps: 5, controllerAggregate: 2, deriveSamples: 5 },
  spacePresets: { 'enas-rnn': ENAS_RNN_PRESET },
} satisfies StrategySpec<typeof EnasSchema>;
