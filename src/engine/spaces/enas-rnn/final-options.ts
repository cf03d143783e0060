import { z } from 'zod';

/**
 * The options of a trained ENAS RNN language model (its buildFinal's `options`, a training config's
 * `network`), tfjs-free: the sizes and regularisers a final training sets over the search's space
 * config. The official TF reference retrains its found cell at other sizes and dropouts than it
 * searched with (melodyguan/enas scripts/ptb_final.sh: hidden 748, keep probabilities e 0.79,
 * x 0.25, h 0.75, o 0.24); the recipe's preset (train/recipes.ts) fills these in.
 */
export const EnasRnnFinalOptionsSchema = z
  .object({
    hidden: z.number().int().min(2).max(4096),
    embeddingDropout: z.number().min(0).lt(1),
    inputDropout: z.number().min(0).lt(1),
    weightDropout: z.number().min(0).lt(1),
    outputDropout: z.number().min(0).lt(1),
    initRange: z.number().positive(),
    hiddenClip: z.number().positive(),
  })
  .partial()
  .strict();
export type EnasRnnFinalOptions = z.infer<typeof EnasRnnFinalOptionsSchema>;
