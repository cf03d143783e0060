import { z } from 'zod';

/**
 * The config fields of shared-weight training on a language-model space (train/language-model.ts
 * LmTrainer), tfjs-free, for a strategy's schema. Defaults are ENAS-pytorch's PTB search (config.py
 * shared_lr, shared_decay, shared_decay_after, shared_grad_clip, shared_l2_reg; trainer.py
 * shared_lr). They apply only when the space is a language model (enas-rnn); image spaces use the
 * strategy's weight* fields.
 */
export function lmTrainerFields() {
  return {
    lmLr: z.number().positive().default(20).meta({
      title: 'LM learning rate',
      description: 'language-model spaces only. ENAS-pytorch shared_lr: 20 (plain SGD, no momentum)',
    }),
    lmLrDecay: z.number().positive().max(1).default(0.96).meta({
      title: 'LM lr decay per epoch',
      description:
        'language-model spaces only. ENAS-pytorch shared_decay: 0.96, per epoch after the decay start',
    }),
    lmLrDecayAfter: z.number().int().nonnegative().default(15).meta({
      title: 'LM lr decay starts after epoch',
      description:
        'language-model spaces only. ENAS-pytorch shared_decay_after: 15 (epochs 0..15 at the full rate, then lr·0.96^(epoch−15))',
    }),
    lmGradClip: z.number().positive().default(0.25).meta({
      title: 'LM gradient clip',
      description:
        "language-model spaces only. ENAS-pytorch shared_grad_clip: 0.25 (global norm of the weights' gradient)",
    }),
    lmWeightDecay: z.number().nonnegative().default(1e-7).meta({
      title: 'LM weight decay',
      description:
        'language-model spaces only. ENAS-pytorch shared_l2_reg: 1e-7 (L2, as torch.optim.SGD weight_decay)',
    }),
  };
}

export interface LmTrainerConfig {
  lmLr: number;
  lmLrDecay: number;
  lmLrDecayAfter: number;
  lmGradClip: number;
  lmWeightDecay: number;
}
