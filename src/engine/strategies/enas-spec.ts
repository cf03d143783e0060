import { z } from 'zod';
import type { StrategySpec } from '../search/strategy';
import { weightTrainerFields } from '../train/weight-fields';

/**
 * The config of ENAS (Pham et al., ICML 2018). Defaults from the official code's CNN micro search,
 * melodyguan/enas scripts/cifar10_micro_search.sh with src/cifar10/main.py, micro_controller.py,
 * micro_child.py and src/utils.py get_train_ops.
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
    controllerLayers: z.number().int().min(1).max(4).default(1).meta({
      title: 'controller LSTM layers',
      description: 'reference: 1 (main.py lstm_num_layers=1)',
    }),
    controllerLr: z.number().positive().default(0.0035).meta({
      title: 'controller learning rate',
      description:
        'reference: 0.0035 (--controller_lr), Adam with β1 = 0, β2 = 0.999, ε = 1e-3 (utils.py), never decayed',
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
    reward: z.enum(['accuracy']).default('accuracy').meta({
      title: 'reward',
      description:
        "reference (CNN): the sampled child's accuracy on one validation batch, BatchNorm on batch statistics",
    }),
    deriveSamples: z.number().int().min(1).default(10).meta({
      title: 'derivation samples',
      description:
        'reference: after training, architectures are sampled from the controller and each scored on one validation batch (main.py prints 10; the PyTorch port derives from 100); the best is returned',
    }),
  })
  .strict();
export type EnasConfig = z.infer<typeof EnasSchema>;

export const enasSpec = {
  name: 'enas',
  title: 'ENAS',
  description:
    "Efficient NAS: an LSTM controller samples architectures that share one set of weights; each epoch trains the shared weights on one sampled child per batch, then trains the controller by REINFORCE on the children's validation accuracy (moving-average baseline, entropy bonus).",
  reference:
    'Pham et al., Efficient Neural Architecture Search via Parameter Sharing (ICML 2018); melodyguan/enas src/cifar10/micro_controller.py, micro_child.py, main.py, scripts/cifar10_micro_search.sh; carpedm20/ENAS-pytorch models/controller.py',
  schema: EnasSchema,
  spaces: ['enas-micro', 'nb201'],
  summary: (c: EnasConfig) =>
    `ENAS (LSTM ${c.controllerHidden}, ${c.controllerSteps}×${c.controllerAggregate} controller samples per epoch)`,
  metrics: [
    { key: 'trainLoss', title: 'train loss (sampled child)', chart: 'loss' },
    { key: 'trainAcc', title: 'train accuracy (sampled child)', chart: 'accuracy' },
    { key: 'childValAcc', title: 'sampled child validation accuracy', chart: 'accuracy' },
    { key: 'reward', title: 'reward (accuracy + entropy bonus)', chart: 'reward' },
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
    { key: 'score', title: 'derivation score (validation accuracy)', chart: 'score' },
    { key: 'lrWeights', title: 'weights learning rate', chart: 'lr' },
    { key: 'gradNorm', title: 'gradient norm', chart: 'gradNorm' },
    { key: 'controllerGradNorm', title: 'controller gradient norm', chart: 'gradNorm' },
  ],
  cpuPreset: { controllerSteps: 5, controllerAggregate: 2, deriveSamples: 5 },
} satisfies StrategySpec<typeof EnasSchema>;
