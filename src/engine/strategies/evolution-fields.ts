import { z } from 'zod';

const millions = (title: string, description: string) =>
  z.number().positive().optional().meta({ title, description });

/**
 * The config fields of SPOS's evolutionary search (strategies/spos.ts SposEvolution) for a strategy's
 * schema, tfjs-free: SPOS and RLNAS share the searcher (megvii-model's EvolutionSearcher in both
 * repositories). `source` names whose defaults they are in the wizard; the numbers default to SPOS's
 * reference values (also RLNAS's DARTS values).
 */
export function evolutionFields(o: { source: string }) {
  const s = o.source;
  return {
    population: z
      .number()
      .int()
      .min(2)
      .default(50)
      .meta({ title: 'population', description: `${s}: 50 candidates per generation` }),
    generations: z
      .number()
      .int()
      .min(0)
      .default(20)
      .meta({
        title: 'generations',
        description: `${s}: 20 generations after the random initial population`,
      }),
    topK: z
      .number()
      .int()
      .min(1)
      .default(10)
      .meta({
        title: 'parents (top-k)',
        description: `${s}: the best 10 seen so far are the parents of mutants and crossovers`,
      }),
    mutants: z
      .number()
      .int()
      .min(0)
      .default(25)
      .meta({
        title: 'mutants per generation',
        description: `${s}: 25, each a top-k parent with every decision redrawn with the mutation probability`,
      }),
    crossovers: z
      .number()
      .int()
      .min(0)
      .default(25)
      .meta({
        title: 'crossovers per generation',
        description: `${s}: 25, each decision from one of two top-k parents uniformly; the rest of the population is random`,
      }),
    mutationProbability: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .meta({ title: 'mutation probability', description: `${s}: 0.1 per decision` }),
  };
}

/** The optional cost limits of the evolution's candidates (rejected and redrawn when above). */
export function costLimitFields(o: { flops: string }) {
  return {
    maxMFlops: millions(
      'FLOPs limit (M)',
      `optional: candidates above it are rejected and redrawn (${o.flops}); millions of multiply-adds at the data’s image size, as the space’s cost model counts them`,
    ),
    maxMParams: millions(
      'parameter limit (M)',
      'optional: candidates with more parameters (millions) are rejected and redrawn',
    ),
  };
}

/** The evolution's consistency rules, for a schema's superRefine: one generation's stages fit in it. */
export function refineEvolution(
  c: { population: number; topK: number; mutants: number; crossovers: number },
  ctx: z.RefinementCtx,
): void {
  if (c.mutants + c.crossovers > c.population)
    ctx.addIssue({
      code: 'custom',
      path: ['mutants'],
      message: `mutants (${c.mutants}) + crossovers (${c.crossovers}) must not exceed the population (${c.population})`,
    });
  if (c.topK > c.population)
    ctx.addIssue({
      code: 'custom',
      path: ['topK'],
      message: `top-k (${c.topK}) must not exceed the population (${c.population})`,
    });
}
